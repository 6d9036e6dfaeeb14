/**
 * Every failure the rotation function raises on purpose is a RotationError, so callers (and the logs) can
 * tell a refused rotation from an AWS outage. Messages name the secret, the step and what is wrong; they
 * never contain a secret access key or a secret value.
 */

/** Where a failure happened: enough for a reader of the message to find the rotation. */
export interface RotationScope {
  readonly secretId?: string;
  readonly step?: string;
  readonly token?: string;
}

/** `createSecret for secret arn:... (version 1234)`, leaving out what is not known yet. */
export function describeScope(scope: RotationScope): string {
  const step = scope.step ?? 'rotation';
  const secret = scope.secretId === undefined ? '' : ` for secret ${scope.secretId}`;
  const version = scope.token === undefined ? '' : ` (version ${scope.token})`;
  return `${step}${secret}${version}`;
}

// Each class spells its name out: the bundle is minified, so constructor names would not survive.
export class RotationError extends Error {
  override name = 'RotationError';

  constructor(scope: RotationScope, problem: string, options?: { cause?: unknown }) {
    super(`${describeScope(scope)}: ${problem}`, options);
  }
}

/** The invocation event is not a Secrets Manager rotation event. */
export class InvalidEventError extends RotationError {
  override name = 'InvalidEventError';
}

/** The function's environment holds an invalid setting. */
export class ConfigurationError extends RotationError {
  override name = 'ConfigurationError';
}

/** The secret does not have rotation enabled. */
export class RotationNotEnabledError extends RotationError {
  override name = 'RotationNotEnabledError';
}

/** The request token is not a version of the secret. */
export class UnknownVersionError extends RotationError {
  override name = 'UnknownVersionError';
}

/** The request token is a version of the secret but neither AWSCURRENT nor AWSPENDING. */
export class VersionNotPendingError extends RotationError {
  override name = 'VersionNotPendingError';
}

/** The secret has no `iam-key-rotation:user` tag, so it names no user to rotate. */
export class MissingUserTagError extends RotationError {
  override name = 'MissingUserTagError';
}

/** A secret value is not a JSON object of the expected shape. */
export class InvalidSecretError extends RotationError {
  override name = 'InvalidSecretError';
}

/** The user the secret rotates does not exist in IAM. */
export class UserNotFoundError extends RotationError {
  override name = 'UserNotFoundError';
}

/** The secret's tag and its value name different users. */
export class UserMismatchError extends RotationError {
  override name = 'UserMismatchError';
}

/** The user holds an active key that no version of the secret accounts for; it is not ours to delete. */
export class UnmanagedKeyError extends RotationError {
  override name = 'UnmanagedKeyError';

  constructor(
    scope: RotationScope,
    problem: string,
    readonly accessKeyIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(scope, problem, options);
  }
}

/** The secret is not one of the stack's (MANAGED_SECRETS): the function refuses to act on it. */
export class UnmanagedSecretError extends RotationError {
  override name = 'UnmanagedSecretError';
}

/** An AWS call answered without what the rotation needs (e.g. CreateAccessKey without the key). */
export class UnexpectedResponseError extends RotationError {
  override name = 'UnexpectedResponseError';
}

/** An earlier attempt of this rotation's createSecret may still be running; acting now could race it. */
export class AttemptInProgressError extends RotationError {
  override name = 'AttemptInProgressError';
}

/** The pending key does not authenticate as the managed user. */
export class KeyTestFailedError extends RotationError {
  override name = 'KeyTestFailedError';
}
