import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { day, maskAccessKeyId } from '../../core/sweep/findings';
import { parseSecretValue } from '../../core/secret/value';
import { valueOf } from '../args';
import { explainAwsError, isAccessProblem } from '../aws-errors';
import { clientConfig, LazyClient } from '../aws-settings';
import type { CommandInput } from '../commands';
import { CommandFailed, UsageError } from '../errors';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import type { CliIo } from '../io';
import { versionWithStage } from '../../core/secret/metadata';
import { type ResolvedSecret, resolveManagedSecret } from '../managed-secret';
import { functionNameOf, RotationFunctionSettings } from '../rotation-function-settings';
import { maskKeyIds, RotationLog, type RotationLogLine } from '../rotation-log';

const DEFAULT_TIMEOUT_SECONDS = 300;
const MAX_TIMEOUT_SECONDS = 86_400;
const POLL_INTERVAL_MS = 2_000;
/** Log times are the function's clock: read from a little before the rotation started on ours. */
const LOG_CLOCK_SKEW_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Clients {
  readonly secretsManager: LazyClient<SecretsManagerClient>;
  readonly lambda: LazyClient<LambdaClient>;
  readonly logs: LazyClient<CloudWatchLogsClient>;
  readonly iam: LazyClient<IAMClient>;
}

export async function runRotate({ args, aws, io }: CommandInput): Promise<ExitCode> {
  const [secretId] = args.positionals;
  const timeoutMs = parseTimeout(valueOf(args, 'timeout')) * 1000;
  const clients: Clients = {
    secretsManager: new LazyClient(() => new SecretsManagerClient(clientConfig(aws))),
    lambda: new LazyClient(() => new LambdaClient(clientConfig(aws))),
    logs: new LazyClient(() => new CloudWatchLogsClient(clientConfig(aws))),
    iam: new LazyClient(() => new IAMClient(clientConfig(aws))),
  };
  try {
    const secret = await resolveManagedSecret(secretId, clients.secretsManager.get(), new RotationFunctionSettings(() => clients.lambda.get()));
    if (secret.note !== undefined) io.stderr(`note: ${secret.note}\n`);
    if (!secret.rotationEnabled) {
      throw new CommandFailed(`rotation is turned off on secret ${secret.name}: run terraform apply to turn it back on, then rotate again`);
    }
    const currentVersion = versionWithStage(secret, 'AWSCURRENT');
    const pendingVersion = versionWithStage(secret, 'AWSPENDING');
    const unfinished = pendingVersion !== undefined && pendingVersion !== currentVersion ? pendingVersion : undefined;
    // Our own token, so the rotation can be followed even when RotateSecret fails before it answers.
    const token = unfinished ?? randomUUID();
    const functionName = functionNameOf(secret.rotationLambdaArn);
    io.stderr(
      unfinished === undefined
        ? `rotating ${secret.name} (user ${secret.userName}) with ${functionName}, version ${token}\n`
        : `retrying the unfinished rotation of ${secret.name} (user ${secret.userName}), version ${token}\n`,
    );
    const log = new RotationLog(() => clients.logs.get(), `/aws/lambda/${functionName}`, token, io.now() - LOG_CLOCK_SKEW_MS);
    const follower = new RotationFollower(secret, token, log, clients, io);

    // A retried rotation keeps its version: its earlier attempts' lines are history, not this attempt's progress.
    if (unfinished !== undefined) await follower.skipEarlierLines();
    let refusal: string | undefined;
    try {
      await clients.secretsManager.get().send(new RotateSecretCommand({ SecretId: secret.arn, ClientRequestToken: token }));
    } catch (error) {
      if (isAccessProblem(error)) throw explainAwsError(error, `starting the rotation of ${secret.name} (RotateSecret)`);
      // AWS refuses some requests at once; the local emulator runs every step inside the call and fails it when one fails.
      refusal = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    await follower.follow(io.now() + timeoutMs, refusal);
    await reportSuccess(secret, token, currentVersion, clients, io);
    return EXIT_CODES.ok;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(`--timeout must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}, got '${text}'`, "Run 'iam-key-rotation rotate --help' for usage.");
  }
  return seconds;
}

/** Follows one rotation: prints the function's log lines for it, until its version is AWSCURRENT or a step fails. */
class RotationFollower {
  private logProblemShown = false;
  private lastStep: string | undefined;

  constructor(
    private readonly secret: ResolvedSecret,
    private readonly token: string,
    private readonly log: RotationLog,
    private readonly clients: Clients,
    private readonly io: CliIo,
  ) {}

  /** @throws CommandFailed when a step failed, RotateSecret was refused, or the deadline passed. */
  async follow(deadline: number, refusal: string | undefined): Promise<void> {
    for (;;) {
      const finished = refusal === undefined && (await this.isCurrent());
      const failed = (await this.printNewLines()).find((line) => line.outcome === 'failed');
      if (finished) return;
      if (failed !== undefined) throw this.failure(failed.step, failed.error ?? failed.message);
      if (refusal !== undefined) throw this.failure(/step (\w+) failed/.exec(refusal)?.[1] ?? this.lastStep, maskKeyIds(refusal));
      if (this.io.now() >= deadline) {
        throw new CommandFailed(
          `the rotation of ${this.secret.name} (version ${this.token}) did not finish in time${this.lastStep === undefined ? '' : `; its last step was ${this.lastStep}`}. ` +
            `It may still finish: check with 'iam-key-rotation status', or follow it again with 'iam-key-rotation rotate ${this.secret.name}' ` +
            `(it retries the unfinished rotation). The current key still works.`,
        );
      }
      await this.io.sleep(POLL_INTERVAL_MS);
    }
  }

  async skipEarlierLines(): Promise<void> {
    try {
      await this.log.newLines();
    } catch {
      // printNewLines reports an unreadable log once the rotation runs
    }
  }

  private async isCurrent(): Promise<boolean> {
    try {
      const described = await this.clients.secretsManager.get().send(new DescribeSecretCommand({ SecretId: this.secret.arn }));
      return described.VersionIdsToStages?.[this.token]?.includes('AWSCURRENT') === true;
    } catch (error) {
      throw explainAwsError(error, `following the rotation of ${this.secret.name} (DescribeSecret)`);
    }
  }

  private async printNewLines(): Promise<RotationLogLine[]> {
    let lines: RotationLogLine[];
    try {
      lines = await this.log.newLines();
    } catch (error) {
      if (!this.logProblemShown) {
        this.logProblemShown = true;
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.io.stderr(`note: cannot read the rotation function's log ${this.log.logGroupName} (${why}); following the secret's versions only\n`);
      }
      return [];
    }
    for (const line of lines) {
      this.lastStep = line.step;
      const outcome = line.outcome === undefined ? '' : ` (${line.outcome})`;
      const error = line.error === undefined ? '' : `: ${line.error}`;
      this.io.stderr(`  ${line.step.padEnd(12)} ${line.message}${outcome}${error}\n`);
    }
    return lines;
  }

  private failure(step: string | undefined, error: string): CommandFailed {
    return new CommandFailed(
      `the rotation of ${this.secret.name} failed${step === undefined ? '' : ` at step ${step}`}: ${error}\n` +
        `The current key still works. Find the cause in the rotation function's log group ${this.log.logGroupName} (version ${this.token}), ` +
        `fix it, then run 'iam-key-rotation rotate ${this.secret.name}' again: it retries this rotation.`,
    );
  }
}

async function reportSuccess(secret: ResolvedSecret, token: string, previousVersion: string | undefined, clients: Clients, io: CliIo): Promise<void> {
  const newKeyId = await keyIdOf(clients, secret, token);
  const previousKeyId = previousVersion === undefined ? undefined : await keyIdOf(clients, secret, previousVersion);
  io.stdout(`rotated ${secret.name}: the new key ${newKeyId === undefined ? '(unreadable)' : maskAccessKeyId(newKeyId)} of user ${secret.userName} is AWSCURRENT\n`);
  if (previousKeyId === undefined) {
    io.stdout('no previous key (this was the first rotation)\n');
    return;
  }
  const status = await iamStatus(clients, secret.userName, previousKeyId);
  const { action, graceDays } = secret.previousKeyPolicy.policy;
  const policy: Record<typeof action, string> = {
    keep: 'it stays Active until the next rotation deletes it',
    deactivate: 'the rotation deactivates it',
    'deactivate-after-grace': `it stays Active for ${graceDays} days, then the daily sweep deactivates it once unused (from ${day(io.now() + graceDays * DAY_MS)})`,
  };
  io.stdout(`previous key ${maskAccessKeyId(previousKeyId)} (IAM: ${status}): policy ${action}, ${policy[action]}\n`);
}

/** The access key id a version's value names; undefined if it cannot be read. */
async function keyIdOf(clients: Clients, secret: ResolvedSecret, versionId: string): Promise<string | undefined> {
  try {
    const response = await clients.secretsManager.get().send(new GetSecretValueCommand({ SecretId: secret.arn, VersionId: versionId }));
    return parseSecretValue(response.SecretString, 'AWSCURRENT', { secretId: secret.name }).accesskey;
  } catch {
    return undefined;
  }
}

async function iamStatus(clients: Clients, userName: string, accessKeyId: string): Promise<string> {
  try {
    const listed = await clients.iam.get().send(new ListAccessKeysCommand({ UserName: userName }));
    return listed.AccessKeyMetadata?.find((key) => key.AccessKeyId === accessKeyId)?.Status ?? 'deleted';
  } catch {
    return 'unknown';
  }
}
