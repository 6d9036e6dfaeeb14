import type { OptionSpec, ParsedArgs } from './args';
import type { AwsSettings } from './aws-settings';
import type { ExitCode } from './exit-codes';
import type { CliIo } from './io';

export interface CommandInput {
  readonly args: ParsedArgs;
  readonly aws: AwsSettings;
  readonly io: CliIo;
}

export type CommandRun = (input: CommandInput) => Promise<ExitCode>;

export interface CommandDefinition {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Names of the positional arguments, all required. */
  readonly arguments: readonly string[];
  readonly help: string;
  /** Loaded on use only, so `--help` and the other commands never load its AWS clients. */
  readonly load: () => Promise<CommandRun>;
}

export const COMMANDS: readonly CommandDefinition[] = [
  {
    name: 'status',
    summary: 'show each managed secret: its keys, rotations and findings',
    options: [
      { name: 'stack-prefix', takesValue: true, repeatable: true },
      { name: 'json', takesValue: false },
    ],
    arguments: [],
    help: `Usage: iam-key-rotation status [--stack-prefix <secret-name prefix> ...] [--json]

Shows one row per managed secret (tagged iam-key-rotation:user and covered by its rotation function's
MANAGED_SECRETS): the user, the current key (masked) and its age in days, the last and next rotation, the previous
key (Active, Inactive or none; under deactivate-after-grace, the day the daily sweep deactivates it) and when it was
last used, then the findings the daily sweep would report now. Reads only: it changes nothing.

Options:
  --stack-prefix <prefix>  only secrets whose name starts with the prefix (repeatable)
  --json                   print a JSON array instead of the table (key ids masked, no key material)

Exit code 1 when any finding is an error.

Example:
  iam-key-rotation status --stack-prefix iam-key-rotation/`,
    load: async () => (await import('./commands/status')).runStatus,
  },
  {
    name: 'rotate',
    summary: 'rotate a secret\'s key now and follow the rotation to its end',
    options: [{ name: 'timeout', takesValue: true }],
    arguments: ['secret'],
    help: `Usage: iam-key-rotation rotate <secret> [--timeout <seconds>]

Starts a rotation of the secret (name or ARN) with Secrets Manager's RotateSecret and follows it step by step (from
the rotation function's log) until the new key is AWSCURRENT, a step fails, or the timeout passes. If an earlier
rotation is unfinished (AWSPENDING on another version), it retries that rotation instead of starting a new one.

Options:
  --timeout <seconds>  how long to follow the rotation (default 300)

Exit code 1 when the rotation failed or did not finish in time; 3 when the secret is not managed.

Example:
  iam-key-rotation rotate iam-key-rotation/alice`,
    load: async () => (await import('./commands/rotate')).runRotate,
  },
  {
    name: 'credentials',
    summary: 'print a secret\'s current key in the credential_process format',
    options: [{ name: 'force', takesValue: false }],
    arguments: ['secret'],
    help: `Usage: iam-key-rotation credentials <secret> [--force]

Prints the secret's AWSCURRENT key as the AWS CLI and SDKs' credential_process expects:
  {"Version":1,"AccessKeyId":"...","SecretAccessKey":"...","Expiration":"<one hour ahead>"}
The Expiration makes long-running SDK clients fetch the key again, so they pick up a rotated key well inside the
previous key's grace period. Refuses to print to a terminal (exit 2) unless --force.

Options:
  --force  print even when stdout is a terminal

Example, in ~/.aws/config:
  [profile ci-deployer]
  credential_process = iam-key-rotation credentials iam-key-rotation/ci-deployer --profile secrets-reader`,
    load: async () => (await import('./commands/credentials')).runCredentials,
  },
];
