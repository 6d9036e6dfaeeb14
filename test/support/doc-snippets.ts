// The one reader of the documentation for tests: README.md and the pages in docs/. A block that a test compares with
// its source (a props table and the interface, the findings and FINDING_CODES, a snippet and the file it shows) is
// marked in the page by the line `<!-- checked: <name> -->` right before it; the block is the fenced code block or the
// table that follows. Tests find blocks by page and name, so a block moves with its marker from page to page.
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './paths';

/** The pages: README.md, then every docs/*.md, as paths from the repository root. */
export function docPages(): string[] {
  const docs = fs
    .readdirSync(path.join(PROJECT_ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => `docs/${file}`);
  return ['README.md', ...docs];
}

/** A page's text, by its path from the repository root (`README.md`, `docs/design.md`). */
export function readDoc(page: string): string {
  return fs.readFileSync(path.join(PROJECT_ROOT, page), 'utf8');
}

export interface CheckedBlock {
  /** `fence` for a fenced code block, `table` for a Markdown table. */
  readonly kind: 'fence' | 'table';
  /** The fence's info string (`json`, `ts`, ...); empty for a table. */
  readonly lang: string;
  /** The block's lines joined with `\n`: a fence's content without the fence lines, a table's lines as written. */
  readonly text: string;
  /** A table's rows below its header and separator, cells trimmed, split on unescaped `|`, `\|` read as `|`. */
  readonly rows: string[][];
}

const MARKER = /^<!-- checked: (\S+) -->$/;
const FENCE = /^(`{3,}|~{3,})(.*)$/;

/** Whether `line` closes a fence opened by `fence` (the same character, at least as many). */
const closes = (fence: string, line: string): boolean =>
  new RegExp(`^${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(line);

/** The names of a page's checked blocks, in page order. */
export function checkedNames(page: string): string[] {
  return readDoc(page)
    .split('\n')
    .flatMap((line) => MARKER.exec(line)?.[1] ?? []);
}

/** The block after `<!-- checked: <name> -->` on `page`; throws, naming both, when there is none. */
export function checkedBlock(page: string, name: string): CheckedBlock {
  const lines = readDoc(page).split('\n');
  const at = lines.indexOf(`<!-- checked: ${name} -->`);
  if (at === -1) throw new Error(`${page} has no <!-- checked: ${name} --> block`);
  const first = lines[at + 1] ?? '';
  const fence = FENCE.exec(first);
  if (fence !== null) {
    const end = lines.findIndex((line, index) => index > at + 1 && closes(fence[1], line));
    if (end === -1) throw new Error(`${page}: the fence of <!-- checked: ${name} --> is not closed`);
    return { kind: 'fence', lang: fence[2].trim(), text: lines.slice(at + 2, end).join('\n'), rows: [] };
  }
  if (first.startsWith('|')) {
    const table: string[] = [];
    for (const line of lines.slice(at + 1)) {
      if (!line.startsWith('|')) break;
      table.push(line);
    }
    return { kind: 'table', lang: '', text: table.join('\n'), rows: table.slice(2).map(tableCells) };
  }
  throw new Error(`${page}: <!-- checked: ${name} --> is not followed by a fenced block or a table`);
}

/** A table row's cells: split on unescaped pipes, trimmed, `\|` read as `|`. */
function tableCells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** A Markdown table as the pages write a generated one: a header row, a separator, the rows; `|` in a cell escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `value` without the backticks of inline code around it. */
export const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1');

/** The page's lines outside fenced code blocks (fence lines included as empty lines). */
function proseLines(page: string): string[] {
  let fence: string | undefined;
  return readDoc(page)
    .split('\n')
    .map((line) => {
      if (fence === undefined) {
        const open = FENCE.exec(line);
        if (open === null) return line;
        fence = open[1];
        return '';
      }
      if (closes(fence, line)) fence = undefined;
      return '';
    });
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a page offers: one per heading (a repeated one gets `-1`, `-2`, ...), and every `<a id="...">`. */
export function anchorsOf(page: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  for (const line of proseLines(page)) {
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading !== null) {
      const anchor = headingAnchor(heading[1]);
      const count = seen.get(anchor) ?? 0;
      seen.set(anchor, count + 1);
      anchors.push(count === 0 ? anchor : `${anchor}-${count}`);
    }
    for (const match of line.matchAll(/<a id="([^"]+)">/g)) anchors.push(match[1]);
  }
  return anchors;
}

export interface RelativeLink {
  /** The link as written. */
  readonly link: string;
  /** The file it names, from the repository root (the page itself for `#anchor`). */
  readonly file: string;
  readonly anchor?: string;
}

/** The page's Markdown links that are not URLs (no scheme), outside code blocks and inline code. */
export function relativeLinks(page: string): RelativeLink[] {
  const prose = proseLines(page)
    .map((line) => line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, ''))
    .join('\n');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link))
    .map((link) => {
      const [target, anchor] = link.split('#', 2);
      const file = target === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
      return { link, file, anchor: anchor === undefined || anchor === '' ? undefined : anchor };
    });
}

/** Links of `page` whose file does not exist, or whose anchor that file (a page) does not have. */
export function brokenLinks(page: string): string[] {
  return relativeLinks(page).flatMap(({ link, file, anchor }) => {
    if (!fs.existsSync(path.join(PROJECT_ROOT, file))) return [`${page}: ${link} (no file ${file})`];
    if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).includes(anchor))
      return [`${page}: ${link} (no anchor #${anchor} in ${file})`];
    return [];
  });
}
