import type { CommandDefinition } from '../../command';
import { EXIT_CODES } from '../../exit-codes';

export const STATUS: CommandDefinition = {
  name: 'status',
  summary: 'show each managed secret: its keys, rotations and findings',
  options: {
    'stack-prefix': { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  arguments: [],
  help: `Usage: iam-key-rotation status [--stack-prefix <secret-name prefix> ...] [--json]

Shows one row per managed secret (tagged iam-key-rotation:user and covered by its rotation function's
MANAGED_SECRETS): the user, the current key (masked) and its age in days, the last and next rotation, the previous
key (Active, Inactive or none; under deactivate-after-grace, the day the daily sweep deactivates it) and when it was
last used, then the findings the daily sweep would report now. Reads only: it changes nothing.

Options:
  --stack-prefix <prefix>  only secrets whose name starts with the prefix (repeatable)
  --json                   print a JSON array instead of the table (key ids masked, no key material)

Exit code ${EXIT_CODES.failed} when any finding is an error.

Example:
  iam-key-rotation status --stack-prefix iam-key-rotation/`,
  load: async () => (await import('./run')).runStatus,
};
