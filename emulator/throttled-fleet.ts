// The throttled fleet: a whole stack's secrets rotated at once while IAM throttles, retried until every rotation
// converges, with the invariants of docs/design.md checked while it runs and after. The end-to-end test
// (test/e2e/throttled-fleet.test.ts) and the benchmark run it.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { Agent } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PreviousKeyAction } from '../core/contract';
import { RotationState } from './aws-state';
import { type Emulator, startEmulator, throttlingFault } from './emulator';
import { deployFleetStack, inBatches } from './fleet-stack';
import { convergedViolations, sampleLiveKey } from './invariant-checks';

/**
 * Inputs of the scenario. Only `secrets` and `throttleEvery` are required: by default it starts its own emulator
 * (warm function processes, IAM auth on) and a temporary folder, and removes both at the end.
 */
export interface ThrottledFleetOptions {
  /** Managed secrets, one IAM user each, all rotated at once (200 in the test). */
  readonly secrets: number;
  /** IAM fails one call in this many with `Throttling` while the fleet rotates and retries (3: one in three). */
  readonly throttleEvery: number;
  /**
   * A running emulator to use; it should reuse function processes (a new Node process per step costs 0.2 s of CPU) and
   * have IAM auth on (the invariants need STS to reject a deleted key).
   * @default - one started for the run, with reuseFunctionProcesses and maxConcurrentInvocations
   */
  readonly emulator?: Emulator;
  /**
   * Function invocations the started emulator runs at once. More than the cores: a throttled call's retry waits inside
   * the function (the SDK's backoff), holding its slot.
   * @default 48
   */
  readonly maxConcurrentInvocations?: number;
  /** Where the stacks and Terraform's state go. @default - a temporary folder, removed at the end */
  readonly workDir?: string;
  /** The stack's `name` (so its secrets are `<name>/<user>`), and its users' prefix. @default 'throttled-fleet' */
  readonly name?: string;
  /** The stack's previous-key policy. @default 'deactivate' - so finishSecret makes an IAM call too */
  readonly previousKeyAction?: PreviousKeyAction;
  /** Tries of RotateSecret per secret before the run gives up: the one at once, then retries of a failed one. @default 10 */
  readonly maxRounds?: number;
  /** Pause between two invariant samples while rotations run, in milliseconds. @default 100 */
  readonly sampleIntervalMs?: number;
  /** Progress lines. @default - none */
  readonly log?: (line: string) => void;
}

export interface ThrottledFleetResult {
  readonly secrets: number;
  readonly throttleEvery: number;
  /** Deploying the stack and every secret's first rotation, unthrottled, in milliseconds. */
  readonly setupMs: number;
  /** From the RotateSecret calls at once to the last rotation converged, in milliseconds. */
  readonly convergeMs: number;
  /** Tries of RotateSecret the slowest secret took: 1 if none failed. */
  readonly rounds: number;
  /** Rotations that failed at their first try, second, ...; the last entry is 0 once all converged. */
  readonly failedByRound: readonly number[];
  /** IAM calls made while the fleet rotated (the function's and the invariant monitor's). */
  readonly iamCalls: number;
  /** Of those, the calls the emulator throttled: one in `throttleEvery`. */
  readonly faultsInjected: number;
  /** Of those, calls the rotation function made. */
  readonly functionCallsThrottled: number;
  /** Calls the rotation function made while the fleet rotated, retries included. */
  readonly functionCalls: number;
  /** The function's calls that were an SDK retry (attempt 2 or later): calls made minus calls needed. */
  readonly sdkRetries: number;
  /** Invariant looks at a user while rotations ran (inconclusive ones, where a rotation finished meanwhile, excluded). */
  readonly liveSamples: number;
  /** Every invariant violation seen, while rotating and after convergence; empty when the fleet is safe. */
  readonly violations: readonly string[];
}

const DEFAULT_NAME = 'throttled-fleet';
const DEFAULT_MAX_CONCURRENT_INVOCATIONS = 48;
const DEFAULT_MAX_ROUNDS = 10;
/** The monitor's own calls are throttled too: enough tries that it never gives up. */
const MONITOR_MAX_ATTEMPTS = 10;

export async function runThrottledFleet(options: ThrottledFleetOptions): Promise<ThrottledFleetResult> {
  if (!Number.isSafeInteger(options.secrets) || options.secrets < 1)
    throw new Error(`secrets must be a whole number of 1 or more, got ${options.secrets}`);
  if (!Number.isSafeInteger(options.throttleEvery) || options.throttleEvery < 1) {
    throw new Error(`throttleEvery must be a whole number of 1 or more, got ${options.throttleEvery}`);
  }
  const log = options.log ?? (() => undefined);
  const ownEmulator = options.emulator === undefined;
  const emulator =
    options.emulator ??
    (await startEmulator({
      reuseFunctionProcesses: true,
      maxConcurrentInvocations: options.maxConcurrentInvocations ?? DEFAULT_MAX_CONCURRENT_INVOCATIONS,
    }));
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-fleet-'));
  try {
    if (ownEmulator) await emulator.enableIamAuth();
    return await run(emulator, workDir, options, log);
  } finally {
    if (ownEmulator) await emulator.stop();
    if (ownWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function run(
  emulator: Emulator,
  workDir: string,
  options: ThrottledFleetOptions,
  log: (line: string) => void,
): Promise<ThrottledFleetResult> {
  const name = options.name ?? DEFAULT_NAME;
  const previousKeyAction = options.previousKeyAction ?? 'deactivate';
  const users = Array.from({ length: options.secrets }, (_, i) => `${name}-${String(i + 1).padStart(4, '0')}`);

  // Setup: the stack, and every secret rotated once (its first key), unthrottled
  const setupStarted = Date.now();
  const config = {
    region: emulator.region,
    name,
    // moto stores a schedule expression as rotation disabled: days keep plans and the handler's checks true.
    schedule: { automaticallyAfterDays: 30 },
    previousKeyAction,
    logRetentionInDays: 1,
    users: users.map((user) => ({ name: user, createUser: true })),
  };
  const stack = await deployFleetStack(emulator, { config, workDir, log, rotationConcurrency: 48 });
  const setupMs = Date.now() - setupStarted;
  log(
    `fleet: ${users.length} users deployed and rotated once in ${setupMs} ms (SDK added ${JSON.stringify(stack.added)})`,
  );

  const state = new RotationState(emulator, { maxAttempts: MONITOR_MAX_ATTEMPTS });
  const rotations = new SecretsManagerClient({
    ...emulator.clientConfig(),
    // Every RotateSecret in flight at once, not the SDK's default of 50 sockets per host.
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: users.length }) },
  });
  const violations: string[] = [];
  try {
    const keyBefore = new Map<string, string>();
    await inBatches(users, 8, async (user) => {
      const current = await state.currentValue(stack.secretArns[user]);
      if (current === undefined) throw new Error(`${user} has no key after the fleet's first rotation`);
      keyBefore.set(user, current.accesskey);
    });

    // The run: IAM throttles one call in `throttleEvery`, every secret rotates at once, failed ones are retried
    await emulator.clearCalls();
    const fault = await emulator.injectFault(throttlingFault('iam', options.throttleEvery));
    const monitor = startMonitor(state, users, stack.secretArns, options.sampleIntervalMs ?? 100, violations);
    const started = Date.now();
    const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
    const failedByRound: number[] = [];
    const pending: string[] = [];
    let convergeMs: number;
    let liveSamples: number;
    let faultsInjected: number;
    let iamCalls: number;
    try {
      // Each secret retries its own rotation as soon as it failed, with its version's token, as Secrets Manager retries
      // a rotation (a new token would start another rotation instead of finishing this one).
      await Promise.all(
        users.map(async (user) => {
          const token = randomUUID();
          for (let round = 1; round <= maxRounds; round += 1) {
            try {
              await rotations.send(
                new RotateSecretCommand({ SecretId: stack.secretArns[user], ClientRequestToken: token }),
              );
              return;
            } catch (error) {
              failedByRound[round - 1] = (failedByRound[round - 1] ?? 0) + 1;
              if (failedByRound[round - 1] <= 3)
                log(`fleet: ${user} failed in round ${round}: ${(error as Error).message.slice(0, 300)}`);
            }
          }
          pending.push(user);
        }),
      );
      convergeMs = Date.now() - started;
    } finally {
      liveSamples = await monitor.stop();
      ({ fired: faultsInjected, seen: iamCalls } = await emulator.removeFault(fault.id));
    }
    const rounds = failedByRound.length + (pending.length === 0 ? 1 : 0);
    log(`fleet: converged in ${convergeMs} ms; failed rotations by round: ${JSON.stringify(failedByRound)}`);
    if (pending.length > 0)
      violations.push(
        `${pending.length} rotations had not converged after ${maxRounds} rounds: ${pending.slice(0, 5).join(', ')}`,
      );

    // Afterwards every user must have converged: one new AWSCURRENT key, the old one Inactive, no orphan, nothing pending
    const roleSession = `:assumed-role/${stack.roleArn.split('/').pop()}/`;
    const functionCalls = (await emulator.calls()).filter((call) => call.principal?.includes(roleSession) === true);
    await inBatches(users, 16, async (user) => {
      violations.push(
        ...(await convergedViolations(
          state,
          stack.secretArns[user],
          user,
          keyBefore.get(user) ?? '',
          previousKeyAction,
        )),
      );
    });
    const result: ThrottledFleetResult = {
      secrets: users.length,
      throttleEvery: options.throttleEvery,
      setupMs,
      convergeMs,
      rounds,
      failedByRound: [...failedByRound, ...(pending.length === 0 ? [0] : [])],
      iamCalls,
      faultsInjected,
      functionCallsThrottled: functionCalls.filter((call) => call.injectedFault).length,
      functionCalls: functionCalls.length,
      sdkRetries: functionCalls.filter((call) => (call.attempt ?? 1) > 1).length,
      liveSamples,
      violations,
    };
    log(`fleet: ${JSON.stringify({ ...result, violations: violations.length })}`);
    return result;
  } finally {
    state.close();
    rotations.destroy();
  }
}

/** Looks at one user after another until stopped, adding what it finds to `violations`; stop() says how many looks counted. */
function startMonitor(
  state: RotationState,
  users: readonly string[],
  secretArns: Readonly<Record<string, string>>,
  intervalMs: number,
  violations: string[],
): { stop: () => Promise<number> } {
  let stopped = false;
  let samples = 0;
  const loop = (async () => {
    for (let i = 0; !stopped; i += 1) {
      const user = users[i % users.length];
      try {
        const sample = await sampleLiveKey(state, secretArns[user], user);
        if (sample.conclusive) {
          samples += 1;
          violations.push(...sample.violations.map((violation) => `while rotating: ${violation}`));
        }
      } catch (error) {
        // Unobserved is not safe: the run must not pass on a look that could not be made.
        violations.push(
          `while rotating: could not look at ${user} (${(error as Error).name}: ${(error as Error).message})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
