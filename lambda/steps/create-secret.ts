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
import { chooseKeyToFree, MAX_KEYS_PER_USER } from '../key-slots';
import { describeError } from '../logger';
import { managedUserName, PENDING } from '../secret-metadata';
import { assertValueNamesUser, IGNORED_MASTER_ARN_FIELD, nextSecretValue } from '../secret-value';
import { pendingValueExists, readStagedKeyId, readStagedValue } from '../secret-versions';

export type CreateSecretDependencies = Pick<Dependencies, 'secretsManager' | 'iam' | 'logger'>;

/**
 * createSecret: mint the new key and store it as this rotation's AWSPENDING value.
 *
 * Idempotent: if the pending version already has a value, it returns. The AWSCURRENT key is never deleted;
 * when the user already holds two keys, only a key that is provably ours is deleted (the AWSPREVIOUS key,
 * an Inactive key, or an orphan of an interrupted rotation). Without an AWSCURRENT value (or with one
 * that only names the user) it bootstraps the first key for the user named by the tag.
 *
 * @throws MissingUserTagError if the secret has no user tag.
 * @throws InvalidSecretError if the AWSCURRENT value is not a JSON object or its username is not a string.
 * @throws UserMismatchError if the AWSCURRENT value names another user than the tag.
 * @throws UserNotFoundError if the tagged user does not exist in IAM.
 * @throws UnmanagedKeyError if the user holds two keys and none is ours to delete.
 * AWS errors pass through; if PutSecretValue fails, the key just created is deleted before its error is rethrown.
 * None of these errors happens after an IAM write except the PutSecretValue failure.
 */
export async function createSecret({ request, metadata }: StepInput, deps: CreateSecretDependencies): Promise<void> {
  const { secretsManager, iam, logger } = deps;
  if (await pendingValueExists(secretsManager, request)) {
    logger.info('the AWSPENDING version already has a value; nothing to do', { outcome: 'already-created' });
    return;
  }

  const userName = managedUserName(request, metadata);
  const current = await readStagedValue(secretsManager, request, 'AWSCURRENT');
  if (current !== undefined) {
    assertValueNamesUser(current.value, userName, 'AWSCURRENT', request);
    if (IGNORED_MASTER_ARN_FIELD in current.value.fields) {
      logger.warn(`ignoring the ${IGNORED_MASTER_ARN_FIELD} field: the function's own role makes the IAM calls`, { user: userName });
    }
  }
  const currentKeyId = current?.value.accesskey;
  if (currentKeyId === undefined) {
    logger.info('no AWSCURRENT key yet: bootstrapping the first key', { user: userName });
  }

  const keys = await listAccessKeys(iam, userName, request);
  // Only a full user needs the AWSPREVIOUS key id, to tell which key to free.
  const previousKeyId =
    keys.length >= MAX_KEYS_PER_USER ? await readStagedKeyId(secretsManager, request, 'AWSPREVIOUS', logger) : undefined;
  const decision = chooseKeyToFree(keys, {
    currentKeyId,
    previousKeyId,
    orphansCreatedAfter: current?.createdAt ?? metadata.createdDate,
  });
  if (decision.kind === 'unmanaged') {
    const ids = decision.accessKeyIds.join(', ');
    throw new UnmanagedKeyError(
      request,
      `user ${userName} already holds ${keys.length} access keys and ${ids} is not managed by this secret ` +
        '(not its AWSCURRENT or AWSPREVIOUS key, not Inactive, not left by an interrupted rotation); ' +
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
    // A key no version names would hold a slot until the next rotation's orphan rule frees it.
    try {
      await deleteAccessKey(iam, userName, accessKeyId);
      logger.warn('storing the new key failed; deleted it', { user: userName, accessKeyId });
    } catch (deleteError) {
      logger.error('storing the new key failed and deleting it failed too; the next rotation will delete it', {
        user: userName,
        accessKeyId,
        error: describeError(deleteError),
      });
    }
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
