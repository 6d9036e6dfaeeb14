import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { removeAttemptMarker } from '../attempt-marker';
import { isNoSuchEntity } from '../aws-errors';
import type { Dependencies, StepInput } from '../dependencies';
import { describeError } from '../logger';
import { CURRENT, managedUserName, PENDING, versionWithStage } from '../secret-metadata';
import { assertValueNamesUser } from '../secret-value';
import { readPendingValue, readStagedKeyId } from '../secret-versions';

export type FinishSecretDependencies = Pick<Dependencies, 'secretsManager' | 'iam' | 'logger'>;

/**
 * finishSecret: remove createSecret's attempt marker, make the pending version AWSCURRENT (Secrets Manager
 * relabels the old one AWSPREVIOUS), remove AWSPENDING so the next rotation can start, then apply PREVIOUS_KEY_ACTION to the old key:
 * `keep` leaves it for the next rotation to delete, `deactivate` sets it Inactive now.
 *
 * A retry after the labels moved never gets here (the token is already AWSCURRENT), so a failed
 * deactivation is not retried: the key stays Active until the next rotation deletes it.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSPENDING version has no value or it lacks the key.
 * @throws UserMismatchError if the AWSPENDING value does not name the tagged user.
 * AWS errors pass through (UpdateAccessKey's only after the labels have moved).
 */
export async function finishSecret({ request, metadata, config }: StepInput, deps: FinishSecretDependencies): Promise<void> {
  const { secretsManager, iam, logger } = deps;
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
    new UpdateSecretVersionStageCommand({ SecretId: request.secretId, VersionStage: PENDING, RemoveFromVersionId: request.token }),
  );
  logger.info('the new key is AWSCURRENT', { user: userName, accessKeyId: pending.accesskey, previousVersion: currentVersionId });

  if (previousKeyId === undefined || previousKeyId === pending.accesskey) {
    logger.info('no previous key to act on', { user: userName, outcome: 'finished' });
    return;
  }
  if (config.previousKeyAction === 'keep') {
    logger.info('kept the previous key; the next rotation deletes it', {
      user: userName,
      previousAccessKeyId: previousKeyId,
      outcome: 'finished',
    });
    return;
  }
  try {
    await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: previousKeyId, Status: 'Inactive' }));
    logger.info('deactivated the previous key', { user: userName, previousAccessKeyId: previousKeyId, outcome: 'finished' });
  } catch (error) {
    if (!isNoSuchEntity(error)) {
      logger.error('could not deactivate the previous key; the next rotation deletes it', {
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
