// What the project produces, fingerprinted: the function's bundle and zip, the stacks the app synthesizes from several
// configs, the plain Terraform module and the CLI's output for the calls that need no AWS. A restructuring must leave
// every entry as it was; a change that means to alter one of them updates the snapshot (`npx jest test/golden -u`) and
// says why in its commit.
//
// The zip's own hash is fingerprinted once, and replaced by a placeholder wherever else it shows (the stacks'
// source_code_hash and asset folder, the review's own-code check): esbuild's minifier picks its short names from the
// modules' paths, so moving a module changes the zip's bytes though the program is the same. The bundle's canonical
// form (the whole bundle minified again as one function, so each name is chosen by use alone) shows that it is.
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { transformSync } from 'esbuild';
import { PROJECT_ROOT } from '../support/paths';

const DIST = path.join(PROJECT_ROOT, 'dist');
const REVIEW_FIXTURES = path.join(PROJECT_ROOT, 'test', 'cli', 'fixtures');

/** Every option the config knows, so that each part of the construct shows in the fingerprint. */
const EVERY_OPTION_CONFIG = {
  region: 'eu-west-1',
  backend: { s3: { bucket: 'acme-terraform-state', key: 'iam-key-rotation/terraform.tfstate', region: 'eu-west-1' } },
  name: 'keys',
  secretNamePrefix: 'platform/keys/',
  schedule: { automaticallyAfterDays: 60, duration: '4h' },
  previousKeyAction: 'deactivate-after-grace',
  previousKeyGraceDays: 5,
  previousKeyInUse: 'deactivate',
  notifications: { emails: ['platform@example.com'] },
  sweepHourUtc: 3,
  testBudgetMs: 20000,
  logLevel: 'DEBUG',
  encryption: 'customer-managed',
  readerArns: ['arn:aws:iam::123456789012:role/reader'],
  readers: ['arn:aws:iam::210987654321:role/consumer'],
  logRetentionInDays: 90,
  recoveryWindowInDays: 7,
  tags: { team: 'platform' },
  functionEnvironment: { AWS_MAX_ATTEMPTS: '5' },
  managedPoliciesPerRole: 2,
  reservedConcurrency: 10,
  users: [
    { name: 'alice', createUser: true },
    { name: 'bob', secretName: 'ci/bob-key', schedule: { automaticallyAfterDays: 30 }, previousKeyAction: 'keep' },
    { name: 'carol', previousKeyAction: 'deactivate' },
    { name: 'dave', previousKeyGraceDays: 3, readers: ['arn:aws:iam::123456789012:user/dave-reader'] },
  ],
};

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

const ZIP_SHA256 = sha256(fs.readFileSync(path.join(DIST, 'lambda.zip')));

/** The text with the zip's hash (hex, base64) and the asset folder named after it replaced by placeholders. */
function withoutZipHash(text: string): string {
  return text
    .replaceAll(ZIP_SHA256, '<zip sha256>')
    .replaceAll(Buffer.from(ZIP_SHA256, 'hex').toString('base64'), '<zip sha256, base64>')
    .replace(/(_code_[0-9A-F]{8})\/[0-9A-F]{32}/g, '$1/<asset>');
}

/** The bundle minified again as the body of one function: the same program gives the same text, whatever its paths. */
function canonicalBundle(bundle: string): string {
  const body = bundle.replace(/^"use strict";/, '');
  return transformSync(`(function(){${body}})();`, {
    minify: true,
    format: 'esm',
    target: 'node20',
    legalComments: 'none',
  }).code;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Each file's hash, but for zips (the function's, fingerprinted on its own), with the zip's hash replaced in text. */
function hashTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    filesUnder(dir).map((file) => [
      withoutZipHash(file),
      file.endsWith('.zip') ? '<zip>' : sha256(withoutZipHash(fs.readFileSync(path.join(dir, file), 'utf8'))),
    ]),
  );
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
}

/** The stacks `node dist/main.js` writes for a config: each file's hash, manifest.json aside (it names the cdktf version). */
function synthesized(configPath: string): Record<string, string> {
  const outdir = tempDir();
  execFileSync(process.execPath, [path.join(DIST, 'main.js')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, IAM_KEY_ROTATION_CONFIG: configPath, CDKTF_OUTDIR: outdir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return hashTree(path.join(outdir, 'stacks'));
}

interface CliRun {
  readonly argv: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...argv: string[]): CliRun {
  const run = spawnSync(process.execPath, [path.join(DIST, 'cli', 'index.js'), ...argv], {
    cwd: REVIEW_FIXTURES,
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    encoding: 'utf8',
    input: '',
  });
  return {
    argv: argv.join(' '),
    code: run.status,
    stdout: withoutZipHash(run.stdout),
    stderr: withoutZipHash(run.stderr),
  };
}

describe('what the project produces', () => {
  test('the function zip', () => {
    expect(ZIP_SHA256).toMatchSnapshot();
  });

  test('the function bundle, up to the names the minifier chose', () => {
    expect(sha256(canonicalBundle(fs.readFileSync(path.join(DIST, 'lambda', 'index.js'), 'utf8')))).toMatchSnapshot();
  });

  test.each(['rotation.config.json', 'examples/multi-account.config.json', 'test/e2e/sweep.config.json'])(
    'the stacks synthesized from %s',
    (config) => {
      expect(synthesized(path.join(PROJECT_ROOT, config))).toMatchSnapshot();
    },
  );

  test('the stack synthesized from a config with every option', () => {
    const configPath = path.join(tempDir(), 'every-option.json');
    fs.writeFileSync(configPath, JSON.stringify(EVERY_OPTION_CONFIG));
    expect(synthesized(configPath)).toMatchSnapshot();
  });

  test('the plain Terraform module', () => {
    const outDir = tempDir();
    execFileSync(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(PROJECT_ROOT, 'scripts', 'build-module.ts'), '--outdir', outDir],
      {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(hashTree(outDir)).toMatchSnapshot();
  });

  test('the CLI calls that need no AWS', () => {
    const plans = fs
      .readdirSync(REVIEW_FIXTURES)
      .filter((file) => file.endsWith('.plan.json'))
      .sort();
    const runs = [
      cli(),
      cli('--help'),
      cli('--version'),
      cli('unknown'),
      ...['status', 'rotate', 'credentials', 'review'].map((command) => cli(command, '--help')),
      cli('status', '--unknown'),
      cli('status', 'extra'),
      cli('rotate'),
      cli('rotate', 'a', '--timeout', 'soon'),
      cli('credentials'),
      cli('review'),
      cli('review', 'missing.plan.json'),
      cli('review', plans[0], '--max-chars', 'many'),
      cli('review', plans[0], '--function-code', 'abc'),
      ...plans.map((plan) => cli('review', plan)),
      ...plans.map((plan) => cli('review', plan, '--report-only', '--title', 'PR 7', '--max-chars', '2000')),
    ];
    expect(runs).toMatchSnapshot();
  });
});
