// The report as GitHub Markdown, capped in length: the heading and the blockers always stay, later rows are cut.
import type { Cell, CellLine } from './cells';

export interface Table {
  readonly heading: string;
  /** One line under the heading; Markdown. */
  readonly intro?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface ReportDocument {
  /** The stack's name: in the marker comment a workflow finds its comment by, and in the heading. */
  readonly title: string;
  /** Markdown lines under the heading: the counts, the verdict. */
  readonly summary: readonly string[];
  /** Never cut. */
  readonly blockers: Table | undefined;
  /** In order; empty tables are left out. */
  readonly tables: readonly Table[];
}

/** GitHub's limit for a comment is 65,536 characters; this leaves room for a workflow's own text around the report. */
export const DEFAULT_MAX_CHARS = 60_000;
/** Tables longer than this fold into a `<details>` block, so that the comment stays short to scroll past. */
const FOLD_AFTER_ROWS = 10;
/** Room kept for the line saying how many rows were left out. */
const TRUNCATION_NOTE_RESERVE = 220;

/** The first line of every report: `<!-- iam-key-rotation review: <title> -->`. */
export function markerComment(title: string): string {
  // An HTML comment ends at `--` followed by `>`, and may not hold `--` at all.
  return `<!-- iam-key-rotation review: ${title
    .replace(/[\r\n]+/g, ' ')
    .replace(/-{2,}/g, '-')
    .replace(/>/g, '')} -->`;
}

export function renderReport(document: ReportDocument, maxChars: number = DEFAULT_MAX_CHARS): string {
  let output = [
    markerComment(document.title),
    `## Plan review: ${code(document.title, 'heading')}`,
    '',
    ...document.summary,
    '',
  ].join('\n');
  if (document.blockers !== undefined && document.blockers.rows.length > 0)
    output += renderTable(document.blockers, document.blockers.rows, false);

  const tables = document.tables.filter((table) => table.rows.length > 0);
  const total = tables.reduce((sum, table) => sum + table.rows.length, 0);
  let shown = 0;
  let full = false;
  for (const table of tables) {
    if (full) break;
    const fold = table.rows.length > FOLD_AFTER_ROWS;
    const start = tableStart(table, fold);
    const end = tableEnd(fold);
    let body = '';
    let included = 0;
    for (const row of table.rows) {
      const line = rowLine(row);
      if (output.length + start.length + body.length + line.length + end.length + TRUNCATION_NOTE_RESERVE > maxChars) {
        full = true;
        break;
      }
      body += line;
      included += 1;
    }
    if (included > 0) output += start + body + end;
    shown += included;
  }
  if (shown < total) {
    const left = total - shown;
    output +=
      `\n_${left} more ${left === 1 ? 'row' : 'rows'} left out: the report is capped at ${maxChars} characters (\`--max-chars\`). ` +
      'Read the full plan (`terraform show <planfile>`) before applying._\n';
  }
  return output;
}

function renderTable(table: Table, rows: readonly (readonly Cell[])[], fold: boolean): string {
  return tableStart(table, fold) + rows.map(rowLine).join('') + tableEnd(fold);
}

function tableStart(table: Table, fold: boolean): string {
  const lines = [
    fold
      ? `<details><summary><b>${escapeText(table.heading)}</b> (${table.rows.length})</summary>`
      : `### ${escapeText(`${table.heading} (${table.rows.length})`)}`,
    '',
  ];
  if (table.intro !== undefined) lines.push(table.intro, '');
  lines.push(`| ${table.columns.map(escapeText).join(' | ')} |`, `|${table.columns.map(() => ' --- |').join('')}`);
  return `\n${lines.join('\n')}\n`;
}

function rowLine(row: readonly Cell[]): string {
  return `| ${row.map(renderCell).join(' | ')} |\n`;
}

function tableEnd(fold: boolean): string {
  return fold ? '\n</details>\n' : '';
}

function renderCell(cell: Cell): string {
  return cell.length === 0 ? ' ' : cell.map(renderLine).join('<br>');
}

function renderLine(line: CellLine): string {
  const parts: string[] = [];
  if (line.sign !== undefined) parts.push(line.sign === '+' ? '+' : '-');
  if (line.prefix !== undefined) parts.push(escapeText(line.prefix));
  if (line.code !== undefined) parts.push(code(line.code));
  if (line.text !== undefined) parts.push(escapeText(line.text));
  if (line.markdown !== undefined) parts.push(line.markdown.replace(/[\r\n]+/g, ' '));
  return parts.join(' ');
}

/**
 * A value as inline code, safe in a table cell: pipes escaped (GFM splits a table row on `|` even inside code, and
 * shows the backslash elsewhere, so not in a heading), backticks fenced, newlines folded. Inside code, HTML, mentions
 * and emphasis are literal text.
 */
export function code(value: string, where: 'table' | 'heading' = 'table'): string {
  const folded = value.replace(/[\r\n]+/g, ' ');
  const flat = where === 'table' ? folded.replace(/\|/g, '\\|') : folded;
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  if (longestRun === 0) return `\`${flat}\``;
  const fence = '`'.repeat(longestRun + 1);
  return `${fence} ${flat} ${fence}`;
}

/** An invisible character that stops GitHub from reading `@name` as a mention or `https://` and `www.` as links. */
const ZERO_WIDTH_JOINER = '\u200d';

/**
 * Plain text, safe anywhere in the report (a table cell, a heading): every string from the plan that is not printed as
 * code goes through here. Newlines fold (a table row is one line); Markdown's emphasis, link, code, heading and table
 * characters are backslash-escaped; HTML's `&`, `<`, `>` become entities; a mention (`@octocat`) and a bare link
 * (`https://`, `www.`) are broken by a zero-width joiner, so the comment notifies nobody and links nowhere.
 */
export function escapeText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|#~]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, `@${ZERO_WIDTH_JOINER}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_JOINER}//`)
    .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_JOINER}.`);
}
