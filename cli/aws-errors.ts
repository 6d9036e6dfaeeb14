import { AwsAccessError, CliError, CommandFailed } from './errors';

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'AuthorizationError',
  'UnauthorizedException',
]);
const REJECTED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'IncompleteSignature',
]);

export const CREDENTIALS_HELP =
  'Configure AWS credentials: pass --profile <name> (a profile of ~/.aws/config) or set AWS_PROFILE, ' +
  'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance, task or SSO role provides them ' +
  '(see https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html).';

/** Whether the error is about who is calling (no credentials, rejected ones, access denied), not about the request. */
export function isAccessProblem(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'CredentialsProviderError' ||
      ACCESS_DENIED.has(error.name) ||
      REJECTED_CREDENTIALS.has(error.name) ||
      isMissingRegion(error))
  );
}

export function isMissingRegion(error: Error): boolean {
  return /region is missing/i.test(error.message);
}

/**
 * The CliError to report for an error of an AWS call: credentials and access problems exit 4 with what to do, anything
 * else exits 1 with `doing` and the error. AWS error messages name principals and resources, never a secret key.
 */
export function explainAwsError(error: unknown, doing: string): CliError {
  if (error instanceof CliError) return error;
  if (!(error instanceof Error)) return new CommandFailed(`${doing} failed: ${String(error)}`);
  if (error.name === 'CredentialsProviderError') {
    return new AwsAccessError(`no AWS credentials found (${error.message}). ${CREDENTIALS_HELP}`, { cause: error });
  }
  if (isMissingRegion(error)) {
    return new AwsAccessError('no AWS region: pass --region <region>, set AWS_REGION, or set region in the profile.', {
      cause: error,
    });
  }
  if (ACCESS_DENIED.has(error.name)) {
    return new AwsAccessError(`access denied while ${doing}: ${error.message}`, { cause: error });
  }
  if (REJECTED_CREDENTIALS.has(error.name)) {
    return new AwsAccessError(
      `AWS rejected the credentials while ${doing} (${error.name}: ${error.message}). ${CREDENTIALS_HELP}`,
      { cause: error },
    );
  }
  return new CommandFailed(`${doing} failed: ${error.name}: ${error.message}`, { cause: error });
}
