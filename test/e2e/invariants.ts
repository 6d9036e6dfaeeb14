// The invariants of docs/design.md ("Invariants", numbered as there), checked against the emulator's IAM, STS and
// Secrets Manager state.
import { ATTEMPT_TAG_KEY, type PreviousKeyAction } from '../../core/contract';
import { MAX_KEYS_PER_USER } from '../../core/key-slots';
import type { RotationState, StoredAccessKey } from '../../emulator/aws-state';

export interface UserSnapshot {
  readonly current: StoredAccessKey;
  /** Access key id -> status, as IAM lists them. */
  readonly keys: ReadonlyMap<string, string>;
}

export async function snapshot(state: RotationState, secretId: string, userName: string): Promise<UserSnapshot> {
  const current = await state.currentValue(secretId);
  if (current === undefined) throw new Error(`secret ${secretId} has no AWSCURRENT value`);
  const keys = new Map((await state.keys(userName)).map((key) => [key.AccessKeyId ?? '', key.Status ?? '']));
  return { current, keys };
}

/**
 * Invariants (1) and (2), which hold at every moment, failures included: the AWSCURRENT value names the
 * user and authenticates as them with an Active key, and the user holds at most two keys.
 */
export async function expectLiveKeyIntact(state: RotationState, secretId: string, userName: string): Promise<UserSnapshot> {
  const now = await snapshot(state, secretId, userName);
  expect(now.current.username).toBe(userName);
  expect(now.keys.get(now.current.accesskey)).toBe('Active');
  expect(now.keys.size).toBeLessThanOrEqual(MAX_KEYS_PER_USER);
  expect(await state.checkKey(now.current)).toEqual({ arn: expect.stringMatching(new RegExp(`:user/${userName}$`)) });
  return now;
}

/**
 * Invariant (3), after a rotation succeeded: exactly one new AWSCURRENT key, and besides it at most the key
 * that was current before (`before`), which the previous-key action left Active (`keep`) or Inactive.
 */
export async function expectConvergedAfter(
  state: RotationState,
  secretId: string,
  userName: string,
  before: UserSnapshot,
): Promise<UserSnapshot> {
  const after = await expectLiveKeyIntact(state, secretId, userName);
  expect(after.current.accesskey).not.toBe(before.current.accesskey);
  const others = [...after.keys.keys()].filter((id) => id !== after.current.accesskey);
  expect(others.every((id) => id === before.current.accesskey)).toBe(true);
  return after;
}

/**
 * A rotation that converged is also finished: no version keeps AWSPENDING (the next rotation can start), the attempt
 * marker is gone, and the key that was current before is in the state the previous-key action asks for.
 */
export async function expectRotationFinished(
  state: RotationState,
  secretId: string,
  userName: string,
  before: UserSnapshot,
  previousKeyAction: PreviousKeyAction,
): Promise<UserSnapshot> {
  const after = await expectConvergedAfter(state, secretId, userName, before);
  const { stages, tags } = await state.labels(secretId);
  expect(Object.entries(stages).filter(([, labels]) => labels.includes('AWSPENDING'))).toEqual([]);
  expect(Object.keys(tags)).not.toContain(ATTEMPT_TAG_KEY);
  const previousStatus = after.keys.get(before.current.accesskey);
  expect(previousStatus).toBe(previousKeyAction === 'deactivate' ? 'Inactive' : 'Active');
  return after;
}
