// The invariants of docs/design.md ("Invariants", numbered as there) as checks that return what they found: the one
// source for the scenarios that run outside jest (the throttled fleet, the benchmark) and for the end-to-end suites'
// assertions (test/support/invariants.ts). Each violation is one sentence naming the user and key ids, never a secret
// access key.
import { ATTEMPT_TAG_KEY, type PreviousKeyAction } from '../core/contract';
import { MAX_KEYS_PER_USER } from '../core/key-slots';
import type { RotationState, StoredAccessKey } from './aws-state';

/** What one look at a user found; inconclusive when AWSCURRENT moved while it looked (a rotation finished meanwhile). */
export type LiveKeySample =
  { readonly conclusive: false } | { readonly conclusive: true; readonly violations: readonly string[] };

/** An IAM user ARN whose last segment (the name, whatever the path) is `userName`. */
const isUserArn = (arn: string, userName: string): boolean =>
  /^arn:[\w-]+:iam::\d{12}:user\//.test(arn) && arn.split('/').pop() === userName;

/** Invariant (1) for the value `current`: it names the user, and its key is Active and authenticates as the user. */
async function liveKeyViolations(
  state: RotationState,
  userName: string,
  current: StoredAccessKey,
  keys: ReadonlyMap<string, string>,
): Promise<string[]> {
  const violations: string[] = [];
  if (current.username !== userName)
    violations.push(`${userName}: the AWSCURRENT value names ${String(current.username)}`);
  if (keys.get(current.accesskey) !== 'Active') {
    violations.push(
      `${userName}: the AWSCURRENT key ${current.accesskey} is ${keys.get(current.accesskey) ?? 'gone from IAM'}`,
    );
  }
  const check = await state.checkKey(current);
  if (!('arn' in check) || !isUserArn(check.arn, userName)) {
    violations.push(
      `${userName}: the AWSCURRENT key ${current.accesskey} does not authenticate as the user (${'arn' in check ? check.arn : check.errorCode})`,
    );
  }
  return violations;
}

/** The user's AWSCURRENT value and keys (access key id -> status, as IAM lists them) at one look. */
export interface UserKeys {
  readonly current: StoredAccessKey;
  readonly keys: ReadonlyMap<string, string>;
}

async function keysOf(state: RotationState, userName: string): Promise<Map<string, string>> {
  return new Map((await state.keys(userName)).map((key) => [key.AccessKeyId ?? '', key.Status ?? '']));
}

function keyCountViolations(userName: string, keys: ReadonlyMap<string, string>): string[] {
  return keys.size > MAX_KEYS_PER_USER
    ? [`${userName}: holds ${keys.size} access keys (${[...keys.keys()].join(', ')})`]
    : [];
}

/**
 * Invariants (1) and (2) at one moment, while rotations may be running: the AWSCURRENT value authenticates as its user
 * with an Active key, and the user holds at most two keys. The current value is read first and again last: if it
 * moved in between, a rotation finished during the look and the sample proves nothing about invariant (1).
 */
export async function sampleLiveKey(state: RotationState, secretId: string, userName: string): Promise<LiveKeySample> {
  const first = await state.currentVersion(secretId);
  if (first === undefined) return { conclusive: true, violations: [`${userName}: the secret has no AWSCURRENT value`] };
  const keys = await keysOf(state, userName);
  const count = keyCountViolations(userName, keys);
  const live = await liveKeyViolations(state, userName, first.value, keys);
  const again = await state.currentVersion(secretId);
  if (again?.versionId !== first.versionId)
    return count.length > 0 ? { conclusive: true, violations: count } : { conclusive: false };
  return { conclusive: true, violations: [...count, ...live] };
}

/**
 * Invariants (1) and (2) now, when no rotation runs: the AWSCURRENT value authenticates as its user with an Active
 * key, and the user holds at most two keys; with what was looked at.
 */
export async function liveKeyCheck(
  state: RotationState,
  secretId: string,
  userName: string,
): Promise<{ readonly look?: UserKeys; readonly violations: string[] }> {
  const current = await state.currentVersion(secretId);
  if (current === undefined) return { violations: [`${userName}: the secret has no AWSCURRENT value`] };
  const keys = await keysOf(state, userName);
  const violations = [
    ...keyCountViolations(userName, keys),
    ...(await liveKeyViolations(state, userName, current.value, keys)),
  ];
  return { look: { current: current.value, keys }, violations };
}

/**
 * Invariant (3) for a user whose AWSCURRENT key was `keyBefore`: it rotated to a new AWSCURRENT key, and besides it
 * the user holds at most the key that was current before, no other (an orphan).
 */
export function rotationViolations(userName: string, { current, keys }: UserKeys, keyBefore: string): string[] {
  const violations: string[] = [];
  if (current.accesskey === keyBefore)
    violations.push(`${userName}: did not rotate (AWSCURRENT still holds ${keyBefore})`);
  for (const [keyId, status] of keys) {
    if (keyId !== current.accesskey && keyId !== keyBefore) {
      violations.push(
        `${userName}: holds the orphan key ${keyId} (${status}), neither AWSCURRENT nor the key it replaced`,
      );
    }
  }
  return violations;
}

/**
 * Invariants (1) to (3) once rotations have converged, for a user whose AWSCURRENT key was `keyBefore`: it rotated
 * to exactly one new AWSCURRENT key, which authenticates as the user; besides it the user holds at most the key that
 * was current before (AWSPREVIOUS), Inactive under `deactivate`, and no other (an orphan); the rotation is finished (no
 * AWSPENDING version, no attempt marker).
 */
export async function convergedViolations(
  state: RotationState,
  secretId: string,
  userName: string,
  keyBefore: string,
  previousKeyAction: PreviousKeyAction,
): Promise<string[]> {
  const { look, violations } = await liveKeyCheck(state, secretId, userName);
  if (look === undefined) return violations;
  violations.push(...rotationViolations(userName, look, keyBefore));
  const previousStatus = look.keys.get(keyBefore);
  if (previousKeyAction === 'deactivate' && previousStatus !== undefined && previousStatus !== 'Inactive') {
    violations.push(`${userName}: the previous key ${keyBefore} is ${previousStatus}, not Inactive`);
  }
  const { stages, tags } = await state.labels(secretId);
  const pending = Object.entries(stages)
    .filter(([, labels]) => labels.includes('AWSPENDING'))
    .map(([id]) => id);
  if (pending.length > 0) violations.push(`${userName}: AWSPENDING is still on version ${pending.join(', ')}`);
  if (ATTEMPT_TAG_KEY in tags)
    violations.push(`${userName}: the attempt marker is still on the secret (${tags[ATTEMPT_TAG_KEY]})`);
  return violations;
}
