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
  {
    name: 'review',
    summary: 'turn a terraform plan (JSON) into a Markdown review for a pull request',
    options: [
      { name: 'title', takesValue: true },
      { name: 'report-only', takesValue: false },
      { name: 'max-chars', takesValue: true },
      { name: 'function-code', takesValue: true, repeatable: true },
    ],
    arguments: ['plan.json'],
    help: `Usage: iam-key-rotation review <plan.json | -> [--title <text>] [--report-only] [--max-chars <n>] [--function-code <sha256> ...]

Turns a Terraform plan, the output of terraform show -json <planfile> (a file, or - for stdin), into a short Markdown
report for a pull-request comment, on stdout: the counts; the blockers; the users and secrets added or removed; the
schedule changes; the keys that rotate during the apply, and why; every change to who may act on keys or read secrets
(policies statement by statement, attachments, Lambda permissions); what is destroyed. Its first line,
<!-- iam-key-rotation review: <title> -->, lets a workflow find and update its own comment.

Blockers: a secret deleted or replaced with a recovery window of 0 days (its key cannot be restored); a secret whose
iam-key-rotation:user tag changes (it would bind another user); a rotation function that is not the construct's own
(code other than this version's dist/lambda.zip, another role, runtime, handler or layers, an environment variable
outside the construct's set such as NODE_OPTIONS or AWS_ENDPOINT_URL_*); a wildcard grant in a planned policy
(Principal *, Action * or <service>:*, NotAction or NotResource in an Allow, and in an IAM policy a Resource of every
resource, of every resource of a type, or one that could match more than one IAM user or secret: * and ? count
anywhere but in a user's path, and in -?????? after a secret's name). Reads the file only: no AWS access. Prints
names, policies, schedules and recovery windows, never another attribute's value or a value marked sensitive.

Options:
  --title <text>     the stack's name, in the heading and the marker line (default: the file's name)
  --report-only      exit 0 whenever the report was written, blockers or not
  --max-chars <n>    cap the report at n characters (default 60000; GitHub takes 65536 a comment): the heading and
                     the blockers always stay, later rows are left out with a line saying how many
  --function-code <sha256>
                   accept this source_code_hash on the rotation function too (a zip you build and set as
                   functionZipPath; base64 as the plan shows it, or hex); repeatable

Exit code 1 when a blocker was found (unless --report-only); 2 when the file is missing or is not a plan.

Example:
  terraform plan -out=plan.tfplan && terraform show -json plan.tfplan > plan.json
  iam-key-rotation review plan.json --title iam-key-rotation > review.md`,
    load: async () => (await import('./commands/review')).runReview,
  },
];
