/**
 * SDK v3 names service errors after their error code; matching the name keeps the checks independent of
 * which copy of a client package created the error (bundle, tests, mocks).
 */
export function hasErrorName(error: unknown, ...names: readonly string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/** Secrets Manager: no such secret, version or value. */
export const isResourceNotFound = (error: unknown): boolean => hasErrorName(error, 'ResourceNotFoundException');

/** IAM: no such user or key. */
export const isNoSuchEntity = (error: unknown): boolean => hasErrorName(error, 'NoSuchEntityException', 'NoSuchEntity');

/** STS: the key is unknown to AWS (yet) or its secret does not match (yet): both happen while a new key propagates. */
export const isKeyNotYetValid = (error: unknown): boolean =>
  hasErrorName(error, 'InvalidClientTokenId', 'SignatureDoesNotMatch');

/**
 * The service refused the call for its request rate (IAM and STS `Throttling`, Secrets Manager `ThrottlingException`,
 * SNS `Throttled`), and the SDK's retries did not get it through either.
 */
export const isThrottling = (error: unknown): boolean =>
  hasErrorName(
    error,
    'Throttling',
    'ThrottlingException',
    'Throttled',
    'TooManyRequestsException',
    'RequestLimitExceeded',
  );
