// The npm package holds what a consumer needs and nothing private: checked on `npm pack`'s own file list, the
// package.json, the public API read from the shipped .d.ts, and `npm publish --dry-run`.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { checkedBlock, unquote } from '../support/doc-snippets';
import { PROJECT_ROOT } from '../support/paths';

const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  private?: boolean;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The peers, their ranges, and the one version of each that this repository installs and tests. */
const PEERS = {
  cdktf: { range: '^0.21.0', tested: '0.21.0' },
  constructs: { range: '^10.4.2', tested: '10.4.2' },
  '@cdktf/provider-aws': { range: '^20.1.0', tested: '20.1.0' },
};

/** Every name the package exports, values and types: a change here is a change of the public API (CHANGELOG). */
const PUBLIC_API = {
  values: [
    'CONFIG_PATH_ENV',
    'ConfigError',
    'IamAccessKeyRotation',
    'IamKeyRotationStack',
    'ROTATION_RULES',
    'RotationChecks',
    'STACK_OUTPUTS',
    'ValidationError',
    'applyRotationChecks',
    'loadRotationConfig',
    'parseRotationConfig',
  ],
  types: [
    'Encryption',
    'FunctionAlarms',
    'IamAccessKeyRotationProps',
    'IamKeyRotationStackProps',
    'LogLevel',
    'NotificationOptions',
    'NotificationTopic',
    'PreviousKeyAction',
    'PreviousKeyInUseAction',
    'RotatedUser',
    'RotatedUserOptions',
    'RotationConfig',
    'RotationFailureAlert',
    'RotationFunction',
    'RotationSchedule',
    'Rule',
    'RuleResult',
    'S3StateBackend',
    'SecretsKey',
    'StackOutputName',
    'StateBackend',
    'SweepSchedule',
    'SynthesizedResource',
    'SynthesizedStack',
  ],
};

interface PackedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
}

function packList(): { files: PackedFile[]; size: number; unpackedSize: number } {
  // --ignore-scripts: `npm test` has just built dist/; prepack would build it again.
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [packed] = JSON.parse(output) as { files: PackedFile[]; size: number; unpackedSize: number }[];
  return packed;
}

/** The TypeScript sources under `dir`, as paths from the project root. */
function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** The core modules the library imports (none with an AWS SDK client): what lib/ shares with the function and the CLI. */
const CORE_SOURCES = [
  'core/contract.ts',
  'core/arn-patterns.ts',
  'core/function-package.ts',
  'core/package-files.ts',
  'core/policy-attributes.ts',
  'core/secret/stages.ts',
];
const CORE_OUTPUT = `(?:${CORE_SOURCES.map((file) => file.replace(/\.ts$/, '')).join('|')})`;

describe('the package tarball', () => {
  const packed = packList();
  const paths = packed.files.map((file) => file.path).sort();

  test('holds only the library, its types, the function zip, the CLI and the documents', () => {
    const allowed = new RegExp(
      `^(package\\.json|README\\.md|LICENSE|CHANGELOG\\.md|dist/lambda\\.zip|dist/cli/index\\.js|dist/${CORE_OUTPUT}\\.(js|d\\.ts)|dist/lib/[a-z/-]+\\.(js|d\\.ts))$`,
    );
    expect(paths.filter((file) => !allowed.test(file))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'package.json',
        'dist/lambda.zip',
        'dist/cli/index.js',
      ]),
    );
    expect(packed.size).toBeLessThan(1_000_000);
  });

  // The plain module's generator (lib/terraform-module/) runs only in this repository (npm run build:module).
  test('compiles every library source, and nothing else, to JavaScript and types', () => {
    const expected = [
      ...sourceFiles('lib').filter((file) => !file.startsWith('lib/terraform-module/')),
      ...CORE_SOURCES,
    ].flatMap((file) => {
      const base = path.posix.join('dist', file.replace(/\.ts$/, ''));
      return [`${base}.js`, `${base}.d.ts`];
    });
    const compiled = paths.filter((file) => new RegExp(`^dist/(lib/|${CORE_OUTPUT}\\.)`).test(file));
    expect(compiled).toEqual(expected.sort());
  });

  test('the bin is executable and the entry points are in the tarball', () => {
    const bin = packed.files.find((file) => file.path === manifest.bin['iam-key-rotation'].replace(/^\.\//, ''));
    expect(bin?.mode).toBe(0o755);
    const entries = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
    ];
    for (const entry of entries.map((file) => file.replace(/^\.\//, ''))) expect(paths).toContain(entry);
  });

  test('the library needs nothing at run time but Node, its peers and its own files', () => {
    const required = paths
      .filter((file) => new RegExp(`^dist/(lib/.*|${CORE_OUTPUT})\\.js$`).test(file))
      .flatMap((file) =>
        [...fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
          (match) => match[1],
        ),
      );
    const external = [...new Set(required.filter((name) => !name.startsWith('.')))].map((name) =>
      name.replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, '$1'),
    );
    expect([...new Set(external)].sort()).toEqual(['@cdktf/provider-aws', 'cdktf', 'constructs', 'fs', 'path']);
  });
});

describe('package.json', () => {
  test('is publishable, with no dependencies of its own and the peers at the tested ranges', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual(
      Object.fromEntries(Object.entries(PEERS).map(([name, peer]) => [name, peer.range])),
    );
    for (const [name, peer] of Object.entries(PEERS)) {
      const installed = JSON.parse(
        fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      expect({ name, version: installed.version }).toEqual({ name, version: peer.tested });
      expect(peer.range).toBe(`^${peer.tested}`);
    }
  });

  test('npm publish --dry-run has nothing to correct', () => {
    // --offline: the dry run then skips the registry, which only tells a logged-out user that publishing needs a login.
    const result = spawnSync('npm', ['publish', '--dry-run', '--offline', '--ignore-scripts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const warnings = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('npm warn') && !/requires you to be logged in/.test(line));
    expect(warnings).toEqual([]);
    expect(result.stdout).toContain(`+ ${manifest.name}@${manifest.version}`);
  });

  test('the version has a CHANGELOG entry, and the README installs it with the tested peers', () => {
    const changelog = fs.readFileSync(path.join(PROJECT_ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(
      new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'),
    );
    const install = checkedBlock('README.md', 'consumer:install').text;
    expect(install).toContain(`iam-key-rotation-${manifest.version}.tgz`);
    for (const [name, peer] of Object.entries(PEERS)) expect(install).toContain(`${name}@${peer.tested}`);
    const peers = checkedBlock('README.md', 'peers').rows.map(([name, range, tested]) => [
      unquote(name),
      unquote(range),
      tested.replace(/[, ].*$/, ''),
    ]);
    expect(peers).toEqual(Object.entries(PEERS).map(([name, peer]) => [name, peer.range, peer.tested]));
  });
});

describe('the public API', () => {
  test('is exactly the construct, its types, the rules, the config loader and the stack', () => {
    // GIVEN the shipped declarations, read as a consumer's compiler reads them
    const entry = path.join(PROJECT_ROOT, manifest.types);
    const program = ts.createProgram([entry], { skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    // WHEN
    const exported = checker
      .getExportsOfModule(moduleSymbol)
      .map((symbol) => symbol.getName())
      .sort();
    const runtime = Object.keys(require(path.join(PROJECT_ROOT, manifest.main)) as object).sort();
    // THEN
    expect(exported).toEqual([...PUBLIC_API.values, ...PUBLIC_API.types].sort());
    expect(runtime).toEqual([...PUBLIC_API.values].sort());
  });
});
