// The command line as the CLI reads it (node:util parseArgs under the CLI's own checks and messages), in-process
// through main(): every case stops before any AWS call. The messages are the ones of the hand-written parser it
// replaced, kept word for word.
import { parseArguments } from '../../cli/arguments';
import { main } from '../../cli/main';
import { recordingIo } from './in-process';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

const GLOBAL_HINT = "Run 'iam-key-rotation --help' for usage.";
const hintOf = (command: string): string => `Run 'iam-key-rotation ${command} --help' for usage.`;

describe('usage errors: exit 2, the message, then where to read the usage', () => {
  test.each([
    [[], 'missing command (status, rotate, credentials, review)', GLOBAL_HINT],
    [['-'], 'missing command (status, rotate, credentials, review)', GLOBAL_HINT],
    [['--region', 'status'], 'missing command (status, rotate, credentials, review)', GLOBAL_HINT],
    [['frob'], "unknown command 'frob' (the commands are status, rotate, credentials, review)", GLOBAL_HINT],
    [['--', '--help'], "unknown command '--help' (the commands are status, rotate, credentials, review)", GLOBAL_HINT],
    [['--bogus', 'status'], 'unknown option --bogus', hintOf('status')],
    [['status', '--bogus=1'], 'unknown option --bogus', hintOf('status')],
    [['status', '-hx'], 'unknown option -hx', hintOf('status')],
    [['status', '-h=1'], 'unknown option -h=1', hintOf('status')],
    [['status', '--=x'], 'unknown option --', hintOf('status')],
    [['status', '---json'], 'unknown option ---json', hintOf('status')],
    [['status', '--help', '--bogus'], 'unknown option --bogus', hintOf('status')],
    [['status', '--json=yes'], 'option --json takes no value', hintOf('status')],
    [['status', '--help='], 'option --help takes no value', hintOf('status')],
    [['status', '--stack-prefix'], 'option --stack-prefix needs a value', hintOf('status')],
    [['status', '--stack-prefix', '--json'], 'option --stack-prefix needs a value', hintOf('status')],
    [['status', '--region', '--'], 'option --region needs a value', hintOf('status')],
    [['status', '--stack-prefix='], 'option --stack-prefix needs a non-empty value', hintOf('status')],
    [['status', '--region', ''], 'option --region needs a non-empty value', hintOf('status')],
    [['--region', 'a', 'status', '--region=b'], 'option --region is given twice', hintOf('status')],
    [['status', 'extra'], "status: unexpected argument 'extra'", hintOf('status')],
    [['status', '--', '--json'], "status: unexpected argument '--json'", hintOf('status')],
    [['-', 'status'], "status: unexpected argument '-'", hintOf('status')],
    [['rotate'], 'rotate: missing argument <secret>', hintOf('rotate')],
    [['rotate', '--region', '-'], 'rotate: missing argument <secret>', hintOf('rotate')],
    [['rotate', 'a', 'b'], "rotate: unexpected argument 'b'", hintOf('rotate')],
    [['rotate', 'a', '--timeout', '-1'], 'option --timeout needs a value', hintOf('rotate')],
    [['credentials', '--force=yes', 'a'], 'option --force takes no value', hintOf('credentials')],
    [['review', 'plan.json', '--title', 't', '--title', 'u'], 'option --title is given twice', hintOf('review')],
  ])('%j', async (argv, message, hint) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`iam-key-rotation: error: ${message}\n${hint}\n`);
  });
});

describe('help and version, before or after the command', () => {
  test.each([[['--help']], [['-h']], [['--region', 'x', '--help']], [['-', '--help']]])(
    '%j prints the global help',
    async (argv) => {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      expect(out).toMatch(/^iam-key-rotation \d+\.\d+\.\d+: operate the rotation/);
      expect(out).toContain('\nExit codes:\n  0  success (status: no error finding)\n  1  ');
    },
  );

  test.each([
    [['status', '--help']],
    [['-h', 'status']],
    [['--region', 'x', 'status', '-h']],
    [['status', 'extra', '--help']],
  ])('%j prints the command help', async (argv) => {
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: iam-key-rotation status /);
    expect(out).toMatch(
      /\nGlobal options: --region <region>, --profile <name>, -h\/--help, --version\. Exit codes: iam-key-rotation --help\.\n$/,
    );
  });

  test.each([[['--version']], [['rotate', '--version']]])('%j prints the version', async (argv) => {
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('parseArguments', () => {
  const OPTIONS = {
    tag: { type: 'string', multiple: true },
    title: { type: 'string' },
    force: { type: 'boolean' },
  } as const;

  test('flags, repeatable values in order, `-` as a value and a positional, everything after `--` positional', () => {
    const args = parseArguments(
      ['a', '--tag', 'x', '--force', '--tag=y', '--title', '-', '-', '--', '--force', '-z'],
      OPTIONS,
      'hint',
    );
    expect(args.positionals).toEqual(['a', '-', '--force', '-z']);
    expect([...args.flags]).toEqual(['force']);
    expect(Object.fromEntries(args.values)).toEqual({ tag: ['x', 'y'], title: ['-'] });
  });

  test('a value may hold `=` and start with `-` when given inline', () => {
    const args = parseArguments(['--title=-a=b'], OPTIONS, 'hint');
    expect(args.values.get('title')).toEqual(['-a=b']);
  });

  test("errors carry the caller's hint", () => {
    expect(() => parseArguments(['--nope'], OPTIONS, 'see the help')).toThrow(
      expect.objectContaining({ message: 'unknown option --nope', hint: 'see the help' }),
    );
  });
});
