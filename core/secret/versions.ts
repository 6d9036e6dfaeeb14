import {
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { isResourceNotFound } from '../aws-errors';
import { InvalidSecretError } from '../errors';
import type { RotationRequest } from '../rotation-request';
import { PENDING } from './stages';
import { parseSecretValue, type KeySecretValue } from './value';
import type { Stage } from './stages';

/** Whether this rotation's AWSPENDING version already has a value (createSecret ran before). */
export async function pendingValueExists(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
): Promise<boolean> {
  return (await readPendingVersion(secretsManager, request)) !== undefined;
}

/**
 * The access key id this rotation's AWSPENDING value names: undefined if it has no value yet, '' if the value
 * names no key we can read.
 */
export async function pendingKeyId(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
): Promise<string | undefined> {
  const pending = await readPendingVersion(secretsManager, request);
  if (pending === undefined) {
    return undefined;
  }
  try {
    return parseSecretValue(pending.SecretString, PENDING, request).accesskey ?? '';
  } catch {
    return ''; // parseSecretValue only refuses the value (InvalidSecretError)
  }
}

/** This rotation's AWSPENDING version, or undefined while it has no value. */
function readPendingVersion(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
): Promise<GetSecretValueCommandOutput | undefined> {
  return getSecretValueIfAny(secretsManager, {
    SecretId: request.secretId,
    VersionId: request.token,
    VersionStage: PENDING,
  });
}

/**
 * The value under `label`, or undefined if no version has it (or it has no value yet).
 * @throws InvalidSecretError if the value is not a JSON object of the expected shape.
 */
export async function readStagedValue(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
  label: Stage,
): Promise<KeySecretValue | undefined> {
  const response = await getSecretValueIfAny(secretsManager, { SecretId: request.secretId, VersionStage: label });
  return response === undefined ? undefined : parseSecretValue(response.SecretString, label, request);
}

/** GetSecretValue, with ResourceNotFoundException (no such version or value) as undefined. */
export async function getSecretValueIfAny(
  secretsManager: SecretsManagerClient,
  input: GetSecretValueCommandInput,
): Promise<GetSecretValueCommandOutput | undefined> {
  try {
    return await secretsManager.send(new GetSecretValueCommand(input));
  } catch (error) {
    if (isResourceNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The access key id named by the value under `label`, if any. A value that does not parse names no key
 * (with a warning): it must not block a rotation, and a key it may have named is then treated as unknown.
 */
export async function readStagedKeyId(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
  label: Stage,
  logger: { warn(message: string, context: { readonly error: unknown }): void },
): Promise<string | undefined> {
  try {
    return (await readStagedValue(secretsManager, request, label))?.accesskey;
  } catch (error) {
    if (error instanceof InvalidSecretError) {
      logger.warn(`the ${label} value names no access key we can read; ignoring it`, { error });
      return undefined;
    }
    throw error;
  }
}

/**
 * This rotation's new value, with the key it must carry.
 * @throws InvalidSecretError if the AWSPENDING version has no value yet, or the value lacks accesskey or secretkey.
 */
export async function readPendingValue(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
): Promise<KeySecretValue & { readonly accesskey: string; readonly secretkey: string }> {
  const pending = await readPendingVersion(secretsManager, request);
  if (pending === undefined) {
    throw new InvalidSecretError(request, 'the AWSPENDING version has no value: createSecret has not completed');
  }
  const value = parseSecretValue(pending.SecretString, PENDING, request);
  const { accesskey, secretkey } = value;
  if (accesskey === undefined || accesskey === '' || secretkey === undefined || secretkey === '') {
    throw new InvalidSecretError(request, 'the AWSPENDING value lacks an accesskey or a secretkey');
  }
  return { ...value, accesskey, secretkey };
}
