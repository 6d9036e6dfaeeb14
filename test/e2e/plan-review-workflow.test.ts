// The example pull-request workflow (examples/github-actions/): its script on the local emulator, where it synthesizes
// the app, plans and reviews every stack with the built CLI and upserts one comment per stack through a fake `gh` that
// records what it was asked to do; the script's decisions with a fake terraform (fast); and what the workflow runs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_NAME, targetStackName } from '../../main';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { providerMirror, terraformEnv } from '../../emulator/terraform-env';
import { describeWithEmulator } from '../support/tools';
import { PROJECT_ROOT } from '../support/paths';

const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'examples', 'github-actions');
const SCRIPT = path.join(EXAMPLE_DIR, 'plan-review.sh');
const WORKFLOW = path.join(EXAMPLE_DIR, 'plan-review.yml');
const PLAN_ROLE_DIR = path.join(PROJECT_ROOT, 'examples', 'plan-role');
const APP = path.join(PROJECT_ROOT, 'dist', 'main.js');
const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'index.js');

const REPOSITORY = 'o/r';
const PR_NUMBER = '7';
const COMMENTS_PATH = `repos/${REPOSITORY}/issues/${PR_NUMBER}/comments`;
/** An AWS secret access key (40 characters of base64 alphabet standing alone) or an access key id. */
const SECRET_KEY_PATTERN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/;
const ACCESS_KEY_ID_PATTERN = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/;

const marker = (stack: string) => `<!-- iam-key-rotation review: ${stack} -->`;
/** Who wrote a comment, as GitHub's API says: the workflow's token, or a person. */
const BOT = { login: 'github-actions[bot]', type: 'Bot' };
const HUMAN = { login: 'mallory', type: 'User' };
/** The script's terraform installs from the provider mirror when there is one (its own CLI config replaces ours). */
const MIRROR = providerMirror();

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
  return fs
    .readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as GhCall);
}

/** This process's environment without what a real GitHub Actions job would add (its summary file, a token gh prefers). */
function withoutGitHubJob(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['GITHUB_STEP_SUMMARY', 'GH_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN'])
    delete env[name];
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
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-review-e2e-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'gh'), FAKE_GH, { mode: 0o755 });
    baseEnv = {
      ...withoutGitHubJob(),
      ...emulator.env(),
      ...terraformEnv(dir),
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      ...(MIRROR !== undefined ? { PROVIDER_MIRROR: MIRROR } : {}),
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

  /**
   * Runs the script (one `phase`, or all) with `config`, its output in `work`, gh answering the comment listing with
   * `comments`, and `extraEnv` on top (a variable set to undefined is removed).
   */
  function runScript(
    work: string,
    config: string,
    comments: string,
    phase?: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<ScriptRun> {
    runs += 1;
    const ghLog = path.join(dir, `gh-${runs}.log`);
    const ghComments = path.join(dir, `comments-${runs}.json`);
    fs.writeFileSync(ghComments, comments);
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      CDKTF_OUTDIR: path.join(work, 'cdktf.out'),
      REVIEW_DIR: path.join(work, 'plan-review'),
      IAM_KEY_ROTATION_CONFIG: config,
      FAKE_GH_LOG: ghLog,
      FAKE_GH_COMMENTS: ghComments,
      ...extraEnv,
    };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    return new Promise((resolve, reject) => {
      const child = spawn('bash', phase === undefined ? [SCRIPT] : [SCRIPT, phase], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
      const plan = JSON.parse(fs.readFileSync(planOf(work, STACK_NAME), 'utf8')) as {
        resource_changes: { address: string }[];
      };
      expect(plan.resource_changes.map((change) => change.address)).toEqual(
        expect.arrayContaining([expect.stringMatching(/aws_iam_user\./)]),
      );

      const review = fs.readFileSync(reviewOf(work, STACK_NAME), 'utf8');
      expect(review.split('\n')[0]).toBe(marker(STACK_NAME));
      expect(review).toContain('alice');
      expect(review).toContain('bob');

      expect(first.gh.filter((call) => call.method === 'GET').map((call) => call.path)).toEqual([
        `${COMMENTS_PATH}?per_page=100`,
      ]);
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

    test("a re-run updates the stack's comment instead of adding one, and never a comment someone else wrote", async () => {
      // GIVEN the comment of the first run among others, over two pages (gh --paginate prints one array per page), after
      // a person's comment that starts with the same marker (an attempt to have the bot edit it, or fail to post)
      const pages = [
        [
          { id: 39, user: HUMAN, body: `${marker(STACK_NAME)}\nNo blockers: merge away` },
          { id: 40, user: HUMAN, body: 'LGTM' },
          { id: 41, user: BOT, body: `${marker(`${STACK_NAME}-prod`)}\nanother stack` },
        ],
        [
          { id: 42, user: BOT, body: `${marker(STACK_NAME)}\nthe first run's review` },
          { id: 43, user: BOT, body: null },
        ],
      ];
      // WHEN
      const second = await runScript(work, config, pages.map((page) => JSON.stringify(page)).join('\n'));
      // THEN
      expect({ code: second.code, stderr: second.code === 0 ? '' : second.stderr }).toEqual({ code: 0, stderr: '' });
      const review = fs.readFileSync(reviewOf(work, STACK_NAME), 'utf8');
      expect(writes(second, 'PATCH')).toEqual([
        expect.objectContaining({ path: `repos/${REPOSITORY}/issues/comments/42`, body: review }),
      ]);
      expect(writes(second, 'POST')).toEqual([]);
      expect(second.stderr).toContain(`updated comment 42 for ${STACK_NAME}`);
    }, 120_000);
  });

  test('run as the workflow runs it, phase by phase: a stack that cannot be planned gets a comment saying so, the other stacks still run', async () => {
    // GIVEN two targets, each with a plan role: the first rotates an existing IAM user that the account does not have,
    // so its plan fails
    const work = path.join(dir, 'targets');
    fs.mkdirSync(work, { recursive: true });
    const config = path.join(work, 'targets.config.json');
    const roles = (account: string) => ({
      accountId: account,
      roleArn: `arn:aws:iam::${account}:role/deployer`,
      planRoleArn: `arn:aws:iam::${account}:role/planner`,
    });
    fs.writeFileSync(
      config,
      JSON.stringify({
        region: 'us-east-1',
        targets: [
          { name: 'broken', ...roles('210987654321'), users: [{ name: 'ghost' }] },
          { name: 'sandbox', ...roles('345678901234'), users: [{ name: 'carol', createUser: true }] },
        ],
      }),
    );
    const broken = targetStackName('broken');
    const sandbox = targetStackName('sandbox');
    const noGitHub = { GITHUB_TOKEN: undefined, PR_NUMBER: undefined };

    // WHEN the synth job's phase runs without AWS credentials or a token, the plan job's plan phase without the token
    // and with the plan roles, and then its post phase
    const synth = await runScript(work, config, '[]\n', 'synth', {
      ...noGitHub,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
    });
    const run = await runScript(work, config, '[]\n', 'plan', {
      ...noGitHub,
      TF_VAR_provider_role: 'plan',
      SYNTH_COMMAND: 'false',
    });
    const post = await runScript(work, config, '[]\n', 'post', { SYNTH_COMMAND: 'false' });

    // THEN the synth wrote both stacks and ran nothing else
    expect({ code: synth.code, stderr: synth.code === 0 ? '' : synth.stderr }).toEqual({ code: 0, stderr: '' });
    expect(synth.stderr).toContain(`synthesized 2 stack(s): ${broken} ${sandbox}`);
    expect(synth.gh).toEqual([]);
    expect(fs.existsSync(path.join(work, 'plan-review'))).toBe(true);

    // the plan phase failed for the broken stack only, and posted nothing
    expect(run.code).toBe(1);
    expect(run.gh).toEqual([]);
    const failure = fs.readFileSync(reviewOf(work, broken), 'utf8');
    expect(failure.split('\n')[0]).toBe(marker(broken));
    expect(failure).toMatch(/terraform plan failed/);
    expect(failure).toMatch(/ghost/);
    expect(fs.existsSync(planOf(work, broken))).toBe(false);
    expect(run.stderr).toContain(`stack 1/2: terraform plan failed for ${broken}`);

    const review = fs.readFileSync(reviewOf(work, sandbox), 'utf8');
    expect(review.split('\n')[0]).toBe(marker(sandbox));
    expect(review).toContain('carol');
    const plan = JSON.parse(fs.readFileSync(planOf(work, sandbox), 'utf8')) as {
      variables: Record<string, { value: unknown }>;
    };
    expect(plan.variables.provider_role).toEqual({ value: 'plan' });
    expect(run.stderr).toContain(`stack 2/2: review ${sandbox}`);
    expect(run.stderr).toContain(`plan-review: failed for ${broken}`);

    // the post phase posted both reviews, as the plan phase wrote them
    expect({ code: post.code, stderr: post.code === 0 ? '' : post.stderr }).toEqual({ code: 0, stderr: '' });
    expect(writes(post, 'POST').map((call) => call.body)).toEqual([failure, review]);
    expectNoSecrets(run, [reviewOf(work, broken), reviewOf(work, sandbox)]);
  }, 180_000);

  test('a synthesized stack that needs another provider than hashicorp/aws is not initialized, and its program never runs', async () => {
    // GIVEN a synth output (what the plan job downloads) whose stack reads data "external": a program run at plan
    const work = path.join(dir, 'hostile');
    const stackDir = path.join(work, 'cdktf.out', 'stacks', 'hostile');
    fs.mkdirSync(stackDir, { recursive: true });
    const ran = path.join(work, 'the-program-ran');
    fs.writeFileSync(
      path.join(stackDir, 'cdk.tf.json'),
      JSON.stringify({
        terraform: {
          required_providers: {
            aws: { source: 'aws', version: '5.100.0' },
            external: { source: 'hashicorp/external' },
          },
        },
        data: { external: { steal: { program: ['sh', '-c', `touch ${ran}; echo '{}'`] } } },
      }),
    );

    // WHEN
    const run = await runScript(work, path.join(PROJECT_ROOT, 'rotation.config.json'), '[]\n', 'plan', {
      SYNTH_COMMAND: 'false',
    });

    // THEN
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stack 1/1: terraform init failed for hostile');
    expect(fs.readFileSync(reviewOf(work, 'hostile'), 'utf8')).toMatch(/hashicorp\/external/);
    expect(fs.existsSync(ran)).toBe(false);
  }, 120_000);
});

/**
 * The script's own decisions, fast: a fake terraform (init and plan succeed, show prints a tiny plan; init records what
 * it runs with), a synth that writes two stack folders (and, with $FAKE_SYNTH_JUNK, what a hostile synth could add),
 * and a review that prints its marker and exits $FAKE_REVIEW_EXIT.
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
  *" init "*)
    chdir="\${1#-chdir=}"
    { echo "files: $(cd "$chdir" && find . -mindepth 1 | sort | tr '\\n' ' ')"
      echo "tokens: GITHUB_TOKEN=\${GITHUB_TOKEN-unset} GH_TOKEN=\${GH_TOKEN-unset} ACTIONS_ID_TOKEN_REQUEST_TOKEN=\${ACTIONS_ID_TOKEN_REQUEST_TOKEN-unset}"
    } >>"$FAKE_TERRAFORM_ENV_LOG"
    cp "$TF_CLI_CONFIG_FILE" "$FAKE_TERRAFORM_CLI_CONFIG" ;;
  *" plan "*)
    if [[ -n "\${FAKE_PLAN_ERROR:-}" ]]; then printf '%s\\n' "$FAKE_PLAN_ERROR" >&2; exit 1; fi
    echo 'Plan: 1 to add, 0 to change, 0 to destroy.' ;;
  *" show "*) echo '{"format_version":"1.2","planned_values":{},"resource_changes":[]}' ;;
esac
`,
    );
    executable(
      'synth',
      `#!/usr/bin/env bash
set -euo pipefail
echo synth >>"$FAKE_SYNTH_LOG"
for stack in ${stacks.join(' ')}; do
  out="$CDKTF_OUTDIR/stacks/$stack"
  mkdir -p "$out/assets/code" && echo '{}' >"$out/cdk.tf.json" && echo zip >"$out/assets/code/lambda.zip"
  if [[ -n "\${FAKE_SYNTH_JUNK:-}" ]]; then
    mkdir -p "$out/.terraform/providers" && echo binary >"$out/.terraform/providers/terraform-provider-aws"
    echo lock >"$out/.terraform.lock.hcl" && echo 'provider_role = "deploy"' >"$out/terraform.tfvars" && echo '{}' >"$out/evil.tf.json"
  fi
done
`,
    );
    executable(
      'review',
      `#!/usr/bin/env bash
set -euo pipefail
[[ -f "$1" ]] || exit 2
echo "review GITHUB_TOKEN=\${GITHUB_TOKEN-unset}" >>"$FAKE_TERRAFORM_ENV_LOG"
printf '<!-- iam-key-rotation review: %s -->\\nreviewed %s\\n' "$3" "$3"
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
      FAKE_TERRAFORM_ENV_LOG: path.join(dir, 'terraform-env.log'),
      FAKE_TERRAFORM_CLI_CONFIG: path.join(dir, 'terraform.rc'),
      FAKE_SYNTH_LOG: path.join(dir, 'synth.log'),
      FAKE_GH_COMMENTS: path.join(dir, 'comments.json'),
      GITHUB_TOKEN: 'fake',
      GITHUB_REPOSITORY: REPOSITORY,
      PR_NUMBER,
    };
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  interface FakeRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly gh: GhCall[];
    readonly terraform: string[];
    /** What terraform's init saw (its folder's files, the tokens in its environment) and what the review saw. */
    readonly seen: string[];
    readonly synths: number;
  }

  let runs = 0;
  /** Runs the script (`args`: a phase), gh answering the comment listing with `pages` (one JSON array each). */
  function run(extraEnv: NodeJS.ProcessEnv, args: string[] = [], pages: unknown[][] = [[]]): FakeRun {
    runs += 1;
    const ghLog = path.join(dir, `gh-${runs}.log`);
    for (const log of [env.FAKE_TERRAFORM_LOG, env.FAKE_TERRAFORM_ENV_LOG, env.FAKE_SYNTH_LOG])
      fs.writeFileSync(log as string, '');
    fs.writeFileSync(env.FAKE_GH_COMMENTS as string, pages.map((page) => JSON.stringify(page)).join('\n'));
    const result = spawnSync('bash', [SCRIPT, ...args], {
      cwd: dir,
      env: { ...env, FAKE_GH_LOG: ghLog, ...extraEnv },
      encoding: 'utf8',
    });
    const lines = (file: unknown) =>
      fs
        .readFileSync(file as string, 'utf8')
        .split('\n')
        .filter(Boolean);
    return {
      code: result.status ?? -1,
      stdout: result.stdout,
      stderr: result.stderr,
      gh: ghCalls(ghLog),
      terraform: lines(env.FAKE_TERRAFORM_LOG),
      seen: lines(env.FAKE_TERRAFORM_ENV_LOG),
      synths: lines(env.FAKE_SYNTH_LOG).length,
    };
  }
  const posted = (fake: FakeRun, method: string) => fake.gh.filter((call) => call.method === method);

  test('runs init, plan and show once per stack, in a private copy, with the flags of an unattended plan', () => {
    const { code, terraform } = run({});
    expect(code).toBe(0);
    expect(terraform).toHaveLength(3 * stacks.length);
    for (const stack of stacks) {
      const copy = `/\\S+/stacks/${stack}`;
      expect(terraform).toContainEqual(
        expect.stringMatching(new RegExp(`^-chdir=${copy} init -input=false -no-color$`)),
      );
      expect(terraform).toContainEqual(
        expect.stringMatching(new RegExp(`^-chdir=${copy} plan -input=false -lock=false -no-color -out=/\\S+$`)),
      );
      expect(terraform).toContainEqual(
        expect.stringMatching(new RegExp(`^-chdir=${copy} show -json -no-color /\\S+$`)),
      );
      expect(terraform.join('\n')).not.toContain(path.join(dir, 'cdktf.out'));
    }
  });

  test("terraform sees only the stack's JSON and assets: no lock file, .terraform folder, tfvars or other .tf of the synth's", () => {
    // GIVEN a synth that also writes a provider binary and a lock file that would select it, a tfvars and a config file
    // WHEN
    const { code, seen } = run({ FAKE_SYNTH_JUNK: '1' });
    // THEN
    expect(code).toBe(0);
    expect(seen.filter((line) => line.startsWith('files: '))).toEqual(
      stacks.map(() => 'files: ./assets ./assets/code ./assets/code/lambda.zip ./cdk.tf.json '),
    );
  });

  test("terraform installs hashicorp/aws and no other provider, and runs, like the review, without the job's tokens", () => {
    // GIVEN the tokens a GitHub Actions step could hold
    const tokens = {
      GH_TOKEN: 'gh',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token',
      TF_CLI_CONFIG_FILE: '/nonexistent/terraform.rc',
    };
    // WHEN
    const { code, seen } = run(tokens);
    // THEN
    expect(code).toBe(0);
    expect(seen.filter((line) => line.startsWith('tokens: '))).toEqual(
      stacks.map(() => 'tokens: GITHUB_TOKEN=unset GH_TOKEN=unset ACTIONS_ID_TOKEN_REQUEST_TOKEN=unset'),
    );
    expect(seen.filter((line) => line.startsWith('review '))).toEqual(stacks.map(() => 'review GITHUB_TOKEN=unset'));
    expect(fs.readFileSync(env.FAKE_TERRAFORM_CLI_CONFIG as string, 'utf8')).toBe(
      'provider_installation {\n  direct {\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\ndisable_checkpoint = true\n',
    );
  });

  test('with PROVIDER_MIRROR, terraform installs hashicorp/aws from that folder only', () => {
    const { code } = run({ PROVIDER_MIRROR: dir });
    expect(code).toBe(0);
    expect(fs.readFileSync(env.FAKE_TERRAFORM_CLI_CONFIG as string, 'utf8')).toBe(
      `provider_installation {\n  filesystem_mirror {\n    path    = "${dir}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\ndisable_checkpoint = true\n`,
    );
  });

  test("a blocker fails the script, and every stack's review is still posted", () => {
    const { code, stderr, gh } = run({ FAKE_REVIEW_EXIT: '1' });
    expect(code).toBe(1);
    expect(gh.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual(
      stacks.map((stack) => `${marker(stack)}\nreviewed ${stack}\n`),
    );
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

  test("terraform's errors cannot close the failed stack's code block and add Markdown to the comment", () => {
    // GIVEN a plan whose error text (from the pull request's own configuration) closes a ~~~ fence and mentions someone
    const error = 'Error: bad\n~~~~\n<img src=x> @octocat [click](https://example.com)';
    // WHEN
    const fake = run({ FAKE_PLAN_ERROR: error });
    // THEN the error sits inside a fence longer than any run of '~' in it
    expect(fake.code).toBe(1);
    const body = posted(fake, 'POST')[0].body ?? '';
    expect(body).toContain(`~~~~~text\n${error}\n~~~~~\n`);
  });

  test("a comment someone else starts with a stack's marker is ignored: the bot posts its own", () => {
    // GIVEN a person's comment that starts with stack-a's marker, and no comment of the bot's
    const hijack = [{ id: 7, user: HUMAN, body: `${marker('stack-a')}\nNo blockers: merge away` }];
    // WHEN
    const fake = run({}, [], [hijack]);
    // THEN
    expect(fake.code).toBe(0);
    expect(posted(fake, 'PATCH')).toEqual([]);
    expect(posted(fake, 'POST').map((call) => call.body)).toEqual(
      stacks.map((stack) => `${marker(stack)}\nreviewed ${stack}\n`),
    );
  });

  test("COMMENT_AUTHOR names the account whose comments are the stacks'", () => {
    // GIVEN comments of the bot and of the app whose token the workflow would use instead
    const comments = [
      { id: 8, user: BOT, body: `${marker('stack-a')}\nold` },
      { id: 9, user: { login: 'acme-reviews[bot]', type: 'Bot' }, body: `${marker('stack-a')}\nold` },
    ];
    // WHEN
    const fake = run({ COMMENT_AUTHOR: 'acme-reviews[bot]' }, [], [comments]);
    // THEN
    expect(posted(fake, 'PATCH').map((call) => call.path)).toEqual([`repos/${REPOSITORY}/issues/comments/9`]);
    expect(posted(fake, 'POST')).toHaveLength(1);
  });

  test('a malformed COMMENT_AUTHOR is bad usage', () => {
    const { code, stderr, terraform } = run({ COMMENT_AUTHOR: 'x") or true' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/COMMENT_AUTHOR must be a GitHub login/);
    expect(terraform).toEqual([]);
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

  describe('one phase at a time', () => {
    test('synth runs the synth only: no terraform, no review, no comment', () => {
      const fake = run({}, ['synth']);
      expect(fake.code).toBe(0);
      expect(fake.synths).toBe(1);
      expect(fake.terraform).toEqual([]);
      expect(fake.seen).toEqual([]);
      expect(fake.gh).toEqual([]);
      expect(fake.stderr).toContain(`synthesized 2 stack(s): ${stacks.join(' ')}`);
    });

    test('plan plans and reviews what a synth left, without running the synth or posting', () => {
      // GIVEN a synth's output
      expect(run({}, ['synth']).code).toBe(0);
      // WHEN
      const fake = run({ FAKE_REVIEW_EXIT: '1' }, ['plan']);
      // THEN
      expect(fake.code).toBe(1);
      expect(fake.synths).toBe(0);
      expect(fake.terraform).toHaveLength(3 * stacks.length);
      expect(fake.gh).toEqual([]);
      for (const stack of stacks)
        expect(fs.readFileSync(path.join(dir, 'plan-review', `${stack}.md`), 'utf8')).toBe(
          `${marker(stack)}\nreviewed ${stack}\n`,
        );
    });

    test('post posts the reviews a plan left, running neither the synth nor terraform', () => {
      // GIVEN the reviews of a plan phase
      run({}, ['plan']);
      // WHEN
      const fake = run({}, ['post'], [[{ id: 5, user: BOT, body: `${marker('stack-b')}\nold` }]]);
      // THEN
      expect(fake.code).toBe(0);
      expect(fake.synths).toBe(0);
      expect(fake.terraform).toEqual([]);
      expect(posted(fake, 'POST').map((call) => call.body)).toEqual([`${marker('stack-a')}\nreviewed stack-a\n`]);
      expect(posted(fake, 'PATCH').map((call) => call.path)).toEqual([`repos/${REPOSITORY}/issues/comments/5`]);
      expect(fake.stderr).toContain('2 review(s) posted');
    });

    test('post without the GitHub variables is bad usage', () => {
      const { code, stderr, gh } = run({ GITHUB_TOKEN: '' }, ['post']);
      expect(code).toBe(2);
      expect(stderr).toContain('post needs GITHUB_TOKEN');
      expect(gh).toEqual([]);
    });

    test('an unknown phase is bad usage', () => {
      const { code, stderr, synths } = run({}, ['deploy']);
      expect(code).toBe(2);
      expect(stderr).toContain("unknown phase 'deploy'");
      expect(synths).toBe(0);
    });

    test('a stack folder whose name could break the comment is not planned, and fails the plan', () => {
      // GIVEN a synth output with a folder named like an HTML comment's end
      const evil = path.join(dir, 'cdktf.out', 'stacks', 'x --> <img src=x>');
      fs.mkdirSync(evil, { recursive: true });
      fs.writeFileSync(path.join(evil, 'cdk.tf.json'), '{}');
      try {
        // WHEN
        const fake = run({}, ['plan']);
        // THEN
        expect(fake.code).toBe(1);
        expect(fake.stderr).toContain('a stack folder whose name is not letters, digits and _.- is not planned');
        expect(fake.terraform.join('\n')).not.toContain('-->');
        expect(fs.readdirSync(path.join(dir, 'plan-review')).sort()).toEqual(
          stacks.flatMap((stack) => [`${stack}.md`, `${stack}.plan.json`]).sort(),
        );
      } finally {
        fs.rmSync(evil, { recursive: true, force: true });
      }
    });
  });
});

/** The parts of a workflow file the tests read. */
interface WorkflowStep {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}
interface WorkflowJob {
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, unknown>;
  readonly steps: WorkflowStep[];
}
interface Workflow {
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, WorkflowJob>;
}

/** js-yaml, a devDependency (the version jest brings too); it has no types of its own. */
const yaml = require('js-yaml') as { safeLoad(text: string): unknown };

describe('the example workflow', () => {
  const text = fs.readFileSync(WORKFLOW, 'utf8');
  const workflow = yaml.safeLoad(text) as Workflow;
  const { synth, plan } = workflow.jobs;
  const packageVersion = (
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  /** Every command a job runs, and every action it uses. */
  const runsOf = (job: WorkflowJob) => job.steps.flatMap((step) => (step.run !== undefined ? [step.run] : []));
  const usesOf = (job: WorkflowJob) => job.steps.flatMap((step) => (step.uses !== undefined ? [step.uses] : []));
  const step = (job: WorkflowJob, predicate: (candidate: WorkflowStep) => boolean): WorkflowStep => {
    const found = job.steps.find(predicate);
    if (found === undefined) throw new Error('no such step');
    return found;
  };

  test('has two jobs, and grants nothing by default', () => {
    expect(Object.keys(workflow.jobs)).toEqual(['synth', 'plan']);
    expect(workflow.permissions).toEqual({});
    expect(plan.needs).toBe('synth');
  });

  test("the synth job, which runs the pull request's code, may read the repository and nothing else: no OIDC token, no AWS credentials, no write token", () => {
    expect(synth.permissions).toEqual({ contents: 'read' });
    expect(runsOf(synth)).toEqual(['npm ci', 'bash .github/scripts/plan-review.sh synth']);
    expect(usesOf(synth).filter((uses) => /configure-aws-credentials|setup-terraform/.test(uses))).toEqual([]);
    expect(JSON.stringify(synth)).not.toMatch(/github\.token|secrets\.|GITHUB_TOKEN|vars\.PLAN_ROLE_ARN/);
    expect(step(synth, (candidate) => candidate.uses === 'actions/checkout@v4').with).toEqual({
      'persist-credentials': false,
    });
  });

  test("the synth job uploads the stacks' JSON and assets only", () => {
    expect(step(synth, (candidate) => candidate.uses === 'actions/upload-artifact@v4').with).toMatchObject({
      name: 'synthesized-stacks',
      path: 'cdktf.out/stacks/*/cdk.tf.json\ncdktf.out/stacks/*/assets/\n',
    });
  });

  test("the plan job, which holds the OIDC token and the comment token, never installs or runs the pull request's code", () => {
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    for (const command of runsOf(plan))
      expect(command).not.toMatch(/npm (ci|install|i\b|run)|cdktf|synth|node |tsx|ts-node|--no-install/);
    expect(runsOf(plan)).toEqual([
      'bash .github/scripts/plan-review.sh plan',
      'bash .github/scripts/plan-review.sh post',
    ]);
    // Its only checkout is the script, from the base branch.
    expect(usesOf(plan).filter((uses) => uses.startsWith('actions/checkout'))).toHaveLength(1);
    expect(step(plan, (candidate) => candidate.uses === 'actions/checkout@v4').with).toEqual({
      ref: '${{ github.event.pull_request.base.sha }}',
      'persist-credentials': false,
      'sparse-checkout': '.github/scripts/plan-review.sh',
      'sparse-checkout-cone-mode': false,
    });
    expect(step(plan, (candidate) => candidate.uses === 'actions/download-artifact@v4').with).toEqual({
      name: 'synthesized-stacks',
      path: '${{ env.CDKTF_OUTDIR }}/stacks',
    });
    // The artifact lands outside the workspace, where npx would not look for a package.
    expect(plan.env).toEqual({
      CDKTF_OUTDIR: '${{ github.workspace }}/../synthesized',
      REVIEW_DIR: '${{ github.workspace }}/../plan-review',
    });
  });

  test("the plan job plans with the plan roles and a review tool pinned to this package's version, without the comment token", () => {
    const planStep = step(plan, (candidate) => candidate.id === 'plan');
    expect(planStep.env).toEqual({
      TF_VAR_provider_role: 'plan',
      REVIEW_COMMAND: `npx --yes iam-key-rotation@${packageVersion} review`,
      CHECKPOINT_DISABLE: '1',
    });
    expect(step(plan, (candidate) => candidate.uses === 'aws-actions/configure-aws-credentials@v4').with).toMatchObject(
      { 'role-to-assume': '${{ vars.PLAN_ROLE_ARN }}' },
    );
    expect(step(plan, (candidate) => candidate.uses === 'hashicorp/setup-terraform@v3').with).toEqual({
      terraform_version: '1.11.4',
      terraform_wrapper: false,
    });
  });

  test('the plan job posts the reviews in a step of their own, with the token, also when a plan failed or a review blocked', () => {
    const post = step(plan, (candidate) => candidate.run === 'bash .github/scripts/plan-review.sh post');
    expect(post.env).toEqual({
      GITHUB_TOKEN: '${{ github.token }}',
      PR_NUMBER: '${{ github.event.pull_request.number }}',
    });
    expect(post.if).toBe("${{ !cancelled() && (steps.plan.outcome == 'success' || steps.plan.outcome == 'failure') }}");
  });

  test('its copy instructions name the script it runs and the plan-role policies', () => {
    expect(text).toContain(path.relative(PROJECT_ROOT, SCRIPT));
    for (const file of fs.readdirSync(PLAN_ROLE_DIR)) expect(text).toContain(file);
  });
});

describe('the plan-role policies (examples/plan-role/)', () => {
  interface Statement {
    readonly Sid?: string;
    readonly Effect: 'Allow' | 'Deny';
    readonly Action: string | string[];
    readonly Resource?: string | string[];
    readonly Principal?: Record<string, string | string[]>;
    readonly Condition?: Record<string, Record<string, string | string[]>>;
  }
  const policy = (file: string): Statement[] =>
    (JSON.parse(fs.readFileSync(path.join(PLAN_ROLE_DIR, file), 'utf8')) as { Statement: Statement[] }).Statement;
  const list = (value: string | string[] | undefined): string[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];
  const allowed = (statements: Statement[]) =>
    statements.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => list(statement.Action));

  test('the plan role may only read: every action it is allowed is a Get, List or Describe, none with a wildcard', () => {
    const actions = allowed(policy('plan-role-policy.json'));
    expect(actions.length).toBeGreaterThan(20);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]+$/);
  });

  test('the plan role can never read a key: secretsmanager:GetSecretValue and BatchGetSecretValue are denied outright', () => {
    const statements = policy('plan-role-policy.json');
    expect(allowed(statements).filter((action) => /secretsmanager:(Get|BatchGet)SecretValue/.test(action))).toEqual([]);
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'],
        Resource: '*',
      }),
    ]);
  });

  test('the plan role names its resources by ARN, never `*`', () => {
    for (const statement of policy('plan-role-policy.json').filter((candidate) => candidate.Effect === 'Allow')) {
      for (const resource of list(statement.Resource))
        expect({ sid: statement.Sid, resource }).toEqual({
          sid: statement.Sid,
          resource: expect.stringMatching(/^arn:PARTITION:[a-z0-9-]+:/),
        });
    }
  });

  test('the plan role trusts the pull-request role only', () => {
    expect(policy('plan-role-trust-policy.json')).toEqual([
      { Effect: 'Allow', Principal: { AWS: 'PR_ROLE_ARN' }, Action: 'sts:AssumeRole' },
    ]);
  });

  test("the pull-request role trusts GitHub's OIDC tokens of this repository's pull requests only, and may read the state and assume the plan roles", () => {
    expect(policy('pr-role-trust-policy.json')).toEqual([
      {
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:PARTITION:iam::PLATFORM_ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:OWNER/REPO:pull_request',
          },
        },
      },
    ]);
    expect(allowed(policy('pr-role-policy.json')).sort()).toEqual([
      'kms:Decrypt',
      's3:GetObject',
      's3:ListBucket',
      'sts:AssumeRole',
    ]);
  });
});
