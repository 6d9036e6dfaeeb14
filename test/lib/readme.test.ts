// The README's props and outputs tables must match the code: the props interfaces (names, types, optional,
// JSDoc @default) read with the TypeScript parser, and the STACK_OUTPUTS the stack creates its outputs from.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { STACK_OUTPUTS } from '../../lib';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

interface PropRow {
  readonly name: string;
  readonly type: string;
  readonly default: string;
}

/** Rows of the markdown table that follows `<!-- marker -->`, cells split on unescaped pipes. */
function tableAfter(marker: string): string[][] {
  const lines = README.split('\n');
  const start = lines.indexOf(`<!-- ${marker} -->`);
  if (start === -1) throw new Error(`README.md has no <!-- ${marker} --> table`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 3)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|')));
  }
  return rows;
}

const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1');

function readmeProps(interfaceName: string): PropRow[] {
  return tableAfter(`props:${interfaceName}`).map(([name, type, defaultValue]) => ({
    name: unquote(name),
    type: unquote(type),
    default: defaultValue,
  }));
}

/** The props of an interface as the README should show them: `@default x` as `x` in code, `@default - text` as text. */
function codeProps(file: string, interfaceName: string): PropRow[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === interfaceName,
  );
  if (declaration === undefined) throw new Error(`${file} declares no interface ${interfaceName}`);
  return declaration.members.filter(ts.isPropertySignature).map((member) => {
    const tag = ts.getJSDocTags(member).find((candidate) => candidate.tagName.text === 'default');
    const text = tag === undefined ? undefined : (ts.getTextOfJSDocComment(tag.comment) ?? '').trim();
    let shown: string;
    if (text === undefined) shown = member.questionToken ? 'MISSING @default' : 'required';
    else shown = text.startsWith('- ') ? text.slice(2) : `\`${text}\``;
    return { name: member.name.getText(source), type: member.type?.getText(source) ?? '', default: shown };
  });
}

describe('README props tables match the code', () => {
  test.each([
    ['lib/iam-access-key-rotation.ts', 'IamAccessKeyRotationProps'],
    ['lib/rotated-user.ts', 'RotatedUserOptions'],
    ['lib/schedule.ts', 'RotationSchedule'],
    ['lib/notifications.ts', 'NotificationOptions'],
    ['lib/state-backend.ts', 'S3StateBackend'],
    ['lib/targets.ts', 'TargetOptions'],
  ])('%s %s', (file, interfaceName) => {
    expect(readmeProps(interfaceName)).toEqual(codeProps(file, interfaceName));
  });

  test('every optional prop documents its default', () => {
    const props = [
      ...codeProps('lib/iam-access-key-rotation.ts', 'IamAccessKeyRotationProps'),
      ...codeProps('lib/rotated-user.ts', 'RotatedUserOptions'),
      ...codeProps('lib/schedule.ts', 'RotationSchedule'),
      ...codeProps('lib/notifications.ts', 'NotificationOptions'),
      ...codeProps('lib/state-backend.ts', 'S3StateBackend'),
      ...codeProps('lib/targets.ts', 'TargetOptions'),
    ];
    expect(props.filter((prop) => prop.default === 'MISSING @default')).toEqual([]);
  });
});

describe('README outputs table matches the stack', () => {
  test('names and descriptions', () => {
    const rows = tableAfter('outputs').map(([name, description]) => [unquote(name), description]);
    expect(rows).toEqual(Object.entries(STACK_OUTPUTS));
  });
});

describe('README quick start', () => {
  test('keeps the two contract commands', () => {
    expect(README).toMatch(/## Quick start\n\n```sh\nnpm ci && npm run demo\nnpm test\n```/);
  });
});
