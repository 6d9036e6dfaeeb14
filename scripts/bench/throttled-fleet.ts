// The throttled fleet rotation (issue 9, point 2) lives in emulator/throttled-fleet.ts, written separately:
// loaded at run time, so the bench runs with or without it, and its result read field by field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstErrorLine } from './measure';

const MODULE_BASE = path.join(__dirname, '..', '..', 'emulator', 'throttled-fleet');
const MODULE_EXTENSIONS = ['.ts', '.js'];

export type FleetFigures =
  | { readonly status: 'not available'; readonly reason: string }
  | { readonly status: 'failed'; readonly error: string; readonly wallMs: number }
  | {
      readonly status: 'measured';
      readonly wallMs: number;
      readonly secrets: number | undefined;
      readonly convergeMs: number | undefined;
      readonly rounds: number | undefined;
      readonly faultsInjected: number | undefined;
      readonly sdkRetries: number | undefined;
      /** A count, or the number of violations listed. */
      readonly violations: number | undefined;
    };

export interface FleetOptions {
  readonly secrets: number;
  readonly throttleEvery: number;
  readonly timeoutMs: number;
}

type RunThrottledFleet = (options: { secrets: number; throttleEvery: number }) => Promise<unknown>;

export async function measureThrottledFleet(options: FleetOptions): Promise<FleetFigures> {
  const file = MODULE_EXTENSIONS.map((extension) => MODULE_BASE + extension).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) return { status: 'not available', reason: 'emulator/throttled-fleet.ts does not exist yet' };
  const started = performance.now();
  const failed = (error: unknown): FleetFigures => ({
    status: 'failed',
    error: firstErrorLine(error instanceof Error ? error.message : String(error)),
    wallMs: performance.now() - started,
  });
  let loaded: unknown;
  try {
    loaded = await import(file);
  } catch (error) {
    return failed(error);
  }
  const run = isRecord(loaded) ? loaded.runThrottledFleet : undefined;
  if (typeof run !== 'function') return { status: 'not available', reason: `${path.basename(file)} exports no runThrottledFleet function` };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
  });
  try {
    const result = await Promise.race([(run as RunThrottledFleet)({ secrets: options.secrets, throttleEvery: options.throttleEvery }), timeout]);
    return { status: 'measured', wallMs: performance.now() - started, ...readFleetResult(result) };
  } catch (error) {
    return failed(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The figures of runThrottledFleet's result, each undefined when absent or not a number. */
export function readFleetResult(result: unknown): Omit<Extract<FleetFigures, { status: 'measured' }>, 'status' | 'wallMs'> {
  const fields = isRecord(result) ? result : {};
  const numberField = (name: string): number | undefined => {
    const value = fields[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const violations = fields.violations;
  return {
    secrets: numberField('secrets'),
    convergeMs: numberField('convergeMs'),
    rounds: numberField('rounds'),
    faultsInjected: numberField('faultsInjected'),
    sdkRetries: numberField('sdkRetries'),
    violations: Array.isArray(violations) ? violations.length : numberField('violations'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
