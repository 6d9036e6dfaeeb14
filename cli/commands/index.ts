import type { CommandDefinition } from '../command';
import { CREDENTIALS } from './credentials/definition';
import { REVIEW } from './review/definition';
import { ROTATE } from './rotate/definition';
import { STATUS } from './status/definition';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [STATUS, ROTATE, CREDENTIALS, REVIEW];
