#!/usr/bin/env node
// Bundles the rotation function (lambda/index.ts, AWS SDK included) and zips it reproducibly: the zip's
// bytes depend only on the sources, so its sha256 can serve as Terraform's source_code_hash.
//
//   node scripts/build-lambda.mjs [--outdir <dir>]   (default: dist)
//   -> <dir>/lambda/index.js and <dir>/lambda.zip (one entry: index.js)
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { NODE_BUNDLE_OPTIONS, outputDir, root } from './build-shared.mjs';

// DOS timestamps start in 1980 and have no time zone; fflate writes the local-time fields of the Date it is
// given, so the Date is built from the UTC fields of the wanted instant to give the same bytes in every zone.
function zipTimestamp() {
  const dosEpoch = Date.UTC(1980, 0, 1);
  const sourceDateEpoch = process.env.SOURCE_DATE_EPOCH ?? '';
  const instant = /^\d+$/.test(sourceDateEpoch) ? Math.max(Number(sourceDateEpoch) * 1000, dosEpoch) : dosEpoch;
  const utc = new Date(instant);
  return new Date(
    utc.getUTCFullYear(),
    utc.getUTCMonth(),
    utc.getUTCDate(),
    utc.getUTCHours(),
    utc.getUTCMinutes(),
    utc.getUTCSeconds(),
  );
}

const outDir = outputDir(process.argv.slice(2));
const bundlePath = join(outDir, 'lambda', 'index.js');
const zipPath = join(outDir, 'lambda.zip');

await build({
  entryPoints: [join(root, 'lambda', 'index.ts')],
  outfile: bundlePath,
  ...NODE_BUNDLE_OPTIONS,
});

const bundle = readFileSync(bundlePath);
const zip = zipSync(
  {
    'index.js': [
      bundle,
      {
        level: 9,
        mtime: zipTimestamp(),
        os: 3, // Unix, so that attrs are read as a mode
        attrs: (0o100644 << 16) >>> 0, // regular file, rw-r--r--
      },
    ],
  },
  {},
);
mkdirSync(dirname(zipPath), { recursive: true });
writeFileSync(zipPath, zip);

const sha256 = createHash('sha256').update(zip).digest('hex');
const shown = (path) => {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') ? path : fromCwd;
};
console.log(`bundle ${shown(bundlePath)}: ${bundle.length} bytes`);
console.log(`zip    ${shown(zipPath)}: ${zip.length} bytes`);
console.log(`sha256 ${sha256}`);
