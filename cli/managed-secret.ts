import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { USER_TAG_KEY, PREVIOUS_KEY_POLICY_TAG_KEY } from '../core/contract';
import { isResourceNotFound } from '../core/aws-errors';
import { previousKeyPolicyOf, type ResolvedPreviousKeyPolicy } from '../core/previous-key-policy';
import { explainAwsError } from './aws-errors';
import { NotManagedError } from './errors';
import {
  bindingProblemOf,
  coversSecret,
  functionNameOf,
  type RotationFunctionSettings,
} from './rotation-function-settings';

/** A secret the CLI may act on: it exists, carries the user tag, and its rotation function manages it for that user. */
export interface ResolvedSecret {
  readonly arn: string;
  readonly name: string;
  readonly userName: string;
  readonly rotationEnabled: boolean;
  readonly rotationLambdaArn: string;
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>>;
  readonly previousKeyPolicy: ResolvedPreviousKeyPolicy;
  /** What could not be checked (the function's configuration), for the operator. */
  readonly note?: string;
}

/**
 * DescribeSecret, then the checks that make a secret iam-key-rotation's: the user tag, a rotation function, and that
 * function's MANAGED_SECRETS (when its configuration can be read), which the secret must match and bind its user by.
 * @throws NotManagedError (exit 3) when the secret does not exist or fails a check; explainAwsError's errors otherwise.
 */
export async function resolveManagedSecret(
  secretId: string,
  secretsManager: SecretsManagerClient,
  functions: RotationFunctionSettings,
): Promise<ResolvedSecret> {
  let described: DescribeSecretCommandOutput;
  try {
    described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isResourceNotFound(error)) {
      throw new NotManagedError(`secret ${secretId} does not exist (in this account and region)`);
    }
    throw explainAwsError(error, `reading secret ${secretId} (DescribeSecret)`);
  }
  const notManaged = (why: string): NotManagedError =>
    new NotManagedError(`secret ${secretId} is not managed by iam-key-rotation: ${why}`);
  if (described.DeletedDate !== undefined) throw new NotManagedError(`secret ${secretId} is scheduled for deletion`);
  const tag = (key: string): string | undefined => described.Tags?.find((candidate) => candidate.Key === key)?.Value;
  const userName = tag(USER_TAG_KEY)?.trim() ?? '';
  if (userName === '') throw notManaged(`it has no ${USER_TAG_KEY} tag naming the user whose key it holds`);
  const arn = described.ARN ?? secretId;
  const rotationLambdaArn = described.RotationLambdaARN;
  if (rotationLambdaArn === undefined || rotationLambdaArn === '')
    throw notManaged('no rotation function is configured on it');
  const settings = await functions.of(rotationLambdaArn);
  if (!coversSecret(settings, arn)) {
    throw notManaged(
      `its rotation function ${functionNameOf(rotationLambdaArn)} does not cover it (MANAGED_SECRETS of the function)`,
    );
  }
  const name = described.Name ?? secretId;
  const unbound = bindingProblemOf(settings, name, userName);
  if (unbound !== undefined) throw notManaged(unbound);
  return {
    arn,
    name,
    userName,
    rotationEnabled: described.RotationEnabled === true,
    rotationLambdaArn,
    versionIdsToStages: described.VersionIdsToStages ?? {},
    previousKeyPolicy: previousKeyPolicyOf(tag(PREVIOUS_KEY_POLICY_TAG_KEY), settings.previousKeyPolicy),
    ...(settings.note === undefined ? {} : { note: settings.note }),
  };
}
