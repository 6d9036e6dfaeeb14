// The example pull-request workflow (examples/github-actions/): its script on the local emulator, where it synthesizes
// the app, plans and reviews every stack with the built CLI and upserts one comment per stack through a fake `gh` that
// records what it was asked to do; the script's decisions with a fake terraform (fast); and what the workflow runs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_NAME, targetStackName } from '../../main';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { terraformEnv } from '../../emulator/terraform-env';
import { motoAvailable, requireTool, TERRAFORM_INSTALL_HINT } from '../support/tools';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'examples', 'github-actions');
const SCRIPT = path.join(EXAMPLE_DIR, 'plan-review.sh');
const WORKFLOW = path.join(EXAMPLE_DIR, 'plan-review.yml');
const APP = path.join(PROJECT_ROOT, 'dist', 'main.js');
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'index.js');

const available = requireTool('terraform', TERRAFORM_INSTALL_HINT) && motoAvailable();
const describeWithEmulator = available ? describe : describe.skip;

const REPOSITORY = 'o/r';
const PR_NUMBER = '7';
const COMMENTS_PATH = `repos/${REPOSITORY}/issues/${PR_NUMBER}/comments`;
/** An AWS secret access key (40 characters of base64 alphabet standing alone) or an access key id. */
const SECRET_KEY_PATTERN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/;
const ACCESS_KEY_ID_PATTERN = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;

const marker = (stack: string) => `<!-- iam-key-rotation review: ${stack} -->`;

/** One call the fake gh received. */
interface GhCall {
  readonly args: string[];
  readonly method: string;
  readonly path: string;
  /** The comment body it was given (`-F body=@file` or `--input`). */
  readonly body?: string;
}

/**
 * A `gh` that records each call as a JSON line in $FAKE_GH_LOG, answers GET with the contents of $FAKE_GH_COMMENTS
 * (what `gh api --paginate` prints: one JSON array per page) and anything else with `{}`.
 */
const FAKE_GH = `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
const valueOf = (...names) => { const i = args.findIndex((a) => names.includes(a)); return i >= 0 ? args[i + 1] : undefined; };
const takesValue = new Set(['--method', '-X', '-F', '--field', '-f', '--raw-field', '--input', '-H', '--header', '--jq', '-q']);
const positional = args.filter((a, i) => i > 0 && !a.startsWith('-') && !takesValue.has(args[i - 1]));
const field = valueOf('-F', '--field');
const input = valueOf('--input');
let body;
if (field !== undefined && field.startsWith('body=@')) body = fs.readFileSync(field.slice('body=@'.length), 'utf8');
if (input !== undefined) body = JSON.parse(fs.readFileSync(input === '-' ? 0 : input, 'utf8')).body;
const method = valueOf('--method', '-X') ?? (field !== undefined || input !== undefined ? 'POST' : 'GET');
fs.appendFileSync(process.env.FAKE_GH_LOG, JSON.stringify({ args, method, path: positional[0], body }) + '\\n');
if (args[0] !== 'api') { process.stderr.write('fake gh: only "gh api" is faked\\n'); process.exit(1); }
if (method === 'GET') process.stdout.write(fs.readFileSync(process.env.FAKE_GH_COMMENTS, 'utf8'));
else if (!args.includes('--silent')) process.stdout.write('{}');
`;

/** What the fake gh logged: one call per line. */
function ghCalls(log: string): GhCall[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as GhCall);
}

/** This process's environment without what a real GitHub Actions job would add (its summary file, a token gh prefers). */
function withoutGitHubJob(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['GITHUB_STEP_SUMMARY', 'GH_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN']) delete env[name];
  return env;
}

interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly gh: GhCall[];
}

describeWithEmulator('the plan-review workflow script on the local emulator', () => {
  let emulator: Emulator;
  let dir: string;
  let baseEnv: NodeJS.ProcessEnv;
  let runs = 0;

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-review-e2e-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'gh'), FAKE_GH, { mode: 0o755 });
    baseEnv = {
      ...withoutGitHubJob(),
      ...emulator.env(),
      ...terraformEnv(dir),
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      SYNTH_COMMAND: `${process.execPath} ${APP}`,
      REVIEW_COMMAND: `${process.execPath} ${CLI} review`,
      GITHUB_TOKEN: 'fake',
      GITHUB_REPOSITORY: REPOSITORY,
      PR_NUMBER,
    };
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the script with `config`, its output in `work`, gh answering the comment listing with `comments`. */
  function runScript(work: string, config: string, comments: string): Promise<ScriptRun> {
    runs += 1;
    const ghLog = path.join(dir, `gh-${runs}.log`);
    const ghComments = path.join(dir, `comments-${runs}.json`);
    fs.writeFileSync(ghComments, comments);
    const env = {
      ...baseEnv,
      CDKTF_OUTDIR: path.join(work, 'cdktf.out'),
      REVIEW_DIR: path.join(work, 'plan-review'),
      IAM_KEY_ROTATION_CONFIG: config,
      FAKE_GH_LOG: ghLog,
      FAKE_GH_COMMENTS: ghComments,
    };
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [SCRIPT], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, gh: ghCalls(ghLog) }));
    });
  }

  const writes = (run: ScriptRun, method: string) => run.gh.filter((call) => call.method === method);
  const reviewOf = (work: string, stack: string) => path.join(work, 'plan-review', `${stack}.md`);
  const planOf = (work: string, stack: string) => path.join(work, 'plan-review', `${stack}.plan.json`);

  /** Neither a key nor plan JSON in the log or in the comments. */
  function expectNoSecrets(run: ScriptRun, files: string[]): void {
    const adminSecret = emulator.env().AWS_SECRET_ACCESS_KEY;
    const places: Record<string, string> = { stdout: run.stdout, stderr: run.stderr };
    for (const file of files) places[path.basename(file)] = fs.readFileSync(file, 'utf8');
    for (const [place, text] of Object.entries(places)) {
      expect({ place, match: SECRET_KEY_PATTERN.exec(text)?.[0] }).toEqual({ place, match: undefined });
      expect({ place, match: ACCESS_KEY_ID_PATTERN.exec(text)?.[0] }).toEqual({ place, match: undefined });
      expect({ place, admin: text.includes(adminSecret) }).toEqual({ place, admin: false });
    }
    const log = run.stdout + run.stderr;
    expect(log).not.toContain('"planned_values"');
    expect(log).not.toContain('"resource_changes"');
  }

  describe('the example config (one stack) on an empty account', () => {
    let work: string;
    let first: ScriptRun;
    let config: string;

    beforeAll(async () => {
      work = path.join(dir, 'single');
      config = path.join(PROJECT_ROOT, 'rotation.config.json');
      first = await runScript(work, config, '[]\n');
    }, 120_000);

    test('plans and reviews the stack, and posts one comment for it', () => {
      expect({ code: first.code, stderr: first.code === 0 ? '' : first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fs.existsSync(planOf(work, STACK_NAME))).toBe(true);
      const plan = JSON.parse(fs.readFileSync(planOf(work, STACK_NAME), 'utf8')) as { resource_changes: { address: string }[] };
      expect(plan.resource_changes.map((change) => change.address)).toEqual(expect.arrayContaining([expect.stringMatching(/aws_iam_user\./)]));

      const review = fs.readFileSync(reviewOf(work, STACK_NAME), 'utf8');
      expect(review.split('\n')[0]).toBe(marker(STACK_NAME));
      expect(review).toContain('alice');
      expect(review).toContain('bob');

      expect(first.gh.filter((call) => call.method === 'GET').map((call) => call.path)).toEqual([`${COMMENTS_PATH}?per_page=100`]);
      expect(writes(first, 'POST')).toEqual([expect.objectContaining({ path: COMMENTS_PATH, body: review })]);
      expect(writes(first, 'PATCH')).toEqual([]);
    });

    test('shows its progress on stderr, and no key or plan JSON anywhere', () => {
      expect(first.stderr).toContain(`stack 1/1: init ${STACK_NAME}`);
      expect(first.stderr).toContain(`stack 1/1: plan ${STACK_NAME}`);
      expect(first.stderr).toMatch(/stack 1\/1: Plan: \d+ to add, 0 to change, 0 to destroy/);
      expect(first.stderr).toContain(`stack 1/1: review ${STACK_NAME}`);
      expect(first.stdout).toBe('');
      expectNoSecrets(first, [reviewOf(work, STACK_NAME)]);
    });

    test('a re-run updates the stack\'s comment instead of adding one', async () => {
      // GIVEN the comment of the first run among others, over two pages (gh --paginate prints one array per page)
      const pages = [
        [{ id: 40, body: 'LGTM' }, { id: 41, body: `${marker(`${STACK_NAME}-prod`)}\nanother stack` }],
        [{ id: 42, body: `${marker(STACK_NAME)}\nthe first run's review` }, { id: 43, body: null }],
      ];
      // WHEN
      const second = await runScript(work, config, pages.map((page) => JSON.stringify(page)).join('\n'));
      // THEN
      expect({ code: second.code, stderr: second.code === 0 ? '' : second.stderr }).toEqual({ code: 0, stderr: '' });
      const review = fs.readFileSync(reviewOf(work, STACK_NAME), 'utf8');
      expect(writes(second, 'PATCH')).toEqual([expect.objectContaining({ path: `repos/${REPOSITORY}/issues/comments/42`, body: review })]);
      expect(writes(second, 'POST')).toEqual([]);
      expect(second.stderr).toContain(`updated comment 42 for ${STACK_NAME}`);
    }, 120_000);
  });

  test('a stack that cannot be planned gets a comment saying so, the other stacks still run, and the script fails', async () => {
    // GIVEN two targets: the first rotates an existing IAM user that the account does not have, so its plan fails
    const work = path.join(dir, 'targets');
    fs.mkdirSync(work, { recursive: true });
    const config = path.join(work, 'targets.config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        region: 'us-east-1',
        targets: [
          { name: 'broken', accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/deployer', users: [{ name: 'ghost' }] },
          { name: 'sandbox', accountId: '345678901234', roleArn: 'arn:aws:iam::345678901234:role/deployer', users: [{ name: 'carol', createUser: true }] },
        ],
      }),
    );
    const broken = targetStackName('broken');
    const sandbox = targetStackName('sandbox');

    // WHEN
    const run = await runScript(work, config, '[]\n');

    // THEN
    expect(run.code).toBe(1);
    const failure = fs.readFileSync(reviewOf(work, broken), 'utf8');
    expect(failure.split('\n')[0]).toBe(marker(broken));
    expect(failure).toMatch(/terraform plan failed/);
    expect(failure).toMatch(/ghost/);
    expect(fs.existsSync(planOf(work, broken))).toBe(false);
    expect(run.stderr).toContain(`stack 1/2: terraform plan failed for ${broken}`);

    const review = fs.readFileSync(reviewOf(work, sandbox), 'utf8');
    expect(review.split('\n')[0]).toBe(marker(sandbox));
    expect(review).toContain('carol');
    expect(fs.existsSync(planOf(work, sandbox))).toBe(true);
    expect(run.stderr).toContain(`stack 2/2: review ${sandbox}`);

    expect(writes(run, 'POST').map((call) => call.body)).toEqual([failure, review]);
    expect(run.stderr).toContain(`plan-review: failed for ${broken}`);
    expectNoSecrets(run, [reviewOf(work, broken), reviewOf(work, sandbox)]);
  }, 120_000);
});

/**
 * The script's own decisions, fast: a fake terraform (init and plan succeed, show prints a tiny plan), a synth that
 * writes two stack folders, and a review that prints its marker and exits $FAKE_REVIEW_EXIT.
 */
describe('the plan-review script with a fake terraform and review', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const stacks = ['stack-a', 'stack-b'];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-review-fake-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const executable = (name: string, text: string) => fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
    executable('gh', FAKE_GH);
    executable(
      'terraform',
      `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$FAKE_TERRAFORM_LOG"
for arg in "$@"; do case "$arg" in -out=*) echo plan >"\${arg#-out=}" ;; esac; done
case " $* " in
  *" plan "*) echo 'Plan: 1 to add, 0 to change, 0 to destroy.' ;;
  *" show "*) echo '{"format_version":"1.2","planned_values":{},"resource_changes":[]}' ;;
esac
`,
    );
    executable(
      'synth',
      `#!/usr/bin/env bash
set -euo pipefail
for stack in ${stacks.join(' ')}; do mkdir -p "$CDKTF_OUTDIR/stacks/$stack" && echo '{}' >"$CDKTF_OUTDIR/stacks/$stack/cdk.tf.json"; done
`,
    );
    executable(
      'review',
      `#!/usr/bin/env bash
set -euo pipefail
[[ -f "$1" ]] || exit 2
printf '<!-- iam-key-rotation review: %s -->\nreviewed %s\n' "$3" "$3"
exit "\${FAKE_REVIEW_EXIT:-0}"
`,
    );
    env = {
      ...withoutGitHubJob(),
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      SYNTH_COMMAND: path.join(bin, 'synth'),
      REVIEW_COMMAND: path.join(bin, 'review'),
      CDKTF_OUTDIR: path.join(dir, 'cdktf.out'),
      REVIEW_DIR: path.join(dir, 'plan-review'),
      FAKE_TERRAFORM_LOG: path.join(dir, 'terraform.log'),
      FAKE_GH_COMMENTS: path.join(dir, 'comments.json'),
      GITHUB_TOKEN: 'fake',
      GITHUB_REPOSITORY: REPOSITORY,
      PR_NUMBER,
    };
    fs.writeFileSync(path.join(dir, 'comments.json'), '[]');
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let runs = 0;
  function run(extraEnv: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string; gh: GhCall[]; terraform: string[] } {
    runs += 1;
    const ghLog = path.join(dir, `gh-${runs}.log`);
    fs.writeFileSync(env.FAKE_TERRAFORM_LOG as string, '');
    const result = spawnSync('bash', [SCRIPT], { cwd: dir, env: { ...env, FAKE_GH_LOG: ghLog, ...extraEnv }, encoding: 'utf8' });
    const gh = ghCalls(ghLog);
    const terraform = fs.readFileSync(env.FAKE_TERRAFORM_LOG as string, 'utf8').split('\n').filter(Boolean);
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, gh, terraform };
  }

  test('runs init, plan and show once per stack, with the flags of an unattended plan', () => {
    const { code, terraform } = run({});
    expect(code).toBe(0);
    expect(terraform).toHaveLength(3 * stacks.length);
    for (const stack of stacks) {
      const stackDir = path.join(dir, 'cdktf.out', 'stacks', stack);
      expect(terraform).toContain(`-chdir=${stackDir} init -input=false -no-color`);
      expect(terraform).toContainEqual(expect.stringMatching(new RegExp(`^-chdir=${stackDir} plan -input=false -lock=false -no-color -out=/\\S+$`)));
      expect(terraform).toContainEqual(expect.stringMatching(new RegExp(`^-chdir=${stackDir} show -json -no-color /\\S+$`)));
    }
  });

  test('a blocker fails the script, and every stack\'s review is still posted', () => {
    const { code, stderr, gh } = run({ FAKE_REVIEW_EXIT: '1' });
    expect(code).toBe(1);
    expect(gh.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual(stacks.map((stack) => `${marker(stack)}\nreviewed ${stack}\n`));
    expect(stderr).toContain(`plan-review: blockers in ${stacks.join(' ')}`);
  });

  test('a review that cannot read the plan leaves a comment saying so, and fails the script', () => {
    const { code, gh } = run({ FAKE_REVIEW_EXIT: '2' });
    expect(code).toBe(1);
    const bodies = gh.filter((call) => call.method === 'POST').map((call) => call.body ?? '');
    expect(bodies).toHaveLength(stacks.length);
    for (const [index, stack] of stacks.entries()) {
      expect(bodies[index].split('\n')[0]).toBe(marker(stack));
      expect(bodies[index]).toContain('the review failed');
    }
  });

  test('without the GitHub variables it writes the reviews and posts nothing', () => {
    const { code, stderr, gh } = run({ PR_NUMBER: '' });
    expect(code).toBe(0);
    expect(stderr).toContain('not posting: PR_NUMBER not set');
    expect(gh).toEqual([]);
    for (const stack of stacks) expect(fs.existsSync(path.join(dir, 'plan-review', `${stack}.md`))).toBe(true);
  });

  test('a malformed pull request number is bad usage, found before any terraform runs', () => {
    const { code, stderr, terraform } = run({ PR_NUMBER: 'seven' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PR_NUMBER must be a pull request number/);
    expect(terraform).toEqual([]);
  });
});

describe('the example workflow', () => {
  const workflow = fs.readFileSync(WORKFLOW, 'utf8');

  test('runs the script with what posting needs, after terraform without its wrapper and the plan role', () => {
    // The script the workflow runs is the one tested above, under the name the copy instructions give it.
    const run = /^\s+run: bash (\S+)$/m.exec(workflow);
    expect(run?.[1]).toBe('.github/scripts/plan-review.sh');
    expect(workflow).toContain(path.relative(PROJECT_ROOT, SCRIPT));
    for (const line of ['contents: read', 'pull-requests: write', 'id-token: write', 'terraform_wrapper: false', 'terraform_version: 1.11.4']) {
      expect(workflow).toContain(line);
    }
    expect(workflow).toMatch(/role-to-assume: \$\{\{ vars\.PLAN_ROLE_ARN \}\}/);
    expect(workflow).toMatch(/GITHUB_TOKEN: \$\{\{ github\.token \}\}/);
    expect(workflow).toMatch(/PR_NUMBER: \$\{\{ github\.event\.pull_request\.number \}\}/);
  });
});
