// `iam-key-rotation review`: in-process through main() (exit codes, messages, the real fixtures) and once as the
// real bin with the plan piped into its stdin. The *.plan.json fixtures are real `terraform show -json` output of the
// example stack on the local emulator (rotation.config.json; then alice's schedule changed, bob removed, carol and a
// reader added, after an apply with recoveryWindowInDays 0); the -unknown-policies one is from a version of the
// stack whose policies held ARNs known only after apply.

// The review must not load an AWS SDK client or cdktf: loading any of them fails these tests.
jest.mock('@aws-sdk/client-secrets-manager', () => {
  throw new Error('review loaded @aws-sdk/client-secrets-manager');
});
jest.mock('@aws-sdk/client-iam', () => {
  throw new Error('review loaded @aws-sdk/client-iam');
});
jest.mock('@aws-sdk/client-lambda', () => {
  throw new Error('review loaded @aws-sdk/client-lambda');
});
jest.mock('@aws-sdk/client-cloudwatch-logs', () => {
  throw new Error('review loaded @aws-sdk/client-cloudwatch-logs');
});
jest.mock('cdktf', () => {
  throw new Error('review loaded cdktf');
});

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parseArguments } from '../../cli/arguments';
import { REVIEW } from '../../cli/commands/review/definition';
import { runReview } from '../../cli/commands/review/run';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { checkedBlock } from '../support/doc-snippets';
import { PROJECT_ROOT } from '../support/paths';
import { CLI_BIN, cliEnv, ensureCliBuilt, runCli } from './run-cli';
import { create, destroy, planJson, policy } from './fixtures/review-plans';

const FIXTURES = path.join(__dirname, 'fixtures');
const FIRST_APPLY = path.join(FIXTURES, 'review-first-apply.plan.json');
const USERS_CHANGED = path.join(FIXTURES, 'review-users-changed.plan.json');
const UNKNOWN_POLICIES = path.join(FIXTURES, 'review-users-changed-unknown-policies.plan.json');
const EXPECTED_USERS_CHANGED = path.join(FIXTURES, 'review-users-changed.expected.md');
/**
 * Issue 22's takeover, as a plan: the deployed example (alice, bob) where alice's secret is tagged bob and the function
 * gets NODE_OPTIONS, AWS_ENDPOINT_URL_SECRETS_MANAGER and another zip; made from the users-changed plan (its no-op
 * resources as they were, the two updates written in). The old review said "No blockers" for it, exit 0.
 */
const TAKEOVER = path.join(FIXTURES, 'review-takeover.plan.json');
/** The function zip of the build the real plans were made with (their `source_code_hash`). */
const FIXTURES_FUNCTION_CODE = 'l1GZsoA3MxJsziFOWM/+ppo/tlwq/y+uQOk+ssl3RSM=';

function fakeIo(): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: () => out.join(''),
    err: () => err.join(''),
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    progress: () => undefined,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    sleep: async () => undefined,
  };
}

async function review(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = fakeIo();
  const code = await main(['review', ...args], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

let tempDir: string;
beforeAll(() => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-review-'));
});
afterAll(() => fs.rmSync(tempDir, { recursive: true, force: true }));

function tempFile(name: string, text: string): string {
  const file = path.join(tempDir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('review on real plans of the example stack', () => {
  test('the changed config: the report is as expected, and the deleted secret blocks (exit 1)', async () => {
    // WHEN
    const { code, stdout, stderr } = await review([USERS_CHANGED, '--title', 'iam-key-rotation']);
    // THEN
    expect(code).toBe(1);
    expect(stdout).toBe(fs.readFileSync(EXPECTED_USERS_CHANGED, 'utf8'));
    expect(stderr).toBe('review: 1 blocker in iam-key-rotation\n');
  });

  test('the changed config, read for its parts: users, secrets, schedules, rotations, the user policy gaining carol', async () => {
    const { stdout } = await review([USERS_CHANGED]);
    expect(stdout).toContain(
      '| `aws_secretsmanager_secret.rotation_user-bob_secret_503DD3C3` | - | secret deleted at once',
    );
    expect(stdout).toContain('| removed | secret | `iam-key-rotation/bob` | `bob` | deleted at once |');
    expect(stdout).toContain('| added | IAM user | `carol` |');
    expect(stdout).toContain('| `iam-key-rotation/alice` | `every 90 days, window 3h` | `every 60 days` |');
    expect(stdout).toMatch(
      /\| `iam-key-rotation\/alice` \| `aws_secretsmanager_secret_rotation\.[^`]+` \| `rotation_rules` change/,
    );
    expect(stdout).toMatch(
      /\| `iam-key-rotation\/carol` \| `aws_secretsmanager_secret_rotation\.[^`]+` \| first rotation: `rotate_immediately` \|/,
    );
    expect(stdout).toContain('+ `arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/carol-??????`');
    expect(stdout).toContain('- `arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/bob-??????`');
    // carol's secret policy: secret_arn is unknown, named through the configuration's references
    expect(stdout).toMatch(
      /\| added \| `aws_secretsmanager_secret_policy\.[^`]+` \| `ReadersReadTheSecret` \| `arn:aws:iam::123456789012:role\/app-reader` \| Allow \| .* \| secret `iam-key-rotation\/carol`<br>`\*` \(this secret\) \|/,
    );
  });

  test('docs/plan-review.md shows exactly this report as its sample review comment', () => {
    const sample = checkedBlock('docs/plan-review.md', 'sample-review');
    expect(sample.lang).toBe('markdown');
    expect(`${sample.text}\n`).toBe(fs.readFileSync(EXPECTED_USERS_CHANGED, 'utf8'));
  });

  test('--report-only: the same report, exit 0', async () => {
    const { code, stdout, stderr } = await review([USERS_CHANGED, '--title', 'iam-key-rotation', '--report-only']);
    expect(code).toBe(0);
    expect(stdout).toBe(fs.readFileSync(EXPECTED_USERS_CHANGED, 'utf8'));
    expect(stderr).toBe('review: 1 blocker in iam-key-rotation (--report-only: exit 0)\n');
  });

  test("the first plan on an empty account: no blockers (the stack's own policies are not wildcards), two first rotations", async () => {
    // WHEN (the fixture's function zip is accepted: a later build of the function has another hash)
    const { code, stdout, stderr } = await review([FIRST_APPLY, '--function-code', FIXTURES_FUNCTION_CODE]);
    // THEN
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe('<!-- iam-key-rotation review: review-first-apply.plan.json -->');
    expect(stdout).toContain('**23 to add, 0 to change, 0 to destroy, 0 to replace.**');
    expect(stdout).toContain('**No blockers.**');
    expect(stdout).toMatch(/first rotation: `rotate_immediately`[^\n]*\n[^\n]*first rotation: `rotate_immediately`/);
    expect(stdout).toContain(
      '| `FindManagedSecrets` | role `iam-key-rotation` | Allow | `secretsmanager:ListSecrets` | `*` |',
    );
    expect(stdout).toContain('| `DenySecretsOutsideTheStack` | role `iam-key-rotation` | Deny |');
    expect(stdout).toContain('| `AccountAdministersKey` | `arn:aws:iam::123456789012:root` | Allow |');
    expect(stdout).toContain('role `iam-key-rotation` (attached by this plan)');
    expect(stdout).not.toContain('Destroyed');
  });

  test('the takeover plan (user tag alice -> bob, NODE_OPTIONS, an endpoint, other code) blocks: a row each, exit 1', async () => {
    // WHEN
    const { code, stdout, stderr } = await review([TAKEOVER, '--title', 'iam-key-rotation']);
    // THEN
    expect(code).toBe(1);
    expect(stderr).toBe('review: 4 blockers in iam-key-rotation\n');
    expect(stdout).toContain(
      '**0 to add, 2 to change, 0 to destroy, 0 to replace.**\n\n**4 blockers**: see below before applying.',
    );
    const rows = stdout.split('\n').filter((line) => line.startsWith('| `aws_'));
    expect(rows).toEqual([
      expect.stringMatching(
        /^\| `aws_secretsmanager_secret\.rotation_user-alice_secret_B58DF5DE` \| - \| the secret's user changes \(`iam-key-rotation:user` `alice` → `bob`\)/,
      ),
      expect.stringMatching(
        /^\| `aws_lambda_function\.rotation_rotation-function_0E9F40C7` \| - \| code that is not the construct's: `source_code_hash` `2SsJ7te0TYLGSjS2cs6\+NLoA1bFngD8Cpq1i9niTuHE=` is not iam-key-rotation /,
      ),
      expect.stringMatching(
        /^\| `aws_lambda_function\.rotation_rotation-function_0E9F40C7` \| - \| environment variable `NODE_OPTIONS`, outside the construct's set/,
      ),
      expect.stringMatching(
        /^\| `aws_lambda_function\.rotation_rotation-function_0E9F40C7` \| - \| environment variable `AWS_ENDPOINT_URL_SECRETS_MANAGER`, outside the construct's set/,
      ),
    ]);
  });

  test('--function-code accepts the hash of a zip of your own, as base64 or hex, and refuses anything else', async () => {
    // GIVEN the takeover's code hash in hex
    const hex = Buffer.from('2SsJ7te0TYLGSjS2cs6+NLoA1bFngD8Cpq1i9niTuHE=', 'base64').toString('hex');
    // WHEN
    const accepted = await review([TAKEOVER, '--function-code', hex]);
    const bad = await review([TAKEOVER, '--function-code', 'not-a-hash']);
    // THEN the code row is gone (the tag and the variables still block); a bad value is a usage error
    expect(accepted.stderr).toBe('review: 3 blockers in review-takeover.plan.json\n');
    expect(accepted.stdout).not.toContain("code that is not the construct's");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--function-code must be a zip's SHA-256");
  });

  test('policies known only after apply are warning rows, not blockers', async () => {
    const { code, stdout } = await review([UNKNOWN_POLICIES]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      '**1 blocker**: see below before applying. 1 policy is known only after apply or not shown, and could not be reviewed.',
    );
    expect(stdout).toMatch(
      /\| warning \| `aws_iam_policy\.[^`]+` \| policy \| role `iam-key-rotation` \| {3}\| known only after apply: cannot be reviewed \|/,
    );
  });

  test('the fixtures hold no key material', () => {
    for (const file of fs.readdirSync(FIXTURES).filter((name) => name.endsWith('.json'))) {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      expect(text).not.toMatch(/secretkey|secret_access_key|SecretAccessKey/i);
      expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
      // a secret access key: 40 characters of base64, not part of a longer run (hashes are 44 with padding)
      expect(text).not.toMatch(/(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/);
    }
  });
});

describe('review options and exit codes', () => {
  const blocked = planJson([destroy('aws_secretsmanager_secret.s', { name: 'n', recovery_window_in_days: 0 })]);
  const clean = planJson([create('aws_iam_user.u', { name: 'u' })]);

  test('exit 0 without blockers, 1 with one, 0 with --report-only', async () => {
    expect((await review([tempFile('clean.json', clean)])).code).toBe(0);
    expect((await review([tempFile('blocked.json', blocked)])).code).toBe(1);
    expect((await review([tempFile('blocked.json', blocked), '--report-only'])).code).toBe(0);
  });

  test('--title sets the heading and the marker; by default it is the file name', async () => {
    expect((await review([tempFile('prod.json', clean)])).stdout).toMatch(
      /^<!-- iam-key-rotation review: prod\.json -->\n## Plan review: `prod\.json`\n/,
    );
    expect((await review([tempFile('prod.json', clean), '--title', 'prod-eu'])).stdout).toMatch(
      /^<!-- iam-key-rotation review: prod-eu -->\n## Plan review: `prod-eu`\n/,
    );
  });

  test('--max-chars caps the report; a bad value is a usage error', async () => {
    const statements = Array.from({ length: 30 }, (_, index) => ({
      Sid: `S${index}`,
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: `arn:aws:sns:r:1:t${index}`,
    }));
    const file = tempFile(
      'long.json',
      planJson([create('aws_iam_role_policy.p', { role: 'r', policy: policy(...statements) })]),
    );
    const capped = await review([file, '--max-chars', '2000']);
    expect(capped.stdout.length).toBeLessThanOrEqual(2000);
    expect(capped.stdout).toMatch(/_\d+ more rows left out: the report is capped at 2000 characters/);
    const bad = await review([file, '--max-chars', '10k']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: --max-chars must be a whole number of characters, got '10k'");
  });

  test('reads the plan from stdin with -', async () => {
    // GIVEN
    const io = fakeIo();
    const args = parseArguments(['-', '--title', 'piped'], REVIEW.options, 'hint');
    // WHEN
    const code = await runReview(
      { args, aws: {}, io },
      { stdin: Readable.from([Buffer.from(blocked.slice(0, 20)), Buffer.from(blocked.slice(20))]) },
    );
    // THEN
    expect(code).toBe(1);
    expect(io.out()).toMatch(/^<!-- iam-key-rotation review: piped -->/);
  });

  test('refuses to wait for a plan typed at a terminal', async () => {
    const io = fakeIo();
    const args = parseArguments(['-'], {}, 'hint');
    const stdin = Object.assign(Readable.from([]), { isTTY: true });
    await expect(runReview({ args, aws: {}, io }, { stdin })).rejects.toThrow(
      /stdin is a terminal: pipe the plan JSON into it/,
    );
  });

  test('--help has the usage line and an example', async () => {
    const { code, stdout } = await review(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Usage: iam-key-rotation review <plan\.json \| -> \[--title <text>\] \[--report-only\] \[--max-chars <n>\]/,
    );
    expect(stdout).toContain('iam-key-rotation review plan.json --title iam-key-rotation > review.md');
  });

  test("the global help's exit codes name review's blocker", async () => {
    const io = fakeIo();
    await main(['--help'], io);
    expect(io.out()).toContain(
      '1  status found an error finding; rotate failed or timed out; credentials found no usable key; review found a blocker',
    );
    expect(io.out()).toMatch(/review +turn a terraform plan/);
  });
});

describe('review of bad input: exit 2, saying what was expected', () => {
  const EXPECTED = 'the output of terraform show -json <planfile>';

  test.each([
    ['a missing file', () => path.join(tempDir, 'nope.json'), /error: cannot read .*nope\.json: no such file\n/],
    ['a folder', () => tempDir, /error: cannot read .*: it is a folder\n/],
    [
      'text that is not JSON',
      () => tempFile('plan.txt', 'Terraform will perform the following actions:'),
      /error: .*plan\.txt: the input is not JSON: expected the output of terraform show -json <planfile>\n/,
    ],
    [
      'JSON of another kind',
      () => tempFile('other.json', '{"resources": []}'),
      /error: .*other\.json: the input is not a Terraform plan \(no format_version\): expected the output/,
    ],
    [
      'a state, not a plan',
      () => tempFile('state.json', '{"format_version": "1.0", "values": {"root_module": {}}}'),
      /the input is a Terraform state \(terraform show -json without a plan file\): expected the output/,
    ],
    [
      'a future format',
      () => tempFile('v2.json', '{"format_version": "2.0", "resource_changes": []}'),
      /format_version is 2\.0; this command reads format 1\.x/,
    ],
    [
      'a malformed resource change',
      () =>
        tempFile(
          'bad.json',
          '{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", "name": "b"}]}',
        ),
      /resource_changes\[0\] \(a\.b\) has no change\.actions/,
    ],
  ])('%s', async (_, file, message) => {
    // WHEN
    const { code, stdout, stderr } = await review([file()]);
    // THEN
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain(`Pass ${EXPECTED} (a file, or - for stdin).`);
  });

  test('a missing argument', async () => {
    const { code, stderr } = await review([]);
    expect(code).toBe(2);
    expect(stderr).toContain('error: review: missing argument <plan.json>');
  });
});

describe('review as the real bin', () => {
  beforeAll(() => {
    ensureCliBuilt();
    // A bin built before the review command existed would not know it.
    if (!fs.readFileSync(CLI_BIN, 'utf8').includes('iam-key-rotation review')) {
      execFileSync('node', [path.join(PROJECT_ROOT, 'scripts', 'build-cli.mjs')], {
        cwd: PROJECT_ROOT,
        stdio: 'ignore',
      });
    }
  }, 60_000);

  test('terraform show -json <planfile> | iam-key-rotation review - --report-only', async () => {
    // WHEN
    const result = await runCli(
      ['review', '-', '--title', 'iam-key-rotation', '--report-only'],
      cliEnv({}, tempDir),
      USERS_CHANGED,
    );
    // THEN
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(fs.readFileSync(EXPECTED_USERS_CHANGED, 'utf8'));
    expect(result.stderr).toBe('review: 1 blocker in iam-key-rotation (--report-only: exit 0)\n');
  });
});
