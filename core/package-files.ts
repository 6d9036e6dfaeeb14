// Finds this package's own files wherever its code runs from: core/ (the sources, under ts-jest or tsx), dist/ (this
// repository's bundled app) or dist/core/ (the package installed in someone's node_modules).
import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'iam-key-rotation';
/** The rotation function's deployment package, relative to the package root (built by npm run build:lambda). */
const FUNCTION_ZIP = path.join('dist', 'lambda.zip');

function isPackageRoot(dir: string): boolean {
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest)) return false;
  try {
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The nearest folder at or above `start` whose package.json is this package's, or undefined. */
export function packageRoot(start: string = __dirname): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isPackageRoot(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The function zip that ships with this package. */
export function defaultFunctionZipPath(start: string = __dirname): string {
  const root = packageRoot(start);
  if (root === undefined) {
    // A bundler that inlines this package into an app moves the code away from its files.
    throw new Error(
      `functionZipPath: no ${PACKAGE_NAME} package.json above ${start}, so its dist/lambda.zip cannot be found ` +
        `(was the package bundled into your app?); set \`functionZipPath\` to the zip's path`,
    );
  }
  return path.join(root, FUNCTION_ZIP);
}
