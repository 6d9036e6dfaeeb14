// Issue 9's proof: a fleet of 200 secrets rotated at once while IAM throttles one call in three converges, retried
// rotation by rotation, with no invariant violated while it runs or after. One run (emulator/throttled-fleet.ts) in
// beforeAll; the tests read its result.
import { runThrottledFleet, type ThrottledFleetResult } from '../../emulator/throttled-fleet';
import { describeWithEmulator } from '../support/tools';

const SECRETS = 200;
const THROTTLE_EVERY = 3;

describeWithEmulator('a fleet rotated at once while IAM throttles one call in three', () => {
  let result: ThrottledFleetResult;

  beforeAll(async () => {
    const started = Date.now();
    result = await runThrottledFleet({ secrets: SECRETS, throttleEvery: THROTTLE_EVERY });
    const { violations, ...figures } = result;
    process.stdout.write(
      `\nThrottled fleet (${Date.now() - started} ms in all): ${JSON.stringify({ ...figures, violations: violations.length })}\n`,
    );
  }, 240_000);

  test('every rotation converged, with no invariant violated while rotating or after', () => {
    // The live key always authenticates as its user, at most two keys, the current key never lost; after convergence
    // one new AWSCURRENT key, the replaced one Inactive, no orphan, nothing pending (emulator/invariant-checks.ts).
    expect(result.violations).toEqual([]);
    expect(result.secrets).toBe(SECRETS);
    expect(result.failedByRound[result.failedByRound.length - 1]).toBe(0);
  });

  test('the invariants were watched while the fleet rotated, not only after', () => {
    expect(result.liveSamples).toBeGreaterThan(0);
  });

  test('IAM really throttled one call in three, the function among the callers', () => {
    expect(result.iamCalls).toBeGreaterThanOrEqual(2 * SECRETS);
    expect(result.faultsInjected).toBe(Math.floor(result.iamCalls / THROTTLE_EVERY));
    expect(result.functionCallsThrottled).toBeGreaterThan(0);
    expect(result.functionCallsThrottled).toBeLessThanOrEqual(result.faultsInjected);
  });

  test('the SDK retried throttled calls by itself', () => {
    expect(result.sdkRetries).toBeGreaterThan(0);
    expect(result.functionCalls).toBeGreaterThan(result.sdkRetries);
  });
});
