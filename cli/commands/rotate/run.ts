import { randomUUID } from 'node:crypto';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { versionWithStage } from '../../../core/secret/metadata';
import { valueOf } from '../../arguments';
import { explainAwsError, isAccessProblem } from '../../aws-errors';
import type { CommandInput } from '../../command';
import { CommandFailed } from '../../errors';
import { EXIT_CODES, type ExitCode } from '../../exit-codes';
import { resolveManagedSecret } from '../../managed-secret';
import { functionNameOf, RotationFunctionSettings } from '../../rotation-function-settings';
import { destroyClients, rotateClients } from './clients';
import { RotationFollower } from './rotation-follower';
import { RotationLog } from './rotation-log';
import { reportSuccess } from './success-report';
import { parseTimeout } from './timeout';
import { CURRENT, PENDING } from '../../../core/secret/stages';

/** Log times are the function's clock: read from a little before the rotation started on ours. */
const LOG_CLOCK_SKEW_MS = 60_000;

export async function runRotate({ args, aws, io }: CommandInput): Promise<ExitCode> {
  const [secretId] = args.positionals;
  const timeoutMs = parseTimeout(valueOf(args, 'timeout')) * 1000;
  const clients = rotateClients(aws);
  try {
    const secret = await resolveManagedSecret(
      secretId,
      clients.secretsManager.get(),
      new RotationFunctionSettings(() => clients.lambda.get()),
    );
    if (secret.note !== undefined) io.stderr(`note: ${secret.note}\n`);
    if (!secret.rotationEnabled) {
      throw new CommandFailed(
        `rotation is turned off on secret ${secret.name}: run terraform apply to turn it back on, then rotate again`,
      );
    }
    const currentVersion = versionWithStage(secret, CURRENT);
    const pendingVersion = versionWithStage(secret, PENDING);
    const unfinished = pendingVersion !== undefined && pendingVersion !== currentVersion ? pendingVersion : undefined;
    // Our own token, so the rotation can be followed even when RotateSecret fails before it answers.
    const token = unfinished ?? randomUUID();
    const functionName = functionNameOf(secret.rotationLambdaArn);
    io.stderr(
      unfinished === undefined
        ? `rotating ${secret.name} (user ${secret.userName}) with ${functionName}, version ${token}\n`
        : `retrying the unfinished rotation of ${secret.name} (user ${secret.userName}), version ${token}\n`,
    );
    const log = new RotationLog(
      () => clients.logs.get(),
      `/aws/lambda/${functionName}`,
      token,
      io.now() - LOG_CLOCK_SKEW_MS,
    );
    const follower = new RotationFollower(secret, token, log, clients, io);

    // A retried rotation keeps its version: its earlier attempts' lines are history, not this attempt's progress.
    if (unfinished !== undefined) await follower.skipEarlierLines();
    let refusal: string | undefined;
    try {
      await clients.secretsManager
        .get()
        .send(new RotateSecretCommand({ SecretId: secret.arn, ClientRequestToken: token }));
    } catch (error) {
      if (isAccessProblem(error))
        throw explainAwsError(error, `starting the rotation of ${secret.name} (RotateSecret)`);
      // AWS refuses some requests at once; the local emulator runs every step inside the call and fails it when one fails.
      refusal = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    await follower.follow(io.now() + timeoutMs, refusal);
    await reportSuccess(secret, token, currentVersion, clients, io);
    return EXIT_CODES.ok;
  } finally {
    destroyClients(clients);
  }
}
