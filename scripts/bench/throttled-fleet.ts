// The throttled fleet rotation (emulator/throttled-fleet.ts, the scenario the end-to-end test runs), timed and bounded.
import { runThrottledFleet, type ThrottledFleetResult } from '../../emulator/throttled-fleet';
import { firstErrorLine } from './measure';

export type FleetFigures =
  | { readonly status: 'failed'; readonly error: string; readonly wallMs: number }
  | { readonly status: 'measured'; readonly wallMs: number; readonly result: ThrottledFleetResult };

export interface FleetOptions {
  readonly secrets: number;
  readonly throttleEvery: number;
  readonly timeoutMs: number;
}

export async function measureThrottledFleet(options: FleetOptions): Promise<FleetFigures> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`did not finish within ${options.timeoutMs / 1000} s`)),
      options.timeoutMs,
    );
  });
  try {
    const result = await Promise.race([
      runThrottledFleet({ secrets: options.secrets, throttleEvery: options.throttleEvery }),
      timeout,
    ]);
    return { status: 'measured', wallMs: performance.now() - started, result };
  } catch (error) {
    return {
      status: 'failed',
      error: firstErrorLine(error instanceof Error ? error.message : String(error)),
      wallMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}
