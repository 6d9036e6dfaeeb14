import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import type { PreviousKeyPolicy } from '../../core/contract';
import { parseAttemptMarker, removeAttemptMarker } from '../attempt-marker';
import { isNoSuchEntity } from '../../core/aws-errors';
import type { FunctionSettings } from '../../core/function-settings';
import type { Dependencies, StepInput } from '../dependencies';
import type { RotationRequest } from '../../core/rotation-request';
import { describeError, type Logger } from '../logger';
import { userNameCaseError } from '../../core/managed-secrets';
import { previousKeyPolicyOf } from '../../core/previous-key-policy';
import { managedUserName, type SecretMetadata, versionWithStage } from '../../core/secret/metadata';
import { CURRENT, PENDING, PREVIOUS } from '../../core/secret/stages';
import { assertValueNamesUser } from '../../core/secret/value';
import { readPendingValue, readStagedKeyId } from '../../core/secret/versions';
import { listUserKeys } from '../../core/user-keys';

export type FinishSecretDependencies = Pick<Dependencies, 'secretsManager' | 'iam' | 'logger'>;

/**
 * finishSecret: remove createSecret's attempt marker, make the pending version AWSCURRENT (Secrets Manager
 * relabels the old one AWSPREVIOUS), remove AWSPENDING so the next rotation can start, then apply the secret's
 * previous-key policy to the old key: `deactivate` sets it Inactive now; `deactivate-after-grace` leaves it to the
 * sweep, `keep` to the next rotation, which deletes it.
 *
 * A retry after the labels moved finds the token AWSCURRENT and goes to finishRemainingWork instead.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSPENDING version has no value or it lacks the key.
 * @throws UserMismatchError if the AWSPENDING value does not name the tagged user.
 * AWS errors pass through (UpdateAccessKey's only after the labels have moved).
 */
export async function finishSecret(
  { request, metadata, config }: StepInput,
  deps: FinishSecretDependencies,
): Promise<void> {
  const { secretsManager, logger } = deps;
  const userName = managedUserName(request, metadata);
  // Refuses to promote a version without a complete value, or one naming another user.
  const pending = await readPendingValue(secretsManager, request);
  assertValueNamesUser(pending, userName, PENDING, request, true);

  if (metadata.attemptTag !== undefined) {
    // Before the labels move: a retry after they have moved returns early and would leave the tag.
    await removeAttemptMarker(secretsManager, request);
  }

  const currentVersionId = versionWithStage(metadata, CURRENT);
  const previousKeyId =
    currentVersionId === undefined ? undefined : await readStagedKeyId(secretsManager, request, CURRENT, logger);

  await secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: request.secretId,
      VersionStage: CURRENT,
      MoveToVersionId: request.token,
      ...(currentVersionId === undefined ? {} : { RemoveFromVersionId: currentVersionId }),
    }),
  );
  await secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: request.secretId,
      VersionStage: PENDING,
      RemoveFromVersionId: request.token,
    }),
  );
  logger.info('the new key is AWSCURRENT', {
    user: userName,
    accessKeyId: pending.accesskey,
    previousVersion: currentVersionId,
  });

  if (previousKeyId === undefined || previousKeyId === pending.accesskey) {
    logger.info('no previous key to act on', { user: userName, outcome: 'finished' });
    return;
  }
  const policy = secretPolicy(metadata, config, logger);
  if (policy.action === 'deactivate') {
    await deactivatePreviousKey(deps, userName, previousKeyId);
    return;
  }
  logger.info(
    policy.action === 'keep'
      ? 'kept the previous key; the next rotation deletes it'
      : `kept the previous key; the daily sweep deactivates it ${policy.graceDays} days after the rotation`,
    { user: userName, previousAccessKeyId: previousKeyId, previousKeyAction: policy.action, outcome: 'finished' },
  );
}

/** The secret's own policy (its tag) or the stack's; a tag that does not parse is logged. */
function secretPolicy(metadata: SecretMetadata, config: FunctionSettings, logger: Logger): PreviousKeyPolicy {
  const { policy, problem } = previousKeyPolicyOf(metadata.previousKeyPolicyTag, config.previousKeyPolicy);
  if (problem !== undefined) logger.warn(problem);
  return policy;
}

/**
 * finishSecret on a version that is already AWSCURRENT (a retry after the labels moved): finish what the interrupted
 * attempt left, each part only if it is still to do, so a finished rotation gets no write at all: its attempt marker,
 * AWSPENDING on the new version, and with `deactivate` an AWSPREVIOUS key that is still Active (the sweep finishes
 * the other policies' deactivations).
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws UnmanagedSecretError if IAM lists the user's keys under another name than the tag's (the user's in another
 * case: the tag binds no one), before the previous key is deactivated.
 * AWS errors pass through; a retry can then finish the rest.
 */
export async function finishRemainingWork(
  { request, metadata, config }: StepInput,
  deps: FinishSecretDependencies,
): Promise<void> {
  const { secretsManager, logger } = deps;
  const userName = managedUserName(request, metadata);
  const done: string[] = [];

  if (parseAttemptMarker(metadata.attemptTag)?.token === request.token) {
    await removeAttemptMarker(secretsManager, request);
    done.push('removed the attempt marker');
  }
  if (metadata.versionIdsToStages[request.token]?.includes(PENDING)) {
    await secretsManager.send(
      new UpdateSecretVersionStageCommand({
        SecretId: request.secretId,
        VersionStage: PENDING,
        RemoveFromVersionId: request.token,
      }),
    );
    done.push('removed AWSPENDING from the new version');
  }
  if (secretPolicy(metadata, config, logger).action === 'deactivate') {
    const previousKeyId = await activePreviousKeyId(deps, request, userName);
    if (previousKeyId !== undefined) {
      await deactivatePreviousKey(deps, userName, previousKeyId);
      done.push('deactivated the previous key');
    }
  }
  logger.info(
    done.length === 0
      ? 'the version is already AWSCURRENT; nothing left to finish'
      : 'finished what an earlier finishSecret left',
    {
      user: userName,
      done,
      outcome: done.length === 0 ? 'already-current' : 'finished',
    },
  );
}

/**
 * The AWSPREVIOUS key, if it is another key than AWSCURRENT's and IAM still lists it as Active.
 * @throws UnmanagedSecretError if IAM lists the keys under another name than the tag's.
 */
async function activePreviousKeyId(
  { secretsManager, iam, logger }: FinishSecretDependencies,
  request: RotationRequest,
  userName: string,
): Promise<string | undefined> {
  const previousKeyId = await readStagedKeyId(secretsManager, request, PREVIOUS, logger);
  if (
    previousKeyId === undefined ||
    previousKeyId === (await readStagedKeyId(secretsManager, request, CURRENT, logger))
  ) {
    return undefined;
  }
  const listed = await listUserKeys(iam, userName);
  if (listed.otherName !== undefined) {
    throw userNameCaseError(userName, listed.otherName, 'the function refuses to change any key through it', request);
  }
  const key = listed.keys.find(({ AccessKeyId: accessKeyId }) => accessKeyId === previousKeyId);
  return key?.Status === 'Active' ? previousKeyId : undefined;
}

/** Sets the key Inactive; a key that is already gone is nothing to deactivate. */
async function deactivatePreviousKey(
  { iam, logger }: FinishSecretDependencies,
  userName: string,
  previousKeyId: string,
): Promise<void> {
  try {
    await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: previousKeyId, Status: 'Inactive' }));
    logger.info('deactivated the previous key', {
      user: userName,
      previousAccessKeyId: previousKeyId,
      outcome: 'finished',
    });
  } catch (error) {
    if (!isNoSuchEntity(error)) {
      logger.error('could not deactivate the previous key; a retry of finishSecret deactivates it', {
        user: userName,
        previousAccessKeyId: previousKeyId,
        error: describeError(error),
      });
      throw error;
    }
    logger.warn('the previous key no longer exists; nothing to deactivate', {
      user: userName,
      previousAccessKeyId: previousKeyId,
      outcome: 'finished',
    });
  }
}
