import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultFunctionZipPath, packageRoot } from '../../core/package-files';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ikr-package-files-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('the package root and its function zip', () => {
  test('from the sources (lib/), this repository', () => {
    expect(packageRoot()).toBe(path.resolve(__dirname, '..', '..'));
    expect(defaultFunctionZipPath()).toBe(path.resolve(__dirname, '..', '..', 'dist', 'lambda.zip'));
  });

  test('from an installed copy (dist/lib/), that copy, past other packages and unreadable manifests', () => {
    // GIVEN an app with the package installed, and a nested folder with a broken package.json
    const app = tree({
      'package.json': JSON.stringify({ name: 'keys-app' }),
      'node_modules/iam-key-rotation/package.json': JSON.stringify({ name: 'iam-key-rotation' }),
      'node_modules/iam-key-rotation/dist/lib/rules/package.json': '{ not json',
    });
    const installed = path.join(app, 'node_modules', 'iam-key-rotation');
    // WHEN / THEN
    expect(packageRoot(path.join(installed, 'dist', 'lib', 'rules'))).toBe(installed);
    expect(defaultFunctionZipPath(path.join(installed, 'dist', 'lib'))).toBe(
      path.join(installed, 'dist', 'lambda.zip'),
    );
  });

  test('from code a bundler moved into an app: a clear error naming functionZipPath', () => {
    const app = tree({ 'package.json': JSON.stringify({ name: 'keys-app' }), 'dist/main.js': '' });
    expect(packageRoot(path.join(app, 'dist'))).toBeUndefined();
    expect(() => defaultFunctionZipPath(path.join(app, 'dist'))).toThrow(
      /^functionZipPath: no iam-key-rotation package\.json above .*\/dist, so its dist\/lambda\.zip cannot be found .*set `functionZipPath`/,
    );
  });
});
