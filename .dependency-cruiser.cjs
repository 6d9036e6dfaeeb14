// The allowed edges between the project's folders, written once (docs/contributing.md, "Layout"). `npm run check:deps`,
// part of `npm test`, fails on any import these rules forbid and names the rule.
//
//   core/                 imports nothing of ours: the domain the function, the CLI, the construct and the emulator share
//   lib/, lambda/, cli/   import core/ only (and never each other: the built zip is the only bond of lib/ and lambda/)
//   app/, main.ts         the app: lib/ and core/
//   emulator/, demo/, scripts/, test/   sit above and may import anything
const FOLDERS_ABOVE_CORE = '^(lib|lambda|cli|app|emulator|demo|scripts|test)/|^main[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A module must not import itself through others: split out what both sides need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core/ is the shared domain: it may import only core/ and packages.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: FOLDERS_ABOVE_CORE },
    },
    {
      name: 'lib-imports-core-only',
      comment:
        'The construct library reaches the function only through its built zip, and never the CLI, the app or the emulator.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(lambda|cli|app|emulator|demo|scripts|test)/|^main[.]ts$' },
    },
    {
      name: 'lambda-imports-core-only',
      comment: 'The function bundles core/ and its own runtime, nothing of the construct, the CLI or the app.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(lib|cli|app|emulator|demo|scripts|test)/|^main[.]ts$' },
    },
    {
      name: 'cli-imports-core-only',
      comment: "The CLI uses the shared domain in core/, never the function's runtime or the construct library.",
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(lib|lambda|app|emulator|demo|scripts|test)/|^main[.]ts$' },
    },
    {
      name: 'app-imports-lib-and-core',
      comment: 'The app (main.ts, app/) is built from the library; test helpers and the emulator sit above it.',
      severity: 'error',
      from: { path: '^(app/|main[.]ts$)' },
      to: { path: '^(lambda|cli|emulator|demo|scripts|test)/' },
    },
    {
      name: 'no-cdktf-in-the-function-or-the-cli',
      comment: 'The Lambda bundle and the CLI must run without CDKTF and its provider bindings.',
      severity: 'error',
      from: { path: '^(core|lambda|cli)/' },
      to: { path: 'node_modules/(cdktf|@cdktf|constructs)/' },
    },
    {
      name: 'no-unresolvable-import',
      comment: 'An import that resolves to no file is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|cdktf[.]out|node_modules)/' },
    // Type-only imports are edges too: a cycle through types is still a cycle a reader has to untangle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
