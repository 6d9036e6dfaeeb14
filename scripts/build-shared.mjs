// What the build scripts share: the project root, the --outdir option and how a Node bundle is made.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `--outdir <dir>` from the arguments, resolved; the project's dist/ without it. */
export function outputDir(argv) {
  const index = argv.indexOf('--outdir');
  if (index === -1) {
    return join(root, 'dist');
  }
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) {
    throw new Error('--outdir needs a directory');
  }
  return resolve(value);
}

/** esbuild options for one minified CommonJS file for Node 20, with no timestamps, paths or comments that vary. */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};
