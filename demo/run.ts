// `npm run demo`: deploys the example stack (rotation.config.json) to a local AWS emulator, rotates every user's
// key twice, verifies in IAM and STS what it shows, checks that terraform sees no drift, and destroys everything.
// No AWS account is involved: every call goes to moto on 127.0.0.1.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_PREVIOUS_KEY_ACTION, type PreviousKeyAction } from '../core/contract';
import { loadRotationConfig } from '../lib/app/config';
import { maskKeyId, RotationState } from '../emulator/aws-state';
import { EmulatorDeployment } from '../emulator/deployment';
import { type Emulator, type InvocationRecord, MOTO_VERSION, startEmulator } from '../emulator/emulator';
import { providerMirror } from '../emulator/terraform-env';
import { CliSession } from './cli-session';
import { checkPrerequisites, MissingPrerequisites } from './prerequisites';
import { Progress, renderTable } from './progress';
import { lastLines, Redactor } from './redaction';
import { CheckFailed, describeKeys, expectThat, ROTATIONS, type UserOutcome, UserRotation } from './rotation-checks';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const CONFIG_FILE = path.join(PROJECT_ROOT, 'rotation.config.json');
const TERRAFORM_EXCERPT_LINES = 40;
const LAMBDA_LOG_EXCERPT_LINES = 20;
const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
const AMBIENT_AWS_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;
const EXIT_CODE_ON_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** A terraform command failed: `summary` is e.g. `terraform init -input=false exited 1`, `output` what it printed. */
class TerraformFailed extends Error {
  constructor(
    readonly summary: string,
    readonly output: string,
  ) {
    super(summary);
    this.name = 'TerraformFailed';
  }
}

class Demo {
  readonly progress = new Progress();
  private readonly redactor = new Redactor();
  private emulator: Emulator | undefined;
  private state: RotationState | undefined;
  private deployment: EmulatorDeployment | undefined;
  private tempDir: string | undefined;
  private cleaning: Promise<void> | undefined;
  private interruptedBy: NodeJS.Signals | undefined;

  get exitCodeIfInterrupted(): number | undefined {
    return this.interruptedBy === undefined ? undefined : (EXIT_CODE_ON_SIGNAL[this.interruptedBy] ?? 1);
  }

  async run(): Promise<void> {
    const { terraformVersion } = checkPrerequisites();
    const config = loadRotationConfig(CONFIG_FILE);
    const users = config.rotation.users.map((user) => user.name);
    const action: PreviousKeyAction = config.rotation.previousKeyAction ?? DEFAULT_PREVIOUS_KEY_ACTION;
    this.progress.step(
      `terraform ${terraformVersion} and moto ${MOTO_VERSION} found; ${path.basename(CONFIG_FILE)}: users ${users.join(', ')}, ` +
        `previousKeyAction '${action}'`,
    );

    const emulator = await this.startEmulator();
    const deployment = this.synthesize(emulator);
    const secretArns = await this.deploy(deployment, users);
    this.state = new RotationState(emulator);
    const cli = new CliSession(emulator, this.tempDir!);
    await this.showStatus(cli, 'before the rotations');
    const outcomes: UserOutcome[] = [];
    for (const user of users) outcomes.push(await this.rotateUser(this.state, user, secretArns[user]!, action));
    this.showOutcomes(outcomes, action);
    await this.showStatus(cli, 'after the rotations');
    await this.showCredentialProcess(cli, outcomes[0]!, secretArns[outcomes[0]!.user]!);
    await this.expectNoDrift(deployment);
    await this.destroy(deployment, this.state, users);

    this.progress.step('stopping the emulator');
    await this.cleanUp();
    this.progress.step('emulator stopped');
    console.log(`demo finished in ${this.progress.elapsedSeconds().toFixed(1)}s`);
  }

  private async startEmulator(): Promise<Emulator> {
    this.progress.step(`starting the local AWS emulator (moto ${MOTO_VERSION})…`);
    const emulator = await startEmulator();
    this.emulator = emulator;
    this.redactor.remember(emulator.adminCredentials.secretAccessKey);
    this.progress.step(`emulator started at ${emulator.endpoint}`);
    // The bridge runs the function on this machine's node (Lambda runs nodejs22.x): keep the SDK's node-20
    // notice out of the function's logs, which the demo quotes on failure.
    await emulator.setFunctionEnv({ [SDK_NODE_WARNING_SWITCH]: 'true' });
    // Before synth and apply, so terraform, the rotation function and the checks all run under signature checks.
    await emulator.enableIamAuth();
    this.progress.step('IAM signature checks on: every call from now on must be signed with an existing access key');
    return emulator;
  }

  private synthesize(emulator: Emulator): EmulatorDeployment {
    this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-demo-'));
    this.progress.step(`synthesizing (cdktf app) into ${this.tempDir}`);
    this.deployment = new EmulatorDeployment(emulator, { outdir: this.tempDir, configPath: CONFIG_FILE });
    return this.deployment;
  }

  /** init and apply; returns the secret ARN of each user. */
  private async deploy(deployment: EmulatorDeployment, users: readonly string[]): Promise<Record<string, string>> {
    this.progress.step(`terraform init (${providerSource()})`);
    await this.terraform(() => deployment.init());
    this.progress.step("terraform apply (the immediate rotation bootstraps each user's first key)");
    await this.terraform(() => deployment.apply());
    const outputs = await this.terraform(() => deployment.outputs());
    const deployedUsers = Object.keys(outputs.secretArns).sort();
    expectThat(
      deployedUsers.join() === [...users].sort().join(),
      `terraform must output one secret per configured user (${users.join(', ')}), it output [${deployedUsers.join(', ')}]`,
    );
    this.progress.step(
      `applied: rotation function ${functionName(outputs.functionArn)}, ${deployedUsers.length} secrets`,
    );
    return outputs.secretArns;
  }

  private async rotateUser(
    state: RotationState,
    user: string,
    secretArn: string,
    action: PreviousKeyAction,
  ): Promise<UserOutcome> {
    const rotation = new UserRotation(state, { user, secretArn }, this.redactor);
    this.progress.step(`${user}: first key ${maskKeyId(await rotation.readBootstrapKey())}`);
    for (let n = 1; n <= ROTATIONS; n++) {
      this.progress.step(`${user}: rotation ${n} -> ${maskKeyId(await rotation.rotate(n))}`);
    }
    return rotation.verifyAfterRotations(action);
  }

  private showOutcomes(outcomes: readonly UserOutcome[], action: PreviousKeyAction): void {
    this.progress.step(`checked in IAM and STS after ${ROTATIONS} rotations each:`);
    const rows = outcomes.map((outcome) => [
      outcome.user,
      `${maskKeyId(outcome.firstKeyId)} -> ${maskKeyId(outcome.currentKeyId)}`,
      describeKeys(outcome.iamKeys),
      outcome.currentKeyIdentity,
      `${maskKeyId(outcome.previousKeyId)} ${outcome.previousKeyStatus}`,
      `${maskKeyId(outcome.firstKeyId)} deleted, STS: ${outcome.firstKeyRejection}`,
    ]);
    const headers = [
      'user',
      'key before -> after',
      'IAM keys',
      'current key: STS says',
      `previous key (${action})`,
      'first key',
    ];
    this.progress.details(['', ...renderTable(headers, rows), '']);
  }

  /** The operator's view: `iam-key-rotation status`, which must find nothing wrong (exit code 0). */
  private async showStatus(cli: CliSession, when: string): Promise<void> {
    const { code, stdout, stderr } = await cli.run(['status']);
    expectThat(
      code === 0,
      `iam-key-rotation status ${when} must exit 0 (no error finding), it exited ${code}:\n${this.redactor.redact(stdout + stderr)}`,
    );
    this.progress.step(`iam-key-rotation status (${when}): exit code 0`);
    this.progress.details(['', ...this.redactor.redact(stdout).trimEnd().split('\n'), '']);
  }

  /** An SDK client whose profile's credential_process is `iam-key-rotation credentials` gets the current key. */
  private async showCredentialProcess(cli: CliSession, outcome: UserOutcome, secretArn: string): Promise<void> {
    const { user, currentKeyId } = outcome;
    this.progress.step(
      `credential_process: [profile ${user}] credential_process = iam-key-rotation credentials ${secretArn}`,
    );
    const identity = await cli.identityThroughProfile(user, secretArn);
    expectThat(
      identity.accessKeyId === currentKeyId && identity.arn.endsWith(`:user/${user}`),
      `an SDK client with profile ${user} must sign with the secret's current key ${maskKeyId(currentKeyId)} as user/${user}, ` +
        `it signed with ${maskKeyId(identity.accessKeyId)} as ${identity.arn}`,
    );
    this.progress.step(
      `an SDK client with profile ${user} signs with ${maskKeyId(identity.accessKeyId)} (the current key): STS says ${identity.arn}`,
    );
  }

  private async expectNoDrift(deployment: EmulatorDeployment): Promise<void> {
    this.progress.step('terraform plan (the rotations must not look like drift)');
    const exitCode = await this.terraform(() => deployment.planExitCode());
    expectThat(
      exitCode === 0,
      `terraform plan must show no changes after the rotations (exit code 0), it exited ${exitCode}:\n` +
        planChangeLines(deployment).join('\n'),
    );
    this.progress.step('terraform plan: no changes (exit code 0)');
  }

  private async destroy(deployment: EmulatorDeployment, state: RotationState, users: readonly string[]): Promise<void> {
    this.progress.step('terraform destroy');
    // The plan above has just refreshed every resource and found no drift: a second refresh would only cost time.
    await this.terraform(() => deployment.terraform(['destroy', '-auto-approve', '-input=false', '-refresh=false']));
    for (const user of users) {
      expectThat(!(await userExists(state, user)), `terraform destroy must delete IAM user ${user}, it still exists`);
    }
    this.progress.step(`destroyed: IAM users ${users.join(', ')} are gone`);
  }

  /** Runs an EmulatorDeployment call, turning its rejection into a TerraformFailed. */
  private async terraform<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const output = (error as Error).message;
      throw new TerraformFailed(output.split('\n', 1)[0]!.replace(/:$/, ''), output);
    }
  }

  /** Stops terraform (when interrupted), the emulator, and removes the temp dir. Idempotent. */
  cleanUp(): Promise<void> {
    this.cleaning ??= this.releaseEverything();
    return this.cleaning;
  }

  private async releaseEverything(): Promise<void> {
    this.state?.close();
    await this.deployment?.interrupt();
    await this.emulator?.stop();
    if (this.tempDir !== undefined) fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  async interrupt(signal: NodeJS.Signals): Promise<void> {
    if (this.interruptedBy !== undefined) return; // tsx relays the terminal's Ctrl-C a second time
    this.interruptedBy = signal;
    this.progress.step(`${signal}: stopping terraform and the emulator…`);
    await this.cleanUp();
    this.progress.step('interrupted; emulator stopped and temp dir removed');
  }

  async reportFailure(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const label = error instanceof CheckFailed ? 'CHECK FAILED' : 'FAILED';
    console.error(
      `[${this.progress.elapsedSeconds().toFixed(1).padStart(5)}s] ${label}: ${this.redactor.redact(message)}`,
    );
    if (error instanceof MissingPrerequisites) return;
    if (!(error instanceof CheckFailed || error instanceof TerraformFailed) && error instanceof Error && error.stack) {
      console.error(this.redactor.redact(error.stack.split('\n').slice(1, 6).join('\n')));
    }
    if (error instanceof TerraformFailed) this.printTerraformExcerpt(error);
    await this.printLastInvocation(error instanceof TerraformFailed);
  }

  private printTerraformExcerpt(failure: TerraformFailed): void {
    const lines = failure.output.split('\n');
    const firstError = lines.findIndex((line) => line.includes('Error:'));
    const excerpt =
      firstError === -1
        ? lastLines(failure.output, TERRAFORM_EXCERPT_LINES)
        : lines.slice(firstError, firstError + TERRAFORM_EXCERPT_LINES);
    console.error('\nterraform output (excerpt):');
    for (const line of excerpt) console.error(`  ${this.redactor.redact(line)}`);
  }

  /** The rotation function's last run often explains a failed apply, rotation or check. */
  private async printLastInvocation(onlyIfErrored: boolean): Promise<void> {
    let last: InvocationRecord | undefined;
    try {
      last = (await this.emulator?.invocationLogs())?.at(-1);
    } catch {
      return; // the emulator itself is gone
    }
    if (last === undefined || (onlyIfErrored && !last.errored)) return;
    const outcome = last.timedOut ? 'timed out' : last.errored ? 'failed' : 'succeeded';
    console.error(
      `\nlast Lambda invocation: ${last.functionName}, step ${stepOf(last.event)}, ${outcome} after ${last.durationMs} ms`,
    );
    if (last.errored) console.error(`  result: ${this.redactor.redact(last.payload)}`);
    console.error(`  log (last ${LAMBDA_LOG_EXCERPT_LINES} lines):`);
    for (const line of lastLines(this.redactor.redact(last.logs), LAMBDA_LOG_EXCERPT_LINES))
      console.error(`    ${line}`);
  }
}

function providerSource(): string {
  const mirror = providerMirror();
  return mirror === undefined ? 'provider from the public registry' : `offline, provider mirror ${mirror}`;
}

function functionName(functionArn: string): string {
  return functionArn.split(':function:')[1] ?? functionArn;
}

function stepOf(event: unknown): string {
  const step = typeof event === 'object' && event !== null ? (event as { Step?: unknown }).Step : undefined;
  return typeof step === 'string' ? step : '?';
}

/** The resource lines of the last plan's output (`# aws_x.y will be updated in-place`, `Plan: ...`). */
function planChangeLines(deployment: EmulatorDeployment): string[] {
  const planStdout = deployment.transcript[deployment.transcript.length - 2] ?? '';
  return planStdout.split('\n').filter((line) => /^\s*# |^Plan: /.test(line));
}

async function userExists(state: RotationState, user: string): Promise<boolean> {
  try {
    await state.keys(user);
    return true;
  } catch (error) {
    if (['NoSuchEntity', 'NoSuchEntityException'].includes((error as Error).name)) return false;
    throw error;
  }
}

/** Ctrl-C (or SIGTERM): clean up, then exit 130 (143). */
function exitCleanlyOnSignals(demo: Demo): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void demo.interrupt(signal).finally(() => process.exit(demo.exitCodeIfInterrupted));
    });
  }
}

/** 0 on success, 1 on any failure (reported). */
async function runDemo(demo: Demo): Promise<number> {
  try {
    await demo.run();
    return 0;
  } catch (error) {
    if (demo.exitCodeIfInterrupted === undefined) await demo.reportFailure(error);
    return 1;
  } finally {
    await demo.cleanUp();
  }
}

/**
 * Every endpoint is the emulator's anyway; this keeps the caller's own AWS identity (a session token, a profile, a
 * role to assume) from mixing with the emulator's credentials in terraform and the SDK clients, which inherit our env.
 */
function forgetAmbientAwsCredentials(): void {
  for (const name of AMBIENT_AWS_CREDENTIAL_VARIABLES) delete process.env[name];
}

forgetAmbientAwsCredentials();
// The AWS SDK warns that its releases after January 2027 need node 22; the pinned SDK here runs on node 20.
process.env[SDK_NODE_WARNING_SWITCH] ??= 'true';
const demo = new Demo();
exitCleanlyOnSignals(demo);
void runDemo(demo).then((code) => {
  // When interrupted, the signal handler exits once its clean-up is done.
  if (demo.exitCodeIfInterrupted === undefined) process.exit(code);
});
