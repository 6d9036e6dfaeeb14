// The plain module's variable validations say what the construct's checks say: each bad input is given to the module
// (one module call per case, one `terraform validate` for all) and to the construct (iamAccessKeyRotationPropsProblems),
// and the messages must match, the construct's camelCase names written as the module's snake_case variables.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  IamAccessKeyRotationProps,
  iamAccessKeyRotationPropsProblems,
} from '../../lib/construct/iam-access-key-rotation';
import { buildTerraformModule } from '../../lib/terraform-module/build';
import { maxModuleUsers } from '../../lib/terraform-module/module-stack';
import { runTerraform } from '../../emulator/deployment';
import { terraformEnv } from '../../emulator/terraform-env';
import { describeWithTerraform } from '../support/tools';

interface Case {
  readonly title: string;
  /** The module's arguments besides `users = [{ name = "alice" }]`. */
  readonly module: Record<string, unknown>;
  /** The construct's props for the same mistake, besides `users: [{ name: 'alice' }]`; none: the module's own check. */
  readonly props?: Partial<IamAccessKeyRotationProps>;
  /** The module's message, when the construct has none to compare with. */
  readonly expected?: RegExp;
  /** Compare only up to the echoed value (`, got ...`): the construct shows the value in its own (camelCase) JSON. */
  readonly upToValue?: boolean;
}

const alice = { name: 'alice' };
const tags49 = Object.fromEntries(Array.from({ length: 49 }, (_, index) => [`tag${index}`, 'x']));
const CASES: Case[] = [
  { title: 'no users', module: { users: [] }, props: { users: [] } },
  {
    title: 'a user name too long for IAM',
    module: { users: [alice, { name: 'u'.repeat(65) }] },
    props: { users: [alice, { name: 'u'.repeat(65) }] },
  },
  {
    title: 'a user twice, in another case',
    module: { users: [alice, { name: 'ALICE' }] },
    props: { users: [alice, { name: 'ALICE' }] },
  },
  {
    title: 'a comma in a user name',
    module: { users: [alice, { name: 'a,b' }] },
    expected: /^`users\[1\]\.name` must not contain ','/,
  },
  {
    title: 'more users than the role can name',
    module: { users: Array.from({ length: maxModuleUsers() + 1 }, (_, index) => ({ name: `user-${index}` })) },
    expected: new RegExp(
      `^\`users\` must list at most ${maxModuleUsers()} users, got ${maxModuleUsers() + 1}: .*CDKTF construct`,
    ),
  },
  ...(
    [
      ['days out of range', { automaticallyAfterDays: 0 }],
      ['both days and an expression', { automaticallyAfterDays: 3, scheduleExpression: 'rate(3 days)' }, true],
      ['an expression of no known form', { scheduleExpression: 'every day' }],
      ['a rate under 4 hours', { scheduleExpression: 'rate(2 hours)' }],
      ['a rate over 999 days', { scheduleExpression: 'rate(1000 days)' }],
      ['a cron off the hour', { scheduleExpression: 'cron(5 1 * * ? *)' }],
      ['a cron with a year', { scheduleExpression: 'cron(0 1 * * ? 2030)' }],
      ['a window over a day', { duration: '30h' }],
    ] as const
  ).flatMap(([title, schedule, upToValue]): Case[] => {
    const snake = Object.fromEntries(Object.entries(schedule).map(([key, value]) => [snakeCase(key), value]));
    return [
      {
        title: `a user's schedule: ${title}`,
        module: { users: [{ ...alice, schedule: snake }] },
        props: { users: [{ ...alice, schedule }] },
        upToValue,
      },
      { title: `the shared schedule: ${title}`, module: { schedule: snake }, props: { schedule }, upToValue },
    ];
  }),
  { title: 'a bad name', module: { name: 'bad.name' }, props: { name: 'bad.name' } },
  {
    title: 'an unknown previous-key action',
    module: { previous_key_action: 'rotate' },
    props: { previousKeyAction: 'rotate' as never },
  },
  { title: 'a grace of 0 days', module: { previous_key_grace_days: 0 }, props: { previousKeyGraceDays: 0 } },
  {
    title: 'an unknown in-use action',
    module: { previous_key_in_use: 'maybe' },
    props: { previousKeyInUse: 'maybe' as never },
  },
  { title: 'an unknown encryption', module: { encryption: 'none' }, props: { encryption: 'none' as never } },
  {
    title: 'a wildcard reader',
    module: { readers: ['arn:aws:iam::123456789012:role/*'] },
    props: { readers: ['arn:aws:iam::123456789012:role/*'] },
  },
  {
    title: 'a reader that is no principal',
    module: { readers: ['arn:aws:s3:::bucket'] },
    props: { readers: ['arn:aws:s3:::bucket'] },
  },
  {
    title: 'a reader twice',
    module: { readers: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root'] },
    props: { readers: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root'] },
  },
  { title: 'a recovery window of 3 days', module: { recovery_window_in_days: 3 }, props: { recoveryWindowInDays: 3 } },
  {
    title: 'a reserved tag',
    module: { tags: { 'iam-key-rotation:user': 'x' } },
    props: { tags: { 'iam-key-rotation:user': 'x' } },
  },
  { title: 'a tag key starting with aws:', module: { tags: { 'aws:x': '1' } }, props: { tags: { 'aws:x': '1' } } },
  {
    title: 'a tag key of 129 characters',
    module: { tags: { ['k'.repeat(129)]: '1' } },
    props: { tags: { ['k'.repeat(129)]: '1' } },
  },
  {
    title: 'a tag value with a control character',
    module: { tags: { ok: 'bad\u0001' } },
    props: { tags: { ok: 'bad\u0001' } },
  },
  { title: 'too many tags', module: { tags: tags49 }, props: { tags: tags49 } },
  // Unknown fields, which Terraform's object types would drop silently (the config refuses `users[0].crateUser`).
  {
    title: 'an unknown user field (crate_user, a typo of create_user)',
    module: { users: [{ name: 'alice', crate_user: true }] },
    expected: /^`users\[0\]\.crate_user` is not a known key \(known: name, create_user, schedule\)\.$/,
  },
  {
    title: "an unknown field of a user's schedule",
    module: { users: [{ name: 'alice', schedule: { days: 30 } }] },
    expected:
      /^`users\[0\]\.schedule\.days` is not a known key \(known: automatically_after_days, schedule_expression, duration\)\.$/,
  },
  {
    title: 'an unknown field of the shared schedule',
    module: { schedule: { automatically_after_day: 30 } },
    expected:
      /^`schedule\.automatically_after_day` is not a known key \(known: automatically_after_days, schedule_expression, duration\)\.$/,
  },
  {
    title: 'a user without a name',
    module: { users: [{ create_user: true }] },
    expected: /^`users\[0\]\.name` is required\.$/,
  },
  {
    title: 'a create_user that is no bool',
    module: { users: [{ name: 'alice', create_user: 'yes' }] },
    expected: /^`users\[0\]\.create_user` must be a boolean, got "yes"\.$/,
  },
];

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The construct's message in the module's words: every camelCase name in backticks as snake_case, a full stop at the end. */
function inModuleWords(message: string): string {
  return `${message.replace(/`([^`]*)`/g, (_, name: string) => `\`${snakeCase(name)}\``)}.`;
}

describeWithTerraform('the plain module validates its variables as the construct checks its props', () => {
  let workDir: string;
  /** Each module call's messages, by case index. */
  const messages = new Map<number, string[]>();

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-module-validation-'));
    const moduleDir = path.join(workDir, 'module');
    buildTerraformModule({ zipPath: path.resolve(__dirname, '../../dist/lambda.zip'), outDir: moduleDir });
    const rootDir = path.join(workDir, 'root');
    fs.mkdirSync(rootDir);
    const module = Object.fromEntries(
      CASES.map((each, index) => [`case_${index}`, { source: '../module', users: [alice], ...each.module }]),
    );
    fs.writeFileSync(
      path.join(rootDir, 'main.tf.json'),
      JSON.stringify({ provider: { aws: { region: 'us-east-1' } }, module }, null, 2),
    );
    const context = {
      cwd: rootDir,
      env: { ...process.env, ...terraformEnv(rootDir), TF_INPUT: '0' },
      running: new Set<ChildProcess>(),
      transcript: [],
    };
    await runTerraform(context, ['init', '-input=false']);
    const { stdout } = await runTerraform(context, ['validate', '-json'], [0, 1]);
    const diagnostics = (
      JSON.parse(stdout) as {
        diagnostics: { detail: string; range?: { filename: string }; snippet?: { context?: string } }[];
      }
    ).diagnostics;
    for (const diagnostic of diagnostics) {
      const call = /module\.case_(\d+)|case_(\d+)/.exec(
        JSON.stringify(diagnostic.snippet ?? {}) + (diagnostic.range?.filename ?? ''),
      );
      const index = call === null ? -1 : Number(call[1] ?? call[2]);
      const text = diagnostic.detail.split('\n\nThis was checked by')[0];
      messages.set(index, [...(messages.get(index) ?? []), ...text.split('\n')]);
    }
  }, 120_000);

  // Checks that refer to other variables run at plan, not validate: one plan, which stops at them (no AWS is reached).
  test("a grace period as long as a user's rotation interval", async () => {
    const rootDir = path.join(workDir, 'plan-root');
    fs.mkdirSync(rootDir);
    const users = [alice, { name: 'bob', schedule: { automatically_after_days: 30 } }];
    const module = {
      case: { source: '../module', users, schedule: { automatically_after_days: 5 }, previous_key_grace_days: 7 },
    };
    fs.writeFileSync(
      path.join(rootDir, 'main.tf.json'),
      JSON.stringify({ provider: { aws: { region: 'us-east-1' } }, module }, null, 2),
    );
    const context = {
      cwd: rootDir,
      env: {
        ...process.env,
        ...terraformEnv(rootDir),
        TF_INPUT: '0',
        AWS_ACCESS_KEY_ID: 'none',
        AWS_SECRET_ACCESS_KEY: 'none',
      },
      running: new Set<ChildProcess>(),
      transcript: [],
    };
    await runTerraform(context, ['init', '-input=false']);
    const { stdout } = await runTerraform(context, ['plan', '-input=false', '-refresh=false', '-json'], [1]);
    const details = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { diagnostic?: { detail?: string } }).diagnostic?.detail ?? '');
    const moduleMessage = details
      .find((detail) => detail.includes('previous_key_grace_days'))
      ?.split('\n\nThis was checked by')[0];
    const [constructMessage] = iamAccessKeyRotationPropsProblems({
      users: [alice, { name: 'bob', schedule: { automaticallyAfterDays: 30 } }],
      schedule: { automaticallyAfterDays: 5 },
      previousKeyGraceDays: 7,
    });
    expect(moduleMessage).toBe(inModuleWords(constructMessage));
  }, 60_000);

  afterAll(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(CASES.map((each, index) => [each.title, index] as const))('%s', (_, index) => {
    const each = CASES[index];
    const moduleMessages = messages.get(index) ?? [];
    if (each.props === undefined) {
      expect(moduleMessages).toEqual([expect.stringMatching(each.expected as RegExp)]);
      return;
    }
    const expected = iamAccessKeyRotationPropsProblems({
      users: [alice],
      ...each.props,
    } as IamAccessKeyRotationProps).map(inModuleWords);
    expect(expected.length).toBeGreaterThan(0);
    const cut = (message: string): string => (each.upToValue ? message.split(', got ')[0] : message);
    expect(moduleMessages.map(cut).sort()).toEqual(expected.map(cut).sort());
  });
});
