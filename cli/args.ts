import { UsageError } from './errors';

/** An option: `--name` (a flag) or `--name <value>` / `--name=<value>`. */
export interface OptionSpec {
  readonly name: string;
  readonly takesValue: boolean;
  readonly repeatable?: boolean;
  /** One-letter alias, e.g. `h` for `-h`. */
  readonly short?: string;
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly flags: ReadonlySet<string>;
  /** Every value given, in order, per option that takes one. */
  readonly values: ReadonlyMap<string, readonly string[]>;
}

/** The last value of an option, if given. */
export function valueOf(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.at(-1);
}

/**
 * Parses tokens against the options; `--` ends the options. `hint` (where to read the usage) goes into every error.
 * @throws UsageError for an unknown option, a missing value, a value given to a flag, or a repeated single option.
 */
export function parseArgs(tokens: readonly string[], options: readonly OptionSpec[], hint: string): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  const find = (token: string): OptionSpec | undefined =>
    token.startsWith('--') ? options.find((option) => option.name === token.slice(2)) : options.find((option) => option.short !== undefined && `-${option.short}` === token);

  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token === '--') {
      positionals.push(...tokens.slice(index + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = equals === -1 ? token : token.slice(0, equals);
    const option = find(name);
    if (option === undefined) throw new UsageError(`unknown option ${name}`, hint);
    if (!option.takesValue) {
      if (equals !== -1) throw new UsageError(`option --${option.name} takes no value`, hint);
      flags.add(option.name);
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) {
      value = token.slice(equals + 1);
    } else {
      value = tokens[index + 1];
      if (value === undefined || (value.startsWith('-') && value !== '-')) throw new UsageError(`option --${option.name} needs a value`, hint);
      index += 1;
    }
    if (value === '') throw new UsageError(`option --${option.name} needs a non-empty value`, hint);
    const given = values.get(option.name) ?? [];
    if (given.length > 0 && option.repeatable !== true) throw new UsageError(`option --${option.name} is given twice`, hint);
    values.set(option.name, [...given, value]);
  }
  return { positionals, flags, values };
}
