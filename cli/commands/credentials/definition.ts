import type { CommandDefinition } from '../../command';
import { EXIT_CODES } from '../../exit-codes';

export const CREDENTIALS: CommandDefinition = {
  name: 'credentials',
  summary: "print a secret's current key in the credential_process format",
  options: { force: { type: 'boolean' } },
  arguments: ['secret'],
  help: `Usage: iam-key-rotation credentials <secret> [--force]

Prints the secret's AWSCURRENT key as the AWS CLI and SDKs' credential_process expects:
  {"Version":1,"AccessKeyId":"...","SecretAccessKey":"...","Expiration":"<one hour ahead>"}
The Expiration makes long-running SDK clients fetch the key again, so they pick up a rotated key well inside the
previous key's grace period. Refuses to print to a terminal (exit ${EXIT_CODES.usage}) unless --force.

Options:
  --force  print even when stdout is a terminal

Example, in ~/.aws/config:
  [profile ci-deployer]
  credential_process = iam-key-rotation credentials iam-key-rotation/ci-deployer --profile secrets-reader`,
  load: async () => (await import('./run')).runCredentials,
};
