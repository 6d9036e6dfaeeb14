import { version } from '../package.json';
import { argumentTokens, type ParsedArgs, parseArguments, valueOf } from './arguments';
import { explainAwsError } from './aws-errors';
import type { AwsSettings } from './aws-settings';
import type { CommandDefinition } from './command';
import { COMMANDS } from './commands';
import { AwsAccessError, CliError, UsageError } from './errors';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { commandHelp, commandHint, GLOBAL_HELP, GLOBAL_HINT, GLOBAL_OPTIONS, PROGRAM } from './global-options';
import { type CliIo, printableIo } from './io';

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
    const args = parseArguments(argv, GLOBAL_OPTIONS, GLOBAL_HINT);
    if (args.flags.has('help')) return print(io, GLOBAL_HELP);
    if (args.flags.has('version')) return print(io, version);
    throw new UsageError(`missing command (${COMMANDS.map((command) => command.name).join(', ')})`, GLOBAL_HINT);
  }
  const name = argv[commandIndex];
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    throw new UsageError(
      `unknown command '${name}' (the commands are ${COMMANDS.map((candidate) => candidate.name).join(', ')})`,
      GLOBAL_HINT,
    );
  }
  const hint = commandHint(command);
  const args = parseArguments(
    [...argv.slice(0, commandIndex), ...argv.slice(commandIndex + 1)],
    { ...GLOBAL_OPTIONS, ...command.options },
    hint,
  );
  if (args.flags.has('help')) return print(io, commandHelp(command));
  if (args.flags.has('version')) return print(io, version);
  checkArguments(command, args.positionals, hint);
  const aws = awsSettingsOf(args);
  const run = await command.load();
  try {
    return await run({ args, aws, io });
  } catch (error) {
    throw withProfile(error, aws.profile);
  }
}

/** The first argument that is neither an option, nor the value of a global option, nor a `-` before `--`: the command. */
function findCommandIndex(argv: readonly string[]): number {
  let afterTerminator = false;
  for (const token of argumentTokens(argv, GLOBAL_OPTIONS)) {
    if (token.kind === 'option-terminator') afterTerminator = true;
    if (token.kind === 'positional' && (afterTerminator || token.value !== '-')) return token.index;
  }
  return -1;
}

function awsSettingsOf(args: ParsedArgs): AwsSettings {
  const region = valueOf(args, 'region');
  const profile = valueOf(args, 'profile');
  return { ...(region === undefined ? {} : { region }), ...(profile === undefined ? {} : { profile }) };
}

/** The SDK's "could not load credentials" does not say which profile it tried. */
function withProfile(error: unknown, profile: string | undefined): unknown {
  if (
    profile === undefined ||
    !(error instanceof AwsAccessError) ||
    !(error.cause instanceof Error) ||
    error.cause.name !== 'CredentialsProviderError'
  )
    return error;
  return new AwsAccessError(`profile '${profile}': ${error.message}`, { cause: error.cause });
}

function checkArguments(command: CommandDefinition, positionals: readonly string[], hint: string): void {
  const missing = command.arguments.slice(positionals.length);
  if (missing.length > 0) throw new UsageError(`${command.name}: missing argument <${missing[0]}>`, hint);
  const extra = positionals.slice(command.arguments.length);
  if (extra.length > 0) throw new UsageError(`${command.name}: unexpected argument '${extra[0]}'`, hint);
}

function print(io: CliIo, text: string): ExitCode {
  io.stdout(`${text}\n`);
  return EXIT_CODES.ok;
}
