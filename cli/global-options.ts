import { version } from '../package.json';
import type { OptionSpecs } from './arguments';
import type { CommandDefinition } from './command';
import { COMMANDS } from './commands';
import { EXIT_CODE_HELP } from './exit-codes';

export const PROGRAM = 'iam-key-rotation';

/** Options every command takes, before or after the command's name. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  region: { type: 'string' },
  profile: { type: 'string' },
};

export const GLOBAL_HELP = `${PROGRAM} ${version}: operate the rotation of IAM access keys held in Secrets Manager secrets
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

export const GLOBAL_HINT = `Run '${PROGRAM} --help' for usage.`;

/** `<command> --help`: the command's help, then a line on the global options. */
export function commandHelp(command: CommandDefinition): string {
  return `${command.help}\n\nGlobal options: --region <region>, --profile <name>, -h/--help, --version. Exit codes: ${PROGRAM} --help.`;
}

export function commandHint(command: CommandDefinition): string {
  return `Run '${PROGRAM} ${command.name} --help' for usage.`;
}
