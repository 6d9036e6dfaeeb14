import type { OptionSpecs, ParsedArgs } from './arguments';
import type { AwsSettings } from './aws-settings';
import type { ExitCode } from './exit-codes';
import type { CliIo } from './io';

/** What a command's run gets: its parsed arguments, the global AWS options, and where to write. */
export interface CommandInput {
  readonly args: ParsedArgs;
  readonly aws: AwsSettings;
  readonly io: CliIo;
}

export type CommandRun = (input: CommandInput) => Promise<ExitCode>;

export interface CommandDefinition {
  readonly name: string;
  readonly summary: string;
  /** Its own options; the global ones (main.ts) come on top. */
  readonly options: OptionSpecs;
  /** Names of the positional arguments, all required. */
  readonly arguments: readonly string[];
  readonly help: string;
  /** Loaded on use only, so `--help` and the other commands never load its AWS clients. */
  readonly load: () => Promise<CommandRun>;
}
