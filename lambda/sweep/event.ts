import { SWEEP_EVENT } from '../../core/contract';
import { InvalidEventError } from '../../core/errors';

const [SWEEP_KEY, SWEEP_VALUE] = Object.entries(SWEEP_EVENT)[0];

/** Whether the event is addressed to the sweep (it carries the sweep key): the sweep then checks all of it. */
export function isSweepRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && Object.hasOwn(event, SWEEP_KEY);
}

/** @throws InvalidEventError unless the event is exactly SWEEP_EVENT: a sweep takes no parameters from its caller. */
export function assertSweepEvent(event: unknown): void {
  const fields =
    typeof event === 'object' && event !== null && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  const keys = Object.keys(fields);
  if (keys.length === 1 && fields[SWEEP_KEY] === SWEEP_VALUE) return;
  const value = fields[SWEEP_KEY];
  throw new InvalidEventError(
    { step: 'sweep' },
    `invalid sweep event: it must be exactly ${JSON.stringify(SWEEP_EVENT)}, got keys ${keys.map((key) => JSON.stringify(key)).join(', ')} ` +
      `and ${SWEEP_KEY} ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
  );
}
