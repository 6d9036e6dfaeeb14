import { defaultDependencies } from './dependencies';
import { rotate } from './rotate';

/** The rotation function Secrets Manager invokes once per step. */
export const handler = async (event: unknown): Promise<void> => rotate(event, defaultDependencies, process.env);
