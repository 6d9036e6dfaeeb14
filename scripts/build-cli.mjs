#!/usr/bin/env node
// Bundles the operator CLI (cli/index.ts, AWS SDK included, no cdktf) into one CommonJS file with a node shebang:
// the package's bin `iam-key-rotation`. No timestamps or absolute paths go in, so the same sources give the same bytes.
//
//   node scripts/build-cli.mjs [--outdir <dir>]   (default: dist)
//   -> <dir>/cli/index.js (mode 0755)
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE_OPTIONS, outputDir, root } from './build-shared.mjs';

const bundlePath = join(outputDir(process.argv.slice(2)), 'cli', 'index.js');

await build({
  entryPoints: [join(root, 'cli', 'index.ts')],
  outfile: bundlePath,
  ...NODE_BUNDLE_OPTIONS,
  banner: { js: '#!/usr/bin/env node' },
  // The CLI must stay small and quick to start: the infrastructure packages have no business in it.
  external: ['cdktf', '@cdktf/*', 'constructs'],
});
chmodSync(bundlePath, 0o755);

const bundle = readFileSync(bundlePath);
if (/require\("(?:cdktf|@cdktf\/[^"]*|constructs)"\)/.test(bundle.toString('utf8'))) {
  throw new Error(
    'the CLI bundle requires cdktf or its provider bindings: something under cli/ imports lib/ or main.ts',
  );
}
const shown = relative(process.cwd(), bundlePath).startsWith('..') ? bundlePath : relative(process.cwd(), bundlePath);
console.log(`bundle ${shown}: ${bundle.length} bytes`);
console.log(`sha256 ${createHash('sha256').update(bundle).digest('hex')}`);
