import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ATTEMPT_TAG_KEY, PREVIOUS_KEY_POLICY_TAG_KEY, USER_TAG_KEY } from '../contract';
import { MissingUserTagError, RotationNotEnabledError, UnknownVersionError, VersionNotPendingError } from '../errors';
import type { RotationRequest } from '../rotation-request';
import { secretNameOf } from './name';
import { CURRENT, PENDING } from './stages';

/** What the steps need to know about the secret, from one DescribeSecret call. */
export interface SecretMetadata {
  readonly arn: string;
  /** The secret's name, as DescribeSecret states it (an ARN ends in `-` and six more characters). */
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** The value of the `iam-key-rotation:user` tag, if the secret has a non-empty one. */
  readonly userTag?: string;
  /** The value of the attempt marker tag, if createSecret left one (see attempt-marker.ts). */
  readonly attemptTag?: string;
  /** The secret's own previous-key policy, as its tag states it (see previous-key-policy.ts). */
  readonly previousKeyPolicyTag?: string;
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>>;
}

/** Calls DescribeSecret; AWS errors (such as ResourceNotFoundException) pass through. */
export async function describeSecret(secretsManager: SecretsManagerClient, secretId: string): Promise<SecretMetadata> {
  const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  const userTag = described.Tags?.find((tag) => tag.Key === USER_TAG_KEY)?.Value?.trim();
  const arn = described.ARN ?? secretId;
  return {
    arn,
    name: described.Name ?? secretNameOf(arn),
    rotationEnabled: described.RotationEnabled === true,
    userTag: userTag === '' ? undefined : userTag,
    attemptTag: described.Tags?.find((tag) => tag.Key === ATTEMPT_TAG_KEY)?.Value,
    previousKeyPolicyTag: described.Tags?.find((tag) => tag.Key === PREVIOUS_KEY_POLICY_TAG_KEY)?.Value,
    versionIdsToStages: described.VersionIdsToStages ?? {},
  };
}

/** The version that holds `stage`, if any. */
export function versionWithStage(
  secret: Pick<SecretMetadata, 'versionIdsToStages'>,
  stage: string,
): string | undefined {
  return Object.entries(secret.versionIdsToStages).find(([, stages]) => stages.includes(stage))?.[0];
}

/**
 * The checks of AWS's rotation template, in its order. Returns whether the step has anything to do:
 * `false` when the token is already AWSCURRENT (a retry after finishSecret).
 * @throws RotationNotEnabledError if the secret does not have rotation enabled.
 * @throws UnknownVersionError if the token is not a version of the secret.
 * @throws VersionNotPendingError if the token is neither AWSCURRENT nor AWSPENDING.
 */
export function checkRotationRequest(request: RotationRequest, metadata: SecretMetadata): boolean {
  if (!metadata.rotationEnabled) {
    throw new RotationNotEnabledError(request, 'rotation is not enabled on the secret');
  }
  const stages = metadata.versionIdsToStages[request.token];
  if (stages === undefined) {
    throw new UnknownVersionError(request, 'the request token is not a version of the secret');
  }
  if (stages.includes(CURRENT)) {
    return false;
  }
  if (!stages.includes(PENDING)) {
    const labels = stages.length === 0 ? 'no staging labels' : `staging labels ${stages.join(', ')}`;
    throw new VersionNotPendingError(request, `the version is not AWSPENDING (it has ${labels})`);
  }
  return true;
}

/**
 * The user the secret rotates. The tag, set by Terraform, is the authority; the value cannot override it.
 * @throws MissingUserTagError if the secret has no (non-empty) `iam-key-rotation:user` tag.
 */
export function managedUserName(request: RotationRequest, metadata: SecretMetadata): string {
  if (metadata.userTag === undefined) {
    throw new MissingUserTagError(request, `the secret has no ${USER_TAG_KEY} tag naming the IAM user to rotate`);
  }
  return metadata.userTag;
}
