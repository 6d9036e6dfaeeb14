#!/usr/bin/env node
// Compiles the construct library (lib/ and the root files it shares: contract.ts, arn-patterns.ts, function-package.ts)
// for the package: CommonJS JavaScript and .d.ts types under dist/lib/ (and dist/contract.* and so on), the package's
// `exports` entry. The old output goes first, so a deleted source never lingers in the tarball.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './build-shared.mjs';

const dist = join(root, 'dist');
for (const stale of ['lib', ...['contract', 'arn-patterns', 'function-package'].flatMap((file) => [`${file}.js`, `${file}.d.ts`])]) {
  rmSync(join(dist, stale), { recursive: true, force: true });
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
console.log('library dist/lib/index.js, dist/lib/index.d.ts');
