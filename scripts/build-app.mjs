// Bundles the CDKTF app (main.ts + lib/ + core/contract.ts) into dist/main.js for `node dist/main.js`:
// no ts-node at synth time (3.4 s saved), dependencies stay in node_modules (packages: 'external').
// dist/main.js sits one level below the project root, like lib/, so lib's default paths work from both.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  absWorkingDir: root,
  entryPoints: ['main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});
