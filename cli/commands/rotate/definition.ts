import type { CommandDefinition } from '../../command';
import { EXIT_CODES } from '../../exit-codes';
import { DEFAULT_TIMEOUT_SECONDS } from './timeout';

export const ROTATE: CommandDefinition = {
  name: 'rotate',
  summary: "rotate a secret's key now and follow the rotation to its end",
  options: { timeout: { type: 'string' } },
  arguments: ['secret'],
  help: `Usage: iam-key-rotation rotate <secret> [--timeout <seconds>]

Starts a rotation of the secret (name or ARN) with Secrets Manager's RotateSecret and follows it step by step (from
the rotation function's log) until the new key is AWSCURRENT, a step fails, or the timeout passes. If an earlier
rotation is unfinished (AWSPENDING on another version), it retries that rotation instead of starting a new one.

Options:
  --timeout <seconds>  how long to follow the rotation (default ${DEFAULT_TIMEOUT_SECONDS})

Exit code ${EXIT_CODES.failed} when the rotation failed or did not finish in time; ${EXIT_CODES.notManaged} when the secret is not managed.

Example:
  iam-key-rotation rotate iam-key-rotation/alice`,
  load: async () => (await import('./run')).runRotate,
};
