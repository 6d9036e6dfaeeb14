import { version } from '../package.json';
import { type OptionSpec, parseArgs, valueOf } from './args';
import { explainAwsError } from './aws-errors';
import { type AwsSettings } from './aws-settings';
import { COMMANDS, type CommandDefinition } from './commands';
import { AwsAccessError, CliError, UsageError } from './errors';
import { EXIT_CODE_HELP, EXIT_CODES, type ExitCode } from './exit-codes';
import { type CliIo, printableIo } from './io';

const PROGRAM = 'iam-key-rotation';

const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', takesValue: false, short: 'h' },
  { name: 'version', takesValue: false },
  { name: 'region', takesValue: true },
  { name: 'profile', takesValue: true },
];

const GLOBAL_HELP = `${PROGRAM} ${version}: operate the rotation of IAM access keys held in Secrets Manager secrets
managed by iam-key-rotation.

Usage: ${PROGRAM} <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(12)}  ${command.summary}`).join('\n')}

Global options (before or after the command):
  --region <region>  AWS region (default: AWS_REGION, else the profile's region)
  --profile <name>   AWS profile (default: AWS_PROFILE, else the SDK's standard credential chain)
  -h, --help         show help; \`${PROGRAM} <command> --help\` for a command's
  --version          print the version

AWS_ENDPOINT_URL, when set, sends every AWS call to that endpoint (e.g. a local emulator).

${EXIT_CODE_HELP}

Examples:
  ${PROGRAM} status
  ${PROGRAM} rotate iam-key-rotation/alice
  ${PROGRAM} credentials iam-key-rotation/alice   (as credential_process in ~/.aws/config)`;

const GLOBAL_HINT = `Run '${PROGRAM} --help' for usage.`;

/** Runs the CLI on `argv` (without node and the script); returns the exit code. Never throws. */
export async function main(argv: readonly string[], rawIo: CliIo): Promise<ExitCode> {
  const io = printableIo(rawIo);
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const failure = error instanceof CliError ? error : explainAwsError(error, 'the command');
    io.stderr(`${PROGRAM}: error: ${failure.message}\n`);
    if (failure instanceof UsageError) io.stderr(`${failure.hint}\n`);
    return failure.exitCode;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const commandIndex = findCommandIndex(argv);
  if (commandIndex === -1) {
    const args = parseArgs(argv, GLOBAL_OPTIONS, GLOBAL_HINT);
    if (args.flags.has('help')) return print(io, GLOBAL_HELP);
    if (args.flags.has('version')) return print(io, version);
    throw new UsageError(`missing command (${COMMANDS.map((command) => command.name).join(', ')})`, GLOBAL_HINT);
  }
  const name = argv[commandIndex];
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    throw new UsageError(`unknown command '${name}' (the commands are ${COMMANDS.map((candidate) => candidate.name).join(', ')})`, GLOBAL_HINT);
  }
  const hint = `Run '${PROGRAM} ${command.name} --help' for usage.`;
  const args = parseArgs([...argv.slice(0, commandIndex), ...argv.slice(commandIndex + 1)], [...GLOBAL_OPTIONS, ...command.options], hint);
  if (args.flags.has('help')) return print(io, `${command.help}\n\n${globalOptionsLine()}`);
  if (args.flags.has('version')) return print(io, version);
  checkArguments(command, args.positionals, hint);
  const aws: AwsSettings = {
    ...(valueOf(args, 'region') === undefined ? {} : { region: valueOf(args, 'region') }),
    ...(valueOf(args, 'profile') === undefined ? {} : { profile: valueOf(args, 'profile') }),
  };
  const run = await command.load();
  try {
    return await run({ args, aws, io });
  } catch (error) {
    throw withProfile(error, aws.profile);
  }
}

/** The SDK's "could not load credentials" does not say which profile it tried. */
function withProfile(error: unknown, profile: string | undefined): unknown {
  if (profile === undefined || !(error instanceof AwsAccessError) || !(error.cause instanceof Error) || error.cause.name !== 'CredentialsProviderError') return error;
  return new AwsAccessError(`profile '${profile}': ${error.message}`, { cause: error.cause });
}

/** The first token that is neither an option nor the value of a global option: the command. */
function findCommandIndex(argv: readonly string[]): number {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index];
    if (token === '--') return index + 1 < argv.length ? index + 1 : -1;
    if (token === '--region' || token === '--profile') {
      index += 1;
      continue;
    }
    if (!token.startsWith('-')) return index;
  }
  return -1;
}

function checkArguments(command: CommandDefinition, positionals: readonly string[], hint: string): void {
  const missing = command.arguments.slice(positionals.length);
  if (missing.length > 0) throw new UsageError(`${command.name}: missing argument <${missing[0]}>`, hint);
  const extra = positionals.slice(command.arguments.length);
  if (extra.length > 0) throw new UsageError(`${command.name}: unexpected argument '${extra[0]}'`, hint);
}

function globalOptionsLine(): string {
  return 'Global options: --region <region>, --profile <name>, -h/--help, --version. Exit codes: iam-key-rotation --help.';
}

function print(io: CliIo, text: string): ExitCode {
  io.stdout(`${text}\n`);
  return EXIT_CODES.ok;
}
