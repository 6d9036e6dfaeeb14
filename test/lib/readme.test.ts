// The documentation against the code: README.md is a front page under 300 lines that links every page in docs/;
// relative links and their anchors resolve; the props, outputs, function-environment, exit-code and access-attribute
// tables match their sources (the props interfaces read with the TypeScript parser, STACK_OUTPUTS,
// FUNCTION_ENVIRONMENT_VARIABLES, EXIT_CODE_HELP, ACCESS_ATTRIBUTES); and every checked block sits on the page this
// test expects, so none is dropped unseen. The pages are read with test/support/doc-snippets.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { EXIT_CODE_HELP } from '../../cli/exit-codes';
import { STACK_OUTPUTS } from '../../lib';
import { FUNCTION_ENVIRONMENT_VARIABLES } from '../../lib/construct/function-environment';
import {
  brokenLinks,
  checkedBlock,
  checkedNames,
  docPages,
  markdownTable,
  readDoc,
  relativeLinks,
  unquote,
} from '../support/doc-snippets';
import { PROJECT_ROOT } from '../support/paths';
import { ACCESS_ATTRIBUTES } from '../support/policy-unknowns';

/** Every checked block, by page (pages without one are left out); each is compared with its source by the test named. */
const CHECKED_BLOCKS: Record<string, string[]> = {
  // peers: test/package/package.test.ts; consumer:*: test/terraform/package-consumer.test.ts (install also package.test.ts)
  'README.md': ['peers', 'consumer:install', 'consumer:tsconfig.json', 'consumer:main.ts'],
  // this test
  'docs/configuration.md': ['props:S3StateBackend'],
  'docs/construct.md': [
    'props:IamAccessKeyRotationProps',
    'props:RotatedUserOptions',
    'props:RotationSchedule',
    'props:NotificationOptions',
    'function-environment',
    'outputs',
  ],
  // test/lib/multi-account-app.test.ts; props: this test
  'docs/multi-account.md': ['multi-account-example', 'props:TargetOptions'],
  // findings: test/core/sweep-decide.test.ts; exit-codes: this test
  'docs/operations.md': ['findings', 'exit-codes'],
  // access-attributes: this test; sample-review: test/cli/review-command.test.ts
  'docs/plan-review.md': ['access-attributes', 'sample-review'],
};

interface PropRow {
  readonly name: string;
  readonly type: string;
  readonly default: string;
}

/** Where each props interface is declared, and the page whose table documents it. */
const PROPS_TABLES: readonly [file: string, interfaceName: string, page: string][] = [
  ['lib/construct/iam-access-key-rotation.ts', 'IamAccessKeyRotationProps', 'docs/construct.md'],
  ['lib/construct/rotated-user.ts', 'RotatedUserOptions', 'docs/construct.md'],
  ['lib/construct/schedule.ts', 'RotationSchedule', 'docs/construct.md'],
  ['lib/construct/notifications.ts', 'NotificationOptions', 'docs/construct.md'],
  ['lib/app/state-backend.ts', 'S3StateBackend', 'docs/configuration.md'],
  ['lib/app/targets.ts', 'TargetOptions', 'docs/multi-account.md'],
];

function documentedProps(page: string, interfaceName: string): PropRow[] {
  return checkedBlock(page, `props:${interfaceName}`).rows.map(([name, type, defaultValue]) => ({
    name: unquote(name),
    type: unquote(type),
    default: defaultValue,
  }));
}

/** The props of an interface as the docs should show them: `@default x` as `x` in code, `@default - text` as text. */
function codeProps(file: string, interfaceName: string): PropRow[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const declaration = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === interfaceName,
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

describe('props tables match the code', () => {
  test.each(PROPS_TABLES)('%s %s (%s)', (file, interfaceName, page) => {
    expect(documentedProps(page, interfaceName)).toEqual(codeProps(file, interfaceName));
  });

  test('every optional prop documents its default', () => {
    const props = PROPS_TABLES.flatMap(([file, interfaceName]) => codeProps(file, interfaceName));
    expect(props.filter((prop) => prop.default === 'MISSING @default')).toEqual([]);
  });
});

describe('generated tables', () => {
  test("the outputs table is the stack's outputs, names and descriptions", () => {
    const rows = checkedBlock('docs/construct.md', 'outputs').rows.map(([name, description]) => [
      unquote(name),
      description,
    ]);
    expect(rows).toEqual(Object.entries(STACK_OUTPUTS));
  });

  test('the function environment table lists exactly the variables functionEnvironment accepts', () => {
    const listed = checkedBlock('docs/construct.md', 'function-environment').rows.map(([name]) => unquote(name));
    expect(listed).toEqual(Object.keys(FUNCTION_ENVIRONMENT_VARIABLES));
  });

  test("the exit-code table is the CLI's own, EXIT_CODE_HELP", () => {
    const rows = EXIT_CODE_HELP.split('\n')
      .slice(1)
      .map((line) => {
        const match = /^\s+(\d+)\s+(.+)$/.exec(line);
        if (match === null) throw new Error(`EXIT_CODE_HELP has a line that is not "<code>  <meaning>": ${line}`);
        return [match[1], match[2]];
      });
    expect(checkedBlock('docs/operations.md', 'exit-codes').text).toBe(markdownTable(['Code', 'Meaning'], rows));
  });

  test('the access attributes a reviewer must be able to read are ACCESS_ATTRIBUTES', () => {
    const rows = Object.entries(ACCESS_ATTRIBUTES).map(([type, attributes]) => [
      `\`${type}\``,
      attributes.map((attribute) => `\`${attribute}\``).join(', '),
    ]);
    expect(checkedBlock('docs/plan-review.md', 'access-attributes').text).toBe(
      markdownTable(['Resource type', 'Access attributes'], rows),
    );
  });
});

describe('the pages', () => {
  test('every checked block is where the tests look for it, and no other is marked', () => {
    const found = Object.fromEntries(
      docPages().flatMap((page) => (checkedNames(page).length === 0 ? [] : [[page, checkedNames(page)]])),
    );
    expect(found).toEqual(CHECKED_BLOCKS);
  });

  test('README.md is a front page: under 300 lines', () => {
    expect(readDoc('README.md').split('\n').length).toBeLessThan(300);
  });

  test('README.md links every page in docs/', () => {
    const linked = new Set(relativeLinks('README.md').map((link) => link.file));
    expect(docPages().filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });

  test('relative links and their anchors resolve, on every page', () => {
    expect(docPages().flatMap(brokenLinks)).toEqual([]);
  });

  test('the quick start keeps the two contract commands', () => {
    expect(readDoc('README.md')).toMatch(/## Quick start\n\n```sh\nnpm ci && npm run demo\nnpm test\n```/);
  });
});
