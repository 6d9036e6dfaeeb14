import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  type AccessKeyMetadata,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { isNoSuchEntity } from '../aws-errors';
import type { Dependencies, StepInput } from '../dependencies';
import { UnmanagedKeyError, UserNotFoundError } from '../errors';
import type { RotationRequest } from '../event';
import { chooseKeyToFree, findOrphans, MAX_KEYS_PER_USER } from '../key-slots';
import { describeError } from '../logger';
import { CURRENT, managedUserName, PENDING, PREVIOUS } from '../secret-metadata';
import { assertValueNamesUser, IGNORED_MASTER_ARN_FIELD, nextSecretValue } from '../secret-value';
import { pendingValueExists, pendingVersionCreatedAt, readStagedKeyId, readStagedValue } from '../secret-versions';

export type CreateSecretDependencies = Pick<Dependencies, 'secretsManager' | 'iam' | 'logger'>;

/**
 * createSecret: mint the new key and store it as this rotation's AWSPENDING value.
 *
 * Idempotent: if the pending version already has a value, it returns; keys an interrupted attempt of this
 * rotation left behind (orphans) are deleted first. The AWSCURRENT key is never deleted; when the user
 * already holds two keys, only a key that is provably ours is deleted (the AWSPREVIOUS key or an Inactive
 * key). Without an AWSCURRENT value (or with one that only names the user) it bootstraps the first key for
 * the user named by the tag.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSCURRENT value is not a JSON object or its username is not a string.
 * @throws UserMismatchError if the AWSCURRENT value names another user than the tag.
 * @throws UserNotFoundError if the tagged user does not exist in IAM.
 * @throws UnmanagedKeyError if the user holds two keys and none is ours to delete.
 * AWS errors pass through; if PutSecretValue fails, the key just created is deleted (unless it was stored
 * after all) before its error is rethrown. None of the errors above happens after an IAM write other than
 * the deletion of orphans.
 */
export async function createSecret({ request, metadata }: StepInput, deps: CreateSecretDependencies): Promise<void> {
  const { secretsManager, iam, logger } = deps;
  if (await pendingValueExists(secretsManager, request)) {
    logger.info('the AWSPENDING version already has a value; nothing to do', { outcome: 'already-created' });
    return;
  }

  const userName = managedUserName(request, metadata);
  const current = await readStagedValue(secretsManager, request, CURRENT);
  if (current !== undefined) {
    assertValueNamesUser(current.value, userName, CURRENT, request);
    if (IGNORED_MASTER_ARN_FIELD in current.value.fields) {
      logger.warn(`ignoring the ${IGNORED_MASTER_ARN_FIELD} field: the function's own role makes the IAM calls`, { user: userName });
    }
  }
  const currentKeyId = current?.value.accesskey;
  if (currentKeyId === undefined) {
    logger.info('no AWSCURRENT key yet: bootstrapping the first key', { user: userName });
  }

  const listedKeys = await listAccessKeys(iam, userName, request);
  const orphans = findOrphans(listedKeys, currentKeyId, await pendingVersionCreatedAt(secretsManager, request));
  for (const accessKeyId of orphans) {
    await deleteAccessKey(iam, userName, accessKeyId);
    logger.info('deleted a key an interrupted attempt of this rotation left behind', { user: userName, accessKeyId, reason: 'orphan' });
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
        '(not its AWSCURRENT or AWSPREVIOUS key, not Inactive, not made by this rotation); ' +
        'delete or deactivate it to let rotation proceed',
      decision.accessKeyIds,
    );
  }
  if (decision.kind === 'delete') {
    await deleteAccessKey(iam, userName, decision.accessKeyId);
    logger.info('deleted an access key to free a slot', { user: userName, accessKeyId: decision.accessKeyId, reason: decision.reason });
  }

  const created = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const accessKeyId = created.AccessKey?.AccessKeyId;
  const secretAccessKey = created.AccessKey?.SecretAccessKey;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`CreateAccessKey for user ${userName} returned no key`);
  }
  logger.info('created an access key', { user: userName, accessKeyId });

  try {
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: request.secretId,
        ClientRequestToken: request.token,
        SecretString: nextSecretValue(current?.value, userName, accessKeyId, secretAccessKey),
        VersionStages: [PENDING],
      }),
    );
  } catch (putError) {
    await deleteUnstoredKey(deps, request, userName, accessKeyId);
    throw putError;
  }
  logger.info('stored the new key as AWSPENDING', { user: userName, accessKeyId, outcome: 'created' });
}

/** @throws UserNotFoundError if IAM does not know the user. */
async function listAccessKeys(iam: IAMClient, userName: string, request: RotationRequest): Promise<AccessKeyMetadata[]> {
  try {
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
    return listed.AccessKeyMetadata ?? [];
  } catch (error) {
    if (isNoSuchEntity(error)) {
      throw new UserNotFoundError(request, `IAM user ${userName} (named by the secret's tag) does not exist`, { cause: error });
    }
    throw error;
  }
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
 * After a failed PutSecretValue: delete the new key unless it was stored after all (a lost response). Deleting a
 * stored key would leave a pending value that can never pass testSecret; a key left over is an orphan that
 * the retry deletes.
 */
async function deleteUnstoredKey(
  { secretsManager, iam, logger }: CreateSecretDependencies,
  request: RotationRequest,
  userName: string,
  accessKeyId: string,
): Promise<void> {
  try {
    if (await pendingValueExists(secretsManager, request)) {
      logger.warn('PutSecretValue reported a failure but the new key was stored; keeping it', { user: userName, accessKeyId });
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
