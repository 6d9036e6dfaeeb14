import { defaultDependencies } from './dependencies';
import type { InvocationContext } from './invocation-context';
import { rotate } from './rotate';
import { isSweepRequest } from './sweep/event';
import { sweep, type SweepSummary } from './sweep/sweep';

/** The function Secrets Manager invokes once per rotation step, and the daily schedule with the sweep event. */
export const handler = async (event: unknown, context?: InvocationContext): Promise<void | SweepSummary> =>
  isSweepRequest(event)
    ? sweep(event, defaultDependencies, process.env, context)
    : rotate(event, defaultDependencies, process.env, context);
