import { GetCallerIdentityCommand, type GetCallerIdentityCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import { isArnOfUser } from '../../core/arn';
import { isKeyNotYetValid } from '../../core/aws-errors';
import type { Dependencies, StepInput } from '../dependencies';
import { KeyTestFailedError } from '../../core/errors';
import { describeError } from '../logger';
import { managedUserName } from '../../core/secret/metadata';
import { PENDING } from '../../core/secret/stages';
import { assertValueNamesUser } from '../../core/secret/value';
import { readPendingValue } from '../../core/secret/versions';
import { listUserKeys } from '../../core/user-keys';

export type TestSecretDependencies = Pick<
  Dependencies,
  'secretsManager' | 'iam' | 'createStsClient' | 'logger' | 'clock'
>;

/** New keys take seconds to reach every STS endpoint: wait a little first, then back off to a few seconds. */
export const FIRST_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 5_000;

/**
 * testSecret: prove the pending key authenticates as the managed user, with STS GetCallerIdentity signed by
 * that key. InvalidClientTokenId and SignatureDoesNotMatch (a key still propagating) are retried with
 * exponential backoff until the next wait would exceed the test budget.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSPENDING version has no value or it lacks the key.
 * @throws UserMismatchError if the AWSPENDING value does not name the tagged user.
 * @throws KeyTestFailedError if the key still does not authenticate when the budget is spent (saying so when
 * IAM no longer has the key, which no retry can mend), or it authenticates as someone other than the managed user.
 * Other AWS errors pass through.
 */
export async function testSecret(
  { request, metadata, config }: StepInput,
  deps: TestSecretDependencies,
): Promise<void> {
  const { secretsManager, createStsClient, logger } = deps;
  const userName = managedUserName(request, metadata);
  const pending = await readPendingValue(secretsManager, request);
  assertValueNamesUser(pending, userName, PENDING, request, true);
  const accessKeyId = pending.accesskey;

  const sts = createStsClient({ accessKeyId, secretAccessKey: pending.secretkey });
  let identity: GetCallerIdentityCommandOutput;
  try {
    identity = await callerIdentityWithRetry(sts, { request, config }, deps, { accessKeyId, userName });
  } catch (error) {
    if (error instanceof KeyTestFailedError && !(await keyStillExists(deps, userName, accessKeyId))) {
      throw new KeyTestFailedError(
        request,
        `access key ${accessKeyId} of user ${userName} no longer exists in IAM (deleted outside the rotation?), so this ` +
          'rotation can never finish: cancel it (aws secretsmanager cancel-rotate-secret), remove the AWSPENDING label ' +
          `from version ${request.token} (aws secretsmanager update-secret-version-stage), then rotate again`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    sts.destroy();
  }

  const callerArn = identity.Arn ?? '';
  if (!isArnOfUser(callerArn, userName, metadata.arn)) {
    throw new KeyTestFailedError(
      request,
      `access key ${accessKeyId} authenticates as ${callerArn || 'an unknown identity'}, not as IAM user ${userName} of the secret's account`,
    );
  }
  logger.info('the pending key authenticates as the managed user', { accessKeyId, user: userName, outcome: 'tested' });
}

/** Whether IAM still lists the key; when IAM cannot say, assume it does (the original failure then stands). */
async function keyStillExists(
  { iam, logger }: TestSecretDependencies,
  userName: string,
  accessKeyId: string,
): Promise<boolean> {
  try {
    return (await listUserKeys(iam, userName)).keys.some((key) => key.AccessKeyId === accessKeyId);
  } catch (error) {
    logger.warn('could not check whether the pending key still exists', { accessKeyId, error: describeError(error) });
    return true;
  }
}

/** @throws KeyTestFailedError once the next wait would exceed the budget. */
async function callerIdentityWithRetry(
  sts: STSClient,
  { request, config }: Pick<StepInput, 'request' | 'config'>,
  { logger, clock }: TestSecretDependencies,
  key: { readonly accessKeyId: string; readonly userName: string },
): Promise<GetCallerIdentityCommandOutput> {
  const startedAt = clock.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await sts.send(new GetCallerIdentityCommand({}));
    } catch (error) {
      if (!isKeyNotYetValid(error)) {
        throw error;
      }
      const elapsedMs = clock.now() - startedAt;
      const delayMs = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
      if (elapsedMs + delayMs > config.testBudgetMs) {
        throw new KeyTestFailedError(
          request,
          `access key ${key.accessKeyId} of user ${key.userName} still does not authenticate after ${attempt} attempts ` +
            `in ${elapsedMs} ms (test budget ${config.testBudgetMs} ms)`,
          { cause: error },
        );
      }
      logger.info('the pending key does not authenticate yet; retrying', {
        accessKeyId: key.accessKeyId,
        attempt,
        delayMs,
        error: describeError(error),
      });
      await clock.sleep(delayMs);
    }
  }
}
