// What a report table cell holds, before it becomes Markdown: lines of plain text and values (printed as code).
import type { Attribute } from './plan';

/** One line of a cell: `[sign] [prefix] [`code`] [text]`. */
export interface CellLine {
  /** `+` an element added, `-` one removed (in a changed statement). */
  readonly sign?: '+' | '-';
  /** Plain text before the value, e.g. `role`, `not`. */
  readonly prefix?: string;
  /** A value from the plan (a name, an ARN, an action), printed as code. */
  readonly code?: string;
  /** Plain text after the value, e.g. `(this key)`. */
  readonly text?: string;
  /** Markdown this command wrote, safe in a table cell (values in it made code with `code()`), after everything else. */
  readonly markdown?: string;
}

export type Cell = readonly CellLine[];

/** A value the report may print, or why it prints none. */
export type Shown =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'sensitive' }
  | { readonly kind: 'none' };

export const UNKNOWN_TEXT = '(known after apply)';
export const SENSITIVE_TEXT = '(sensitive)';

/** Strings and numbers are shown; a sensitive value never is. */
export function shownOf(attribute: Attribute): Shown {
  if (attribute.state === 'unknown') return { kind: 'unknown' };
  if (attribute.state === 'absent') return { kind: 'none' };
  if (attribute.sensitive) return { kind: 'sensitive' };
  const { value } = attribute;
  if (typeof value === 'string') return value === '' ? { kind: 'none' } : { kind: 'value', value };
  if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'value', value: String(value) };
  return { kind: 'none' };
}

/** The shown value as one cell line; `prefix` and `sign` go with it. */
export function shownLine(shown: Shown, extra: Omit<CellLine, 'code' | 'text'> = {}): CellLine {
  switch (shown.kind) {
    case 'value':
      return { ...extra, code: shown.value };
    case 'unknown':
      return { ...extra, text: UNKNOWN_TEXT };
    case 'sensitive':
      return { ...extra, text: SENSITIVE_TEXT };
    case 'none':
      return { ...extra, text: '-' };
  }
}

export function codeLines(values: readonly string[], extra: Omit<CellLine, 'code'> = {}): CellLine[] {
  return values.map((value) => ({ ...extra, code: value }));
}

export function textCell(text: string): Cell {
  return [{ text }];
}

/** Two shown values are the same value (unknown and sensitive values are never the same as anything). */
export function sameShown(a: Shown, b: Shown): boolean {
  if (a.kind === 'value' && b.kind === 'value') return a.value === b.value;
  return a.kind === 'none' && b.kind === 'none';
}
