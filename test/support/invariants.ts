// The end-to-end suites' assertions of the invariants of docs/design.md ("Invariants"), on the checks of
// emulator/invariant-checks.ts, their one source.
import type { PreviousKeyAction } from '../../core/contract';
import type { RotationState } from '../../emulator/aws-state';
import { convergedViolations, liveKeyCheck, rotationViolations, type UserKeys } from '../../emulator/invariant-checks';

export type UserSnapshot = UserKeys;

/**
 * Invariants (1) and (2), which hold at every moment, failures included: the AWSCURRENT value names the
 * user and authenticates as them with an Active key, and the user holds at most two keys.
 */
export async function expectLiveKeyIntact(
  state: RotationState,
  secretId: string,
  userName: string,
): Promise<UserSnapshot> {
  const { look, violations } = await liveKeyCheck(state, secretId, userName);
  expect(violations).toEqual([]);
  if (look === undefined) throw new Error(`secret ${secretId} has no AWSCURRENT value`);
  return look;
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
  expect(rotationViolations(userName, after, before.current.accesskey)).toEqual([]);
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
  expect(await convergedViolations(state, secretId, userName, before.current.accesskey, previousKeyAction)).toEqual([]);
  expect(after.keys.get(before.current.accesskey)).toBe(previousKeyAction === 'deactivate' ? 'Inactive' : 'Active');
  return after;
}
