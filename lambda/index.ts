import { defaultDependencies } from './dependencies';
import { rotate, type InvocationContext } from './rotate';

/** The rotation function Secrets Manager invokes once per step. */
export const handler = async (event: unknown, context?: InvocationContext): Promise<void> =>
  rotate(event, defaultDependencies, process.env, context);
