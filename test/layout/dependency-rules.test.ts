// Each dependency rule (.dependency-cruiser.cjs) forbids what it says: a scratch tree holding one forbidden import per
// rule fails with that rule's name on the file that breaks it. `npm run check:deps` applies the rules to the repository.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../support/paths';

const CONFIG = path.join(PROJECT_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(PROJECT_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Cruise {
  readonly status: number | null;
  readonly output: string;
}

function cruise(cwd: string, ...paths: string[]): Cruise {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'err', ...paths], {
    cwd,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A scratch tree of TypeScript files, `files` mapping each path to its source. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dependency-rules-'));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true } }),
  );
  for (const [file, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

/** One scratch file per rule, each importing what its rule forbids (and a cycle, and a missing module). */
const FORBIDDEN: Record<string, Record<string, string>> = {
  'core-imports-nothing-of-ours': {
    'core/uses-lambda.ts': "import { leaf } from '../lambda/leaf';\nexport const a = leaf;\n",
  },
  'lib-imports-core-only': { 'lib/uses-lambda.ts': "import { leaf } from '../lambda/leaf';\nexport const a = leaf;\n" },
  'lambda-imports-core-only': { 'lambda/uses-lib.ts': "import { leaf } from '../lib/leaf';\nexport const a = leaf;\n" },
  'cli-imports-core-only': { 'cli/uses-lambda.ts': "import { leaf } from '../lambda/leaf';\nexport const a = leaf;\n" },
  'app-imports-lib-and-core': {
    'app/uses-emulator.ts': "import { leaf } from '../emulator/leaf';\nexport const a = leaf;\n",
  },
  'no-cycles': {
    'core/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): number => b();\n",
    'core/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = (): number => a();\n",
  },
  'no-unresolvable-import': { 'core/uses-missing.ts': "import { gone } from './missing';\nexport const a = gone;\n" },
  'no-cdktf-in-the-function-or-the-cli': {
    'cli/uses-cdktf.ts': "import { App } from 'cdktf';\nexport const a = App;\n",
  },
};

const LEAVES = Object.fromEntries(
  ['lambda', 'lib', 'emulator'].map((folder) => [`${folder}/leaf.ts`, 'export const leaf = 1;\n']),
);

describe('the dependency rules', () => {
  const dir = tree(Object.assign({}, LEAVES, ...Object.values(FORBIDDEN)));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const { status, output } = cruise(dir, 'core', 'lib', 'lambda', 'cli', 'app', 'emulator');

  test('a tree with forbidden imports fails them', () => {
    expect(status).not.toBe(0);
  });

  // A cycle is reported once, from its first file.
  test.each(Object.entries(FORBIDDEN))('%s names the file that breaks it', (rule, files) => {
    const [file] = Object.keys(files);
    expect(output).toMatch(new RegExp(`error ${rule}: ${file.replace('.', '[.]')}`));
  });

  test('the leaves, which break no rule, are never named', () => {
    expect(output).not.toMatch(/error [a-z-]+: [a-z]+\/leaf[.]ts/);
  });
});
