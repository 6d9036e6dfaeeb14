import { parseArgs } from 'node:util';
import { UsageError } from './errors';

/** An option as node:util parseArgs declares it: `--name` (a boolean flag) or `--name <value>` / `--name=<value>`. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  /** May be given more than once; every value is kept. */
  readonly multiple?: boolean;
  /** One-letter alias, e.g. `h` for `-h`. */
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

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

export type ArgumentToken = ReturnType<typeof tokenize>['tokens'][number];
type OptionToken = Extract<ArgumentToken, { kind: 'option' }>;

/** parseArgs without its own checks: they are the CLI's, with the CLI's messages (see checkOption). */
function tokenize(argv: readonly string[], options: OptionSpecs) {
  return parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
}

/** How parseArgs splits `argv` against `options`: options (with their values), positionals and `--`, in order. */
export function argumentTokens(argv: readonly string[], options: OptionSpecs): ArgumentToken[] {
  return tokenize(argv, options).tokens;
}

/**
 * Parses `argv` against the options; `--` ends the options. `hint` (where to read the usage) goes into every error.
 * @throws UsageError for an unknown option, a missing value, a value given to a flag, or a repeated single option.
 */
export function parseArguments(argv: readonly string[], options: OptionSpecs, hint: string): ParsedArgs {
  const { tokens, positionals } = tokenize(argv, options);
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = checkOption(token, argv[token.index], options, hint);
    if (option.type === 'boolean') {
      flags.add(token.name);
      continue;
    }
    const given = values.get(token.name) ?? [];
    if (given.length > 0 && !option.multiple) throw new UsageError(`option --${token.name} is given twice`, hint);
    values.set(token.name, [...given, option.value]);
  }
  return { positionals, flags, values };
}

type CheckedOption =
  { readonly type: 'boolean' } | { readonly type: 'string'; readonly value: string; readonly multiple: boolean };

/** A flag, or an option and its value; else the UsageError, worded as the CLI has always worded it. */
function checkOption(token: OptionToken, written: string, options: OptionSpecs, hint: string): CheckedOption {
  // What the user wrote, as the error names it: `--name` of `--name=value`, or the whole of `-x`, `-hx`, `-h=1`.
  const name = written.startsWith('--') && written.includes('=') ? written.slice(0, written.indexOf('=')) : written;
  const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
  // parseArgs splits `-hx` into -h and -x, reads `--=x` as an option named `=x`, and `-x` as a long option named x: the
  // CLI takes none of them.
  if (spec === undefined || token.rawName !== name || (!name.startsWith('--') && spec.short === undefined)) {
    throw new UsageError(`unknown option ${name}`, hint);
  }
  if (spec.type === 'boolean') {
    if (token.inlineValue === true) throw new UsageError(`option --${token.name} takes no value`, hint);
    return { type: 'boolean' };
  }
  // parseArgs takes the next argument as the value whatever it is; the CLI takes `-` (stdin) but no other option-like one.
  const value = token.value;
  if (value === undefined || (token.inlineValue === false && value.startsWith('-') && value !== '-')) {
    throw new UsageError(`option --${token.name} needs a value`, hint);
  }
  if (value === '') throw new UsageError(`option --${token.name} needs a non-empty value`, hint);
  return { type: 'string', value, multiple: spec.multiple === true };
}
