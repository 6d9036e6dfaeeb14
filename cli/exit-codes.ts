/** What the CLI's exit code tells a script; `iam-key-rotation --help` prints EXIT_CODE_HELP, and docs/operations.md renders its table from it. */
export const EXIT_CODES = {
  /** The command did what it was asked; status found no error. */
  ok: 0,
  /** status found an error finding; rotate failed or timed out; credentials found no usable key; review found a blocker. */
  failed: 1,
  /** Bad arguments, or credentials asked to print to a terminal. */
  usage: 2,
  /** The secret does not exist, or is not managed by iam-key-rotation. */
  notManaged: 3,
  /** No AWS credentials or region, rejected credentials, or access denied. */
  awsAccess: 4,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Each exit code's line in `--help`; the type makes every code have one. */
const MEANINGS: Readonly<Record<ExitCode, string>> = {
  [EXIT_CODES.ok]: 'success (status: no error finding)',
  [EXIT_CODES.failed]:
    'status found an error finding; rotate failed or timed out; credentials found no usable key; review found a blocker',
  [EXIT_CODES.usage]:
    'usage error (unknown command or option, missing or bad argument; credentials printing to a terminal)',
  [EXIT_CODES.notManaged]: 'the secret does not exist or is not managed by iam-key-rotation',
  [EXIT_CODES.awsAccess]: 'AWS credentials, region or access problem (none found, rejected, or access denied)',
};

export const EXIT_CODE_HELP = [
  'Exit codes:',
  ...Object.values(EXIT_CODES).map((code) => `  ${code}  ${MEANINGS[code]}`),
].join('\n');
