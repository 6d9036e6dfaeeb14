/** The SDK's retry strategies, as AWS_RETRY_MODE names them. */
export type RetryMode = 'standard' | 'adaptive' | 'legacy';

/**
 * Retry settings for every SDK client of the function: adaptive retries, i.e. the standard retries with backoff plus a
 * client-side rate limiter that slows the container's calls once a service throttles, so a fleet rotating at once backs
 * off instead of spending its retries. Unless the function's environment chooses (AWS_RETRY_MODE, which the SDK then
 * reads itself).
 */
export function sdkRetrySettings(env: Readonly<Record<string, string | undefined>>): {
  readonly retryMode?: RetryMode;
} {
  return (env.AWS_RETRY_MODE ?? '').trim() === '' ? { retryMode: 'adaptive' } : {};
}
