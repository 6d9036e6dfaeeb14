#!/usr/bin/env tsx
// Writes the plain Terraform module: dist/terraform-module/ (main.tf.json, lambda.zip, README.md) from the construct's
// code and dist/lambda.zip (npm run build:lambda first).
//
//   tsx scripts/build-module.ts [--outdir <dir>]   (default: dist/terraform-module)
import * as path from 'path';
import { buildTerraformModule } from '../lib/terraform-module/build';

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const index = argv.indexOf('--outdir');
if (index !== -1 && (argv[index + 1] === undefined || argv[index + 1].startsWith('--')))
  throw new Error('--outdir needs a directory');
const outDir = index === -1 ? path.join(root, 'dist', 'terraform-module') : path.resolve(argv[index + 1]);
buildTerraformModule({ zipPath: path.join(root, 'dist', 'lambda.zip'), outDir });
console.log(`module ${path.relative(process.cwd(), outDir) || '.'}: main.tf.json, lambda.zip, README.md`);
