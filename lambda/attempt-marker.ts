import type { AccessKeyMetadata } from '@aws-sdk/client-iam';
import { TagResourceCommand, UntagResourceCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ATTEMPT_TAG_KEY } from '../core/contract';
import type { RotationRequest } from '../core/rotation-request';

/**
 * The window in which one createSecret attempt may create a key, recorded on the secret (tag ATTEMPT_TAG_KEY)
 * before it calls CreateAccessKey. A key created inside the window of an attempt of this rotation that
 * could not store it is provably that attempt's orphan; any other key the secret does not name is not ours.
 */
export interface AttemptMarker {
  readonly token: string;
  /** Epoch milliseconds, on the function's clock. */
  readonly start: number;
  /** When the attempt ended, or (while it runs) the latest it can end: its invocation's deadline. */
  readonly end: number;
  readonly ended: boolean;
}

/**
 * How far the clocks of the function's hosts and IAM's may disagree. IAM also reports CreateDate in whole seconds, so the
 * window is widened by this much on both sides.
 */
export const CLOCK_TOLERANCE_MS = 5_000;

const MARKER_PATTERN = /^(\S+) (\S+) (\S+) (running|ended)$/;

/** `<token> <start> <end> running|ended`, times in ISO 8601. */
export function formatAttemptMarker(marker: AttemptMarker): string {
  const state = marker.ended ? 'ended' : 'running';
  return `${marker.token} ${new Date(marker.start).toISOString()} ${new Date(marker.end).toISOString()} ${state}`;
}

/** The marker a tag value describes, or undefined if it is not one this function wrote. */
export function parseAttemptMarker(value: string | undefined): AttemptMarker | undefined {
  const match = value === undefined ? null : MARKER_PATTERN.exec(value);
  if (match === null) {
    return undefined;
  }
  const start = Date.parse(match[2]);
  const end = Date.parse(match[3]);
  return Number.isNaN(start) || Number.isNaN(end) || end < start
    ? undefined
    : { token: match[1], start, end, ended: match[4] === 'ended' };
}

/** Whether the attempt may still be running at `now`: it did not record its end, and its deadline is not safely past. */
export function mayStillRun(marker: AttemptMarker, now: number): boolean {
  return !marker.ended && now <= marker.end + CLOCK_TOLERANCE_MS;
}

/** Keys, other than the AWSCURRENT key, that IAM dates inside the marker's window. */
export function keysCreatedDuring(
  marker: AttemptMarker,
  keys: readonly AccessKeyMetadata[],
  currentKeyId: string | undefined,
): string[] {
  const from = marker.start - CLOCK_TOLERANCE_MS;
  const to = marker.end + CLOCK_TOLERANCE_MS;
  return keys.flatMap(({ AccessKeyId: accessKeyId, CreateDate: created }) =>
    accessKeyId !== undefined &&
    accessKeyId !== currentKeyId &&
    created !== undefined &&
    created.getTime() >= from &&
    created.getTime() <= to
      ? [accessKeyId]
      : [],
  );
}

/** Records (or replaces) the marker on the secret. */
export async function writeAttemptMarker(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
  marker: AttemptMarker,
): Promise<void> {
  await secretsManager.send(
    new TagResourceCommand({
      SecretId: request.secretId,
      Tags: [{ Key: ATTEMPT_TAG_KEY, Value: formatAttemptMarker(marker) }],
    }),
  );
}

export async function removeAttemptMarker(
  secretsManager: SecretsManagerClient,
  request: RotationRequest,
): Promise<void> {
  await secretsManager.send(new UntagResourceCommand({ SecretId: request.secretId, TagKeys: [ATTEMPT_TAG_KEY] }));
}
