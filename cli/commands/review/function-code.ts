// The rotation function's code as this package ships it (dist/lambda.zip, built with the CLI): what a plan's rotation
// function must deploy, unless the user accepts another zip of theirs (`functionZipPath`) by its hash.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../core/package-files';

/** The zip as a plan shows it. */
export interface FunctionCode {
  /** What Terraform's filebase64sha256 gives, the construct's `source_code_hash`: base64 of the SHA-256. */
  readonly sha256: string;
  /** cdktf names the zip's asset folder after its MD5 (upper-case hex): `assets/<construct>/<MD5>/lambda.zip`. */
  readonly assetHash: string;
}

/** The code hashes the review accepts on a rotation function. */
export interface AcceptedFunctionCode {
  /** This package's own zip; undefined when it cannot be read (then no code is the construct's own). */
  readonly own: FunctionCode | undefined;
  /** `source_code_hash` values the user accepts besides (`--function-code`), base64. */
  readonly extra: readonly string[];
}

export function functionCodeOf(zip: Buffer): FunctionCode {
  return {
    sha256: createHash('sha256').update(zip).digest('base64'),
    assetHash: createHash('md5').update(zip).digest('hex').toUpperCase(),
  };
}

/** This package's dist/lambda.zip (beside the bundled bin in dist/cli/, or the sources' dist/), or undefined. */
export function ownFunctionCode(start: string = __dirname): FunctionCode | undefined {
  const root = packageRoot(start);
  if (root === undefined) return undefined;
  try {
    return functionCodeOf(fs.readFileSync(path.join(root, 'dist', 'lambda.zip')));
  } catch {
    return undefined;
  }
}

/**
 * A `--function-code` value as the plan shows it (base64 of the SHA-256, as `openssl dgst -sha256 -binary | base64`
 * prints it), also taken as the 64 hex digits `sha256sum` prints; undefined when it is neither.
 */
export function parseCodeHash(text: string): string | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex').toString('base64');
  return /^[A-Za-z0-9+/]{43}=$/.test(text) ? text : undefined;
}
