import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isResourceNotFound } from '../../../core/aws-errors';
import { assertValueNamesUser, parseSecretValue } from '../../../core/secret/value';
import { explainAwsError } from '../../aws-errors';
import { clientConfig, LazyClient } from '../../aws-settings';
import type { CommandInput } from '../../command';
import { CommandFailed, UsageError } from '../../errors';
import { EXIT_CODES, type ExitCode } from '../../exit-codes';
import { resolveManagedSecret } from '../../managed-secret';
import { RotationFunctionSettings } from '../../rotation-function-settings';
import { CURRENT } from '../../../core/secret/stages';

/**
 * One hour: a long-running SDK client refreshes its credentials when they expire, so it picks up a rotated key well
 * inside the previous key's grace period (a day at the least), and this command runs at most once an hour per client.
 */
const CREDENTIALS_LIFETIME_MS = 60 * 60 * 1000;

/** The credential_process output (https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html). */
interface ProcessCredentials {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Expiration: string;
}

export async function runCredentials({ args, aws, io }: CommandInput): Promise<ExitCode> {
  const [secretId] = args.positionals;
  if (io.stdoutIsTTY && !args.flags.has('force')) {
    throw new UsageError(
      'credentials prints a secret access key for credential_process, not for a terminal (it would stay in the scrollback)',
      "Use it as credential_process in ~/.aws/config (see 'iam-key-rotation credentials --help'), pipe it, or add --force.",
    );
  }
  const secretsManager = new LazyClient(() => new SecretsManagerClient(clientConfig(aws)));
  const lambda = new LazyClient(() => new LambdaClient(clientConfig(aws)));
  try {
    // Quietly: a consumer may lack lambda:GetFunctionConfiguration, and credential_process shows stderr to its user.
    const secret = await resolveManagedSecret(
      secretId,
      secretsManager.get(),
      new RotationFunctionSettings(() => lambda.get()),
    );
    let secretString: string | undefined;
    try {
      secretString = (
        await secretsManager.get().send(new GetSecretValueCommand({ SecretId: secret.arn, VersionStage: CURRENT }))
      ).SecretString;
    } catch (error) {
      if (isResourceNotFound(error)) {
        throw new CommandFailed(
          `secret ${secret.name} holds no key yet: its first rotation has not succeeded (run 'iam-key-rotation status')`,
        );
      }
      throw explainAwsError(error, `reading the current value of secret ${secret.name} (GetSecretValue)`);
    }
    const value = readKey(secretString, secret.name, secret.userName);
    const credentials: ProcessCredentials = {
      Version: 1,
      AccessKeyId: value.accessKeyId,
      SecretAccessKey: value.secretAccessKey,
      Expiration: new Date(io.now() + CREDENTIALS_LIFETIME_MS).toISOString(),
    };
    io.stdout(`${JSON.stringify(credentials)}\n`);
    return EXIT_CODES.ok;
  } finally {
    secretsManager.destroy();
    lambda.destroy();
  }
}

/** @throws CommandFailed when the value is not a key of the tagged user (the messages never quote the value). */
function readKey(
  secretString: string | undefined,
  secretName: string,
  userName: string,
): { accessKeyId: string; secretAccessKey: string } {
  const scope = { secretId: secretName, step: 'credentials' };
  try {
    const value = parseSecretValue(secretString, CURRENT, scope);
    assertValueNamesUser(value, userName, CURRENT, scope, true);
    if (value.accesskey === undefined || value.secretkey === undefined) {
      throw new CommandFailed(`secret ${secretName}: the AWSCURRENT value lacks an accesskey or a secretkey`);
    }
    return { accessKeyId: value.accesskey, secretAccessKey: value.secretkey };
  } catch (error) {
    if (error instanceof CommandFailed) throw error;
    throw new CommandFailed(
      `refusing the key of secret ${secretName}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
