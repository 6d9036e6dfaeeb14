#!/usr/bin/env node
// Compiles the construct library (lib/ and the core modules it imports)
// for the package: CommonJS JavaScript and .d.ts types under dist/lib/ (and dist/core/), the package's
// `exports` entry. The old output goes first, so a deleted source never lingers in the tarball.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './build-shared.mjs';

const dist = join(root, 'dist');
for (const stale of ['lib', 'core']) {
  rmSync(join(dist, stale), { recursive: true, force: true });
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
console.log('library dist/lib/index.js, dist/lib/index.d.ts');
