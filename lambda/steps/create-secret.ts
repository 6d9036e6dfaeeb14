import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  type AccessKeyMetadata,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { keysCreatedDuring, mayStillRun, parseAttemptMarker, writeAttemptMarker } from '../attempt-marker';
import { isNoSuchEntity } from '../../core/aws-errors';
import type { Dependencies, StepInput } from '../dependencies';
import {
  AttemptInProgressError,
  UnexpectedResponseError,
  UnmanagedKeyError,
  UserNotFoundError,
} from '../../core/errors';
import type { RotationRequest } from '../../core/rotation-request';
import { chooseKeyToFree, MAX_KEYS_PER_USER } from '../../core/key-slots';
import { describeError } from '../logger';
import { userNameCaseError } from '../../core/managed-secrets';
import { managedUserName } from '../../core/secret/metadata';
import { CURRENT, PENDING, PREVIOUS } from '../../core/secret/stages';
import {
  assertValueNamesUser,
  IGNORED_MASTER_ARN_FIELD,
  nextSecretValue,
  type KeySecretValue,
} from '../../core/secret/value';
import { pendingKeyId, pendingValueExists, readStagedKeyId, readStagedValue } from '../../core/secret/versions';
import { listUserKeys, type UserKeys } from '../../core/user-keys';

export type CreateSecretDependencies = Pick<Dependencies, 'secretsManager' | 'iam' | 'logger' | 'clock'>;

/**
 * createSecret: mint the new key and store it as this rotation's AWSPENDING value.
 *
 * Idempotent: if the pending version already has a value, it returns. A key an earlier attempt of this
 * rotation created but could not store (an orphan) is deleted first: before every CreateAccessKey the step
 * records its attempt's window on the secret (attempt-marker.ts), so only a key IAM dates inside such a window
 * counts as one. The AWSCURRENT key is never deleted; when the user already holds two keys, only a key that is
 * provably ours is deleted (the AWSPREVIOUS key or an Inactive key). Without an AWSCURRENT value (or with one
 * that only names the user) it bootstraps the first key for the user named by the tag. When the SDK had to send
 * CreateAccessKey more than once, a key an earlier try made (its answer lost) is deleted before the new key is stored.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSCURRENT value is not a JSON object or its username is not a string.
 * @throws UserMismatchError if the AWSCURRENT value names another user than the tag.
 * @throws UserNotFoundError if the tagged user does not exist in IAM.
 * @throws UnmanagedSecretError if IAM answers for the tagged user with another name (the user's in another case: the
 * tag binds no one): from ListAccessKeys before any IAM write; from CreateAccessKey (a user without keys) after the
 * new key has been deleted, unstored.
 * @throws AttemptInProgressError if an earlier attempt of this rotation may still be running.
 * @throws UnmanagedKeyError if the user holds two keys and none is ours to delete.
 * @throws UnexpectedResponseError if CreateAccessKey answers without the key.
 * AWS errors pass through; if PutSecretValue fails, the key just created is deleted (unless it was stored
 * after all) before its error is rethrown. None of the errors above happens after an IAM write other than
 * the deletion of orphans, but those about CreateAccessKey's answer.
 */
export async function createSecret(
  { request, metadata, deadline }: StepInput,
  deps: CreateSecretDependencies,
): Promise<void> {
  const { secretsManager, iam, logger, clock } = deps;
  if (await pendingValueExists(secretsManager, request)) {
    logger.info('the AWSPENDING version already has a value; nothing to do', { outcome: 'already-created' });
    return;
  }

  const userName = managedUserName(request, metadata);
  const current = await readStagedValue(secretsManager, request, CURRENT);
  if (current !== undefined) {
    assertValueNamesUser(current, userName, CURRENT, request);
    if (IGNORED_MASTER_ARN_FIELD in current.fields) {
      logger.warn(`ignoring the ${IGNORED_MASTER_ARN_FIELD} field: the function's own role makes the IAM calls`, {
        user: userName,
      });
    }
  }
  const currentKeyId = current?.accesskey;
  if (currentKeyId === undefined) {
    logger.info('no AWSCURRENT key yet: bootstrapping the first key', { user: userName });
  }

  const listedKeys = await listAccessKeys(iam, userName, request);
  const orphans = orphansOfEarlierAttempts({ request, metadata }, deps, listedKeys, currentKeyId);
  for (const accessKeyId of orphans) {
    await deleteAccessKey(iam, userName, accessKeyId);
    logger.info('deleted a key an interrupted attempt of this rotation left behind', {
      user: userName,
      accessKeyId,
      reason: 'orphan',
    });
  }
  const keys = listedKeys.filter((key) => key.AccessKeyId === undefined || !orphans.includes(key.AccessKeyId));
  // Only a full user needs the AWSPREVIOUS key id, to tell which key to free.
  const previousKeyId =
    keys.length >= MAX_KEYS_PER_USER ? await readStagedKeyId(secretsManager, request, PREVIOUS, logger) : undefined;
  const decision = chooseKeyToFree(keys, { currentKeyId, previousKeyId });
  if (decision.kind === 'unmanaged') {
    const ids = decision.accessKeyIds.join(', ');
    throw new UnmanagedKeyError(
      request,
      `user ${userName} already holds ${keys.length} access keys and ${ids} is not managed by this secret ` +
        '(not its AWSCURRENT or AWSPREVIOUS key, not Inactive, not made by an attempt of this rotation); ' +
        'delete or deactivate it to let rotation proceed',
      decision.accessKeyIds,
    );
  }
  if (decision.kind === 'delete') {
    await deleteAccessKey(iam, userName, decision.accessKeyId);
    logger.info('deleted an access key to free a slot', {
      user: userName,
      accessKeyId: decision.accessKeyId,
      reason: decision.reason,
    });
  }

  const start = clock.now();
  await writeAttemptMarker(secretsManager, request, { token: request.token, start, end: deadline, ended: false });
  try {
    await createAndStoreKey(deps, request, userName, current, start);
  } catch (error) {
    await closeAttemptMarker(deps, request, start);
    throw error;
  }
}

/**
 * Keys earlier attempts of this rotation created but could not store, from the marker the last one left.
 * @throws AttemptInProgressError if that attempt may still be running: its key may be about to be stored.
 */
function orphansOfEarlierAttempts(
  { request, metadata }: Pick<StepInput, 'request' | 'metadata'>,
  { clock, logger }: CreateSecretDependencies,
  keys: readonly AccessKeyMetadata[],
  currentKeyId: string | undefined,
): string[] {
  if (metadata.attemptTag === undefined) {
    return [];
  }
  const marker = parseAttemptMarker(metadata.attemptTag);
  if (marker === undefined || marker.token !== request.token) {
    logger.warn('ignoring an attempt marker this rotation did not write', { marker: metadata.attemptTag });
    return [];
  }
  if (mayStillRun(marker, clock.now())) {
    throw new AttemptInProgressError(
      request,
      `an earlier attempt of this rotation may still be running (until ${new Date(marker.end).toISOString()}); retry after that`,
    );
  }
  return keysCreatedDuring(marker, keys, currentKeyId);
}

async function createAndStoreKey(
  deps: CreateSecretDependencies,
  request: RotationRequest,
  userName: string,
  currentValue: KeySecretValue | undefined,
  attemptStart: number,
): Promise<void> {
  const { secretsManager, iam, logger } = deps;
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const accessKeyId = created.AccessKey?.AccessKeyId;
  if (accessKeyId !== undefined && created.AccessKey?.UserName !== userName) {
    // A user without keys lists no name: the new key is IAM's first answer naming the user. Never store it.
    await refuseKeyOfAnotherName(iam, request, userName, accessKeyId, created.AccessKey?.UserName ?? '');
  }
  const secretAccessKey = created.AccessKey?.SecretAccessKey;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    // A key IAM made but did not return falls in this attempt's window: the retry deletes it as an orphan.
    throw new UnexpectedResponseError(
      request,
      `CreateAccessKey for user ${userName} answered without ${accessKeyId === undefined ? 'an access key id' : `the secret of key ${accessKeyId}`}; a retry deletes any key it made`,
    );
  }
  logger.info('created an access key', { user: userName, accessKeyId });
  if ((created.$metadata?.attempts ?? 1) > 1) {
    await deleteKeysOfLostAnswers(deps, request, userName, {
      accessKeyId,
      currentKeyId: currentValue?.accesskey,
      attemptStart,
    });
  }

  try {
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: request.secretId,
        ClientRequestToken: request.token,
        SecretString: nextSecretValue(currentValue, userName, accessKeyId, secretAccessKey),
        VersionStages: [PENDING],
      }),
    );
  } catch (putError) {
    await deleteUnstoredKey(deps, request, userName, accessKeyId);
    throw putError;
  }
  logger.info('stored the new key as AWSPENDING', { user: userName, accessKeyId, outcome: 'created' });
}

/**
 * CreateAccessKey is not idempotent. When the SDK had to send it more than once (a throttled, timed-out or dropped
 * try), an earlier try may have created a key whose answer never arrived: IAM dates it inside this attempt and nothing
 * stores it. Delete any such key before the new one is stored, or it would outlive the rotation as an unmanaged key.
 * Throws (and the new key stays unstored) when IAM cannot list or delete: the retry then deletes both as orphans.
 */
async function deleteKeysOfLostAnswers(
  { iam, clock, logger }: CreateSecretDependencies,
  request: RotationRequest,
  userName: string,
  attempt: { readonly accessKeyId: string; readonly currentKeyId: string | undefined; readonly attemptStart: number },
): Promise<void> {
  const keys = await listAccessKeys(iam, userName, request);
  const window = { token: request.token, start: attempt.attemptStart, end: clock.now(), ended: false };
  const lost = keysCreatedDuring(window, keys, attempt.currentKeyId).filter((id) => id !== attempt.accessKeyId);
  for (const accessKeyId of lost) {
    await deleteAccessKey(iam, userName, accessKeyId);
    logger.warn('deleted a key an earlier try of CreateAccessKey made, whose answer was lost', {
      user: userName,
      accessKeyId,
      reason: 'lost-answer',
    });
  }
}

/**
 * After a failure: mark the attempt as ended now, so a retry need not wait for the invocation's deadline to
 * clean up after it. If that fails too, the retry waits (AttemptInProgressError) until the deadline passes.
 */
async function closeAttemptMarker(
  { secretsManager, clock, logger }: CreateSecretDependencies,
  request: RotationRequest,
  start: number,
): Promise<void> {
  try {
    await writeAttemptMarker(secretsManager, request, { token: request.token, start, end: clock.now(), ended: true });
  } catch (error) {
    logger.warn('could not mark the failed attempt as ended; a retry waits for its deadline', {
      error: describeError(error),
    });
  }
}

/**
 * @throws UserNotFoundError if IAM does not know the user.
 * @throws UnmanagedSecretError if IAM lists the keys under another name than the tag's (the user's in another case).
 */
async function listAccessKeys(
  iam: IAMClient,
  userName: string,
  request: RotationRequest,
): Promise<AccessKeyMetadata[]> {
  let listed: UserKeys;
  try {
    listed = await listUserKeys(iam, userName);
  } catch (error) {
    if (isNoSuchEntity(error)) {
      throw new UserNotFoundError(request, `IAM user ${userName} (named by the secret's tag) does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
  if (listed.otherName !== undefined) {
    throw userNameCaseError(userName, listed.otherName, 'the function refuses to change any key through it', request);
  }
  return listed.keys;
}

/**
 * CreateAccessKey answered with a key of another name than the tag's: delete it at once (with the name it was created
 * by, as that call was allowed) and refuse. The key is never stored, and its id is named only if it could not be deleted.
 * @throws UnmanagedSecretError always.
 */
async function refuseKeyOfAnotherName(
  iam: IAMClient,
  request: RotationRequest,
  userName: string,
  accessKeyId: string,
  nameInIam: string,
): Promise<never> {
  try {
    await deleteAccessKey(iam, userName, accessKeyId);
  } catch (error) {
    throw userNameCaseError(
      userName,
      nameInIam,
      `CreateAccessKey made key ${accessKeyId} of user ${nameInIam}, which the function did not store and could not delete: delete it`,
      request,
      { cause: error },
    );
  }
  throw userNameCaseError(userName, nameInIam, 'the key CreateAccessKey made was deleted at once, unstored', request);
}

/** Deleting a key that is already gone is done. */
async function deleteAccessKey(iam: IAMClient, userName: string, accessKeyId: string): Promise<void> {
  try {
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
  } catch (error) {
    if (!isNoSuchEntity(error)) {
      throw error;
    }
  }
}

/**
 * After a failed PutSecretValue: delete the new key unless the pending value names it after all (a lost
 * response). Deleting a stored key would leave a pending value that can never pass testSecret; a key left
 * over is an orphan that the retry deletes.
 */
async function deleteUnstoredKey(
  { secretsManager, iam, logger }: CreateSecretDependencies,
  request: RotationRequest,
  userName: string,
  accessKeyId: string,
): Promise<void> {
  try {
    if ((await pendingKeyId(secretsManager, request)) === accessKeyId) {
      logger.warn('PutSecretValue reported a failure but the new key was stored; keeping it', {
        user: userName,
        accessKeyId,
      });
      return;
    }
    await deleteAccessKey(iam, userName, accessKeyId);
    logger.warn('storing the new key failed; deleted it', { user: userName, accessKeyId });
  } catch (cleanUpError) {
    logger.error('storing the new key failed and so did cleaning it up; the retry deletes it', {
      user: userName,
      accessKeyId,
      error: describeError(cleanUpError),
    });
  }
}
