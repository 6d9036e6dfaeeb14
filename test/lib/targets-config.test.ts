// `targets` in the config: one deployment per account and region, inheriting the top-level keys.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRotationConfig, parseRotationConfig } from '../../lib';
import { problemsOfCall } from './fixtures';
import { AppConfig, TargetsConfig, isTargetsConfig, loadAppConfig, parseAppConfig } from '../../lib/app/config';
import { targetStateKey } from '../../lib/app/targets';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'multi-account.config.json');
const SINGLE_EXAMPLE = path.join(__dirname, '..', '..', 'rotation.config.json');

const ROLE_A = 'arn:aws:iam::111111111111:role/deployer';
const ROLE_B = 'arn:aws:iam::222222222222:role/deployer';
const ACCOUNTS: Record<string, string> = { a: '111111111111', b: '222222222222', c: '333333333333' };
/** A valid target: `a`, `b` and `c` in accounts of their own, any other name in a fourth; one user, `ci`. */
const target = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const accountId = ACCOUNTS[name] ?? '444444444444';
  return { name, accountId, roleArn: `arn:aws:iam::${accountId}:role/deployer`, users: [{ name: 'ci' }], ...extra };
};
/** Another valid target in `a`'s account and region: its own rotation name and user. */
const inAccountA = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  target(name, {
    accountId: '111111111111',
    roleArn: ROLE_A,
    rotationName: `keys-${name}`,
    users: [{ name: `ci-${name}` }],
    ...extra,
  });
const withoutUsers = (document: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'users'));
const withTargets = (targets: unknown, top: Record<string, unknown> = {}): Record<string, unknown> => ({
  region: 'eu-west-1',
  ...top,
  targets,
});

const problemsOf = (document: unknown): string[] => problemsOfCall(() => parseAppConfig(document));

function problemsOfText(text: string): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'targets-')), 'rotation.config.json');
  fs.writeFileSync(file, text);
  return problemsOfCall(() => loadAppConfig(file));
}

function targetsOf(config: AppConfig): TargetsConfig['targets'] {
  if (!isTargetsConfig(config)) throw new Error('expected a config with targets');
  return config.targets;
}

describe('the multi-account example', () => {
  const targets = targetsOf(loadAppConfig(EXAMPLE));
  const byName = Object.fromEntries(targets.map((entry) => [entry.name, entry]));

  test('has three targets in two accounts, each with its deploy and plan roles and the default session name', () => {
    expect(targets.map(({ name, accountId, region, assumeRole }) => ({ name, accountId, region, assumeRole }))).toEqual(
      [
        {
          name: 'shared-services',
          accountId: '210987654321',
          region: 'eu-west-1',
          assumeRole: {
            roleArn: 'arn:aws:iam::210987654321:role/platform/iam-key-rotation-deployer',
            planRoleArn: 'arn:aws:iam::210987654321:role/platform/iam-key-rotation-planner',
            sessionName: 'iam-key-rotation-shared-services',
          },
        },
        {
          name: 'prod-eu',
          accountId: '345678901234',
          region: 'eu-west-1',
          assumeRole: {
            roleArn: 'arn:aws:iam::345678901234:role/platform/iam-key-rotation-deployer',
            planRoleArn: 'arn:aws:iam::345678901234:role/platform/iam-key-rotation-planner',
            sessionName: 'iam-key-rotation-prod-eu',
          },
        },
        {
          name: 'prod-us',
          accountId: '345678901234',
          region: 'us-east-1',
          assumeRole: {
            roleArn: 'arn:aws:iam::345678901234:role/platform/iam-key-rotation-deployer',
            planRoleArn: 'arn:aws:iam::345678901234:role/platform/iam-key-rotation-planner',
            sessionName: 'iam-key-rotation-prod-us',
          },
        },
      ],
    );
  });

  test('gives each target its own state key in the shared bucket', () => {
    expect(targets.map((entry) => entry.backend)).toEqual(
      ['shared-services', 'prod-eu', 'prod-us'].map((name) => ({
        s3: {
          bucket: 'acme-platform-terraform-state',
          key: `iam-key-rotation/fleet/${name}.tfstate`,
          region: 'eu-west-1',
          useLockfile: true,
        },
      })),
    );
  });

  test("merges each target's keys over the top-level ones: a target's value replaces the default whole", () => {
    const shared = {
      schedule: { automaticallyAfterDays: 90, duration: '4h' },
      previousKeyAction: 'deactivate-after-grace',
      previousKeyGraceDays: 7,
      logRetentionInDays: 365,
    };
    expect(byName['shared-services'].rotation).toEqual({
      ...shared,
      notifications: { emails: ['platform-oncall@example.com'] },
      tags: { project: 'iam-key-rotation', owner: 'platform' },
      users: [
        { name: 'ci-deployer', schedule: { automaticallyAfterDays: 30 }, previousKeyGraceDays: 3 },
        { name: 'artifact-publisher' },
      ],
    });
    expect(byName['prod-eu'].rotation).toMatchObject({
      ...shared,
      previousKeyInUse: 'deactivate',
      tags: { project: 'iam-key-rotation', owner: 'platform', environment: 'production' },
    });
    expect(byName['prod-us'].rotation).toMatchObject({
      ...shared,
      name: 'iam-key-rotation-us',
      notifications: { emails: ['platform-oncall@example.com', 'us-operations@example.com'] },
      users: [{ name: 'payments-export-us' }],
    });
    expect(byName['prod-us'].rotation).not.toHaveProperty('previousKeyInUse');
  });

  test('is refused by loadRotationConfig, which reads one deployment, with the reason', () => {
    expect(problemsOfCall(() => loadRotationConfig(EXAMPLE))).toEqual([
      '`targets` lists one deployment per target, which only the app (main.ts) reads: this reads the config of one deployment (no `targets`)',
    ]);
  });
});

describe('a config without targets', () => {
  test('reads the same through loadAppConfig as through loadRotationConfig', () => {
    expect(loadAppConfig(SINGLE_EXAMPLE)).toEqual(loadRotationConfig(SINGLE_EXAMPLE));
    expect(isTargetsConfig(loadAppConfig(SINGLE_EXAMPLE))).toBe(false);
  });
});

describe('target keys', () => {
  test('every top-level key but `name` is a target key too: keys added to the config need no more work', () => {
    // GIVEN the known keys that an unknown key's message lists, at the top level and in a target
    const known = (problem: string): string[] => (/\(known: (.*)\)$/.exec(problem)?.[1] ?? '').split(', ');
    const [topLevel] = problemsOf({ users: [{ name: 'a' }], nope: 1 });
    const [inTarget] = problemsOf(withTargets([target('a', { nope: 1 })]));
    // THEN
    const expected = known(topLevel).filter((key) => key !== 'name' && key !== 'targets');
    expect(expected.length).toBeGreaterThan(15);
    expect(known(inTarget)).toEqual([
      'name',
      'accountId',
      'roleArn',
      'planRoleArn',
      'externalId',
      'sessionName',
      'rotationName',
      ...expected,
    ]);
  });

  test('optional ones are taken: externalId, sessionName and an own backend used as written', () => {
    const backend = { s3: { bucket: 'state-b', key: 'keys/b.tfstate' } };
    const [a, b] = targetsOf(
      parseAppConfig(
        withTargets(
          [target('a', { externalId: 'acme-platform', sessionName: 'platform-ci' }), target('b', { backend })],
          {
            backend: { s3: { bucket: 'state', key: 'keys' } },
          },
        ),
      ),
    );
    expect(a.assumeRole).toEqual({ roleArn: ROLE_A, sessionName: 'platform-ci', externalId: 'acme-platform' });
    expect(a.backend).toEqual({ s3: { bucket: 'state', key: 'keys/a.tfstate' } });
    expect(b.backend).toEqual(backend);
  });

  test('planRoleArn is taken next to the deploy role, and is optional', () => {
    const [a, b] = targetsOf(
      parseAppConfig(
        withTargets([target('a', { planRoleArn: 'arn:aws:iam::111111111111:role/planner' }), target('b')]),
      ),
    );
    expect(a.assumeRole).toEqual({
      roleArn: ROLE_A,
      planRoleArn: 'arn:aws:iam::111111111111:role/planner',
      sessionName: 'iam-key-rotation-a',
    });
    expect(b.assumeRole).toEqual({ roleArn: ROLE_B, sessionName: 'iam-key-rotation-b' });
  });

  test("a role of the region's partition is taken: aws-cn in China, aws-us-gov in GovCloud", () => {
    const targets = targetsOf(
      parseAppConfig(
        withTargets([
          target('a', {
            region: 'cn-north-1',
            roleArn: 'arn:aws-cn:iam::111111111111:role/deployer',
            planRoleArn: 'arn:aws-cn:iam::111111111111:role/planner',
          }),
          target('b', { region: 'us-gov-west-1', roleArn: 'arn:aws-us-gov:iam::222222222222:role/deployer' }),
        ]),
      ),
    );
    expect(targets.map((entry) => entry.assumeRole.roleArn)).toEqual([
      'arn:aws-cn:iam::111111111111:role/deployer',
      'arn:aws-us-gov:iam::222222222222:role/deployer',
    ]);
  });

  test('two targets in one account and different regions may share a prefix (secrets are regional)', () => {
    const document = withTargets([
      target('a'),
      inAccountA('a-us', { region: 'us-east-1', secretNamePrefix: 'iam-key-rotation/' }),
    ]);
    expect(targetsOf(parseAppConfig(document))).toHaveLength(2);
  });

  test('without any backend, no target has one (each stack keeps a local state)', () => {
    expect(targetsOf(parseAppConfig(withTargets([target('a'), target('b')]))).map((entry) => entry.backend)).toEqual([
      undefined,
      undefined,
    ]);
  });

  test('two targets in one account and region take their own rotation names', () => {
    const targets = targetsOf(parseAppConfig(withTargets([target('a'), inAccountA('a2')])));
    expect(targets.map((entry) => [entry.accountId, entry.region, entry.rotation.name])).toEqual([
      ['111111111111', 'eu-west-1', undefined],
      ['111111111111', 'eu-west-1', 'keys-a2'],
    ]);
  });
});

describe('config problems name the target and the key', () => {
  test.each<[string, unknown, string[]]>([
    [
      'top-level users next to targets',
      withTargets([target('a')], { users: [{ name: 'x' }] }),
      [
        "`users` cannot be set next to `targets`: users live per target, in `targets[i].users` (the IAM users of that target's account)",
      ],
    ],
    ['no target', withTargets([]), ['`targets` must list at least one target, got []']],
    [
      'targets not a list',
      withTargets({ a: target('a') }),
      [expect.stringMatching(/^`targets` must be a list of targets, got \{"a":/)],
    ],
    ['a target that is not an object', withTargets(['a']), ['`targets[0]` must be an object, got "a"']],
    [
      'a target without its own keys',
      withTargets([{ users: [{ name: 'x' }] }]),
      [
        "`targets[0].name` is required: the target's id, which names its stack",
        '`targets[0].accountId` is required: the AWS account the target deploys to',
        '`targets[0].roleArn` is required: the role Terraform assumes to deploy the target',
      ],
    ],
    [
      'a name that cannot name a stack',
      withTargets([target('Prod EU')]),
      [
        '`targets[0].name` must be 1-40 lowercase letters, digits and \'-\', starting and ending with a letter or digit (it names the stack and its state), got "Prod EU"',
      ],
    ],
    [
      'a name given twice',
      withTargets([
        target('a'),
        target('b'),
        target('a', { accountId: '333333333333', roleArn: 'arn:aws:iam::333333333333:role/deployer' }),
      ]),
      ['`targets[2] (a).name` must be unique, got "a" again'],
    ],
    [
      'an account id as a JSON number',
      withTargets([target('a', { accountId: 111111111111 })]),
      ['`targets[0] (a).accountId` must be a string, got 111111111111'],
    ],
    [
      'an account id that is not 12 digits',
      withTargets([target('a', { accountId: '11111111111' })]),
      ['`targets[0] (a).accountId` must be a 12-digit AWS account id, got "11111111111"'],
    ],
    [
      'a role ARN that is a user',
      withTargets([target('a', { roleArn: 'arn:aws:iam::111111111111:user/deployer' })]),
      [
        '`targets[0] (a).roleArn` must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got "arn:aws:iam::111111111111:user/deployer"',
      ],
    ],
    [
      'a role in another account',
      withTargets([target('a'), target('b', { roleArn: ROLE_A })]),
      [
        '`targets[1] (b).roleArn` must be a role in `accountId` "222222222222" (its credentials are that account\'s; the provider refuses any other), got a role in "111111111111": "arn:aws:iam::111111111111:role/deployer"',
      ],
    ],
    [
      'a role ARN with a wildcard in its path',
      withTargets([target('a', { roleArn: 'arn:aws:iam::111111111111:role/*/deployer' })]),
      [
        '`targets[0] (a).roleArn` must name one role: no `*`, `?`, `${` or `%{` in its path (a wildcard in a policy, an expression in Terraform), got "arn:aws:iam::111111111111:role/*/deployer"',
      ],
    ],
    [
      'a plan role ARN with a wildcard in its path',
      withTargets([target('a', { planRoleArn: 'arn:aws:iam::111111111111:role/team?/planner' })]),
      [
        '`targets[0] (a).planRoleArn` must name one role: no `*`, `?`, `${` or `%{` in its path (a wildcard in a policy, an expression in Terraform), got "arn:aws:iam::111111111111:role/team?/planner"',
      ],
    ],
    [
      'a role ARN with a Terraform expression in its path',
      withTargets([
        target('a', {
          roleArn: 'arn:aws:iam::111111111111:role/${file("/etc/passwd")}/deployer',
          planRoleArn: 'arn:aws:iam::111111111111:role/%{if true}x%{endif}/planner',
        }),
      ]),
      [
        expect.stringMatching(/^`targets\[0\] \(a\)\.roleArn` .*\$\{/),
        expect.stringMatching(/^`targets\[0\] \(a\)\.planRoleArn` .*%\{/),
      ],
    ],
    [
      "a role of another partition than the region's",
      withTargets([
        target('a', { region: 'cn-north-1' }),
        target('b', { region: 'us-gov-west-1', roleArn: 'arn:aws-cn:iam::222222222222:role/deployer' }),
      ]),
      [
        '`targets[0] (a).roleArn` must be in the partition of `region` "cn-north-1", "aws-cn" (STS there cannot assume a role of another partition), got "aws": "arn:aws:iam::111111111111:role/deployer"',
        '`targets[1] (b).roleArn` must be in the partition of `region` "us-gov-west-1", "aws-us-gov" (STS there cannot assume a role of another partition), got "aws-cn": "arn:aws-cn:iam::222222222222:role/deployer"',
      ],
    ],
    [
      "a role of another partition than the inherited region's",
      withTargets([target('a', { planRoleArn: 'arn:aws-us-gov:iam::111111111111:role/planner' })]),
      [
        '`targets[0] (a).planRoleArn` must be in the partition of `region` "eu-west-1", "aws" (STS there cannot assume a role of another partition), got "aws-us-gov": "arn:aws-us-gov:iam::111111111111:role/planner"',
      ],
    ],
    [
      'a plan role that is a user',
      withTargets([target('a', { planRoleArn: 'arn:aws:iam::111111111111:user/planner' })]),
      [
        '`targets[0] (a).planRoleArn` must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got "arn:aws:iam::111111111111:user/planner"',
      ],
    ],
    [
      'a plan role in another account',
      withTargets([target('a', { planRoleArn: 'arn:aws:iam::222222222222:role/planner' })]),
      [
        '`targets[0] (a).planRoleArn` must be a role in `accountId` "111111111111" (its credentials are that account\'s; the provider refuses any other), got a role in "222222222222": "arn:aws:iam::222222222222:role/planner"',
      ],
    ],
    [
      'the deploy role as the plan role',
      withTargets([target('a', { planRoleArn: ROLE_A })]),
      [
        '`targets[0] (a).planRoleArn` must differ from `roleArn` (plans assume it so that they never hold deploy power), got "arn:aws:iam::111111111111:role/deployer"',
      ],
    ],
    [
      'two targets in one account and region under one secret-name prefix',
      withTargets([target('a'), inAccountA('a2', { secretNamePrefix: 'iam-key-rotation/' })]),
      [
        '`targets[1] (a2).secretNamePrefix` must not overlap the secret-name prefix of targets[0] (a) in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "iam-key-rotation/" and "iam-key-rotation/"',
      ],
    ],
    [
      "a default prefix over another target's nested prefix, in one account and region",
      withTargets([inAccountA('a2', { secretNamePrefix: 'iam-key-rotation/eu/' }), target('a')]),
      [
        '`targets[1] (a).secretNamePrefix` (the default: the rotation name and "/") must not overlap the secret-name prefix of targets[0] (a2) in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "iam-key-rotation/" and "iam-key-rotation/eu/"',
      ],
    ],
    [
      'one top-level prefix inherited by two targets in one account and region',
      withTargets([target('a'), inAccountA('a2')], { secretNamePrefix: 'team/' }),
      [
        '`targets[1] (a2).secretNamePrefix` (the top-level one) must not overlap the secret-name prefix of targets[0] (a) in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "team/" and "team/"',
      ],
    ],
    [
      'a secret name under the prefix of an earlier target in one account and region',
      withTargets([
        target('a'),
        inAccountA('a2', { users: [{ name: 'ci-a2', secretName: 'iam-key-rotation/ci-a2' }] }),
      ]),
      [
        '`targets[1] (a2).users[0].secretName` must not be under the secret-name prefix "iam-key-rotation/" of targets[0] (a) in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "iam-key-rotation/ci-a2"',
      ],
    ],
    [
      'a secret name under the prefix of a later target in one account and region',
      withTargets([
        target('a', { users: [{ name: 'ci', secretName: 'shared/ci' }] }),
        inAccountA('a2', { secretNamePrefix: 'shared/' }),
      ]),
      [
        '`targets[0] (a).users[0].secretName` must not be under the secret-name prefix "shared/" of targets[1] (a2) in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "shared/ci"',
      ],
    ],
    [
      'one secret name in two targets of one account and region',
      withTargets([
        target('a', { users: [{ name: 'ci', secretName: 'legacy/ci-key' }] }),
        inAccountA('a2', { users: [{ name: 'ci-a2', secretName: 'legacy/ci-key' }] }),
      ]),
      [
        '`targets[1] (a2).users[0].secretName` must not be a secret of targets[0] (a) too, in the same account "111111111111" and region "eu-west-1" (each function\'s boundary would cover the other\'s secrets), got "legacy/ci-key"',
      ],
    ],
    [
      'a bad session name',
      withTargets([target('a', { sessionName: 'a b' })]),
      ['`targets[0] (a).sessionName` must be 2-64 characters of letters, digits and _+=,.@-, got "a b"'],
    ],
    [
      'a bad external id',
      withTargets([target('a', { externalId: 'x' })]),
      ['`targets[0] (a).externalId` must be 2-1224 characters of letters, digits and _+=,.@:/-, got "x"'],
    ],
    [
      'an unknown key',
      withTargets([target('a'), target('prod-eu', { user: [] })]),
      [
        expect.stringMatching(
          /^`targets\[1\] \(prod-eu\)\.user` is not a known key \(known: name, accountId, roleArn, planRoleArn, externalId, sessionName, rotationName, region, users, /,
        ),
      ],
    ],
    [
      'no users',
      withTargets([withoutUsers(target('a'))]),
      ['`targets[0] (a).users` is required: list the IAM users whose keys rotate'],
    ],
    [
      'a user problem',
      withTargets([target('a'), target('prod-eu', { users: [{ name: 'ok' }, { name: 'team/ci' }] })]),
      ['`targets[1] (prod-eu).users[1].name` must be 1-64 characters of letters, digits and _+=,.@-, got "team/ci"'],
    ],
    [
      "a user's unknown key",
      withTargets([target('a', { users: [{ name: 'x', create: true }] })]),
      [expect.stringMatching(/^`targets\[0\] \(a\)\.users\[0\]\.create` is not a known key/)],
    ],
    [
      "an override's type",
      withTargets([target('a', { testBudgetMs: '3s' })]),
      ['`targets[0] (a).testBudgetMs` must be a number, got "3s"'],
    ],
    [
      "an override's value",
      withTargets([target('a', { logLevel: 'TRACE' })]),
      ['`targets[0] (a).logLevel` must be one of "DEBUG", "INFO", "WARN", "ERROR", got "TRACE"'],
    ],
    [
      'a bad rotation name',
      withTargets([target('a', { rotationName: 'keys/eu' })]),
      ['`targets[0] (a).rotationName` must be 1-56 characters of letters, digits, _ and -, got "keys/eu"'],
    ],
    [
      'a region of its own that the provider does not know',
      withTargets([target('a', { region: 'Europe' })]),
      ['`targets[0] (a).region` must be an AWS region like us-east-1, got "Europe"'],
    ],
    [
      'no region at all',
      { targets: [target('a')] },
      [
        "`targets[0] (a).region` is required: the target's region (or set a top-level `region` that every target inherits)",
      ],
    ],
    [
      "an own KMS key in the inherited region's stead",
      withTargets([
        target('a', { encryption: 'customer-managed', kmsKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/abcd' }),
      ]),
      [
        '`targets[0] (a).kmsKeyArn` must be a key in `region` "eu-west-1" (Secrets Manager encrypts a secret only with a KMS key of its own region), got a key in "us-east-1": "arn:aws:kms:us-east-1:111111111111:key/abcd"',
      ],
    ],
    [
      "an inherited KMS key against the target's own region",
      withTargets([target('a'), target('b', { region: 'us-east-1' })], {
        encryption: 'customer-managed',
        kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/abcd',
      }),
      [
        '`kmsKeyArn` must be a key in `targets[1] (b).region` "us-east-1" (Secrets Manager encrypts a secret only with a KMS key of its own region), got a key in "eu-west-1": "arn:aws:kms:eu-west-1:111111111111:key/abcd" (inherited by targets[1] (b))',
      ],
    ],
    [
      'two targets in one account under one rotation name',
      withTargets([
        target('a'),
        target('b'),
        target('a-us', { region: 'us-east-1', accountId: '111111111111', roleArn: ROLE_A, users: [{ name: 'ci-us' }] }),
      ]),
      [
        '`targets[2] (a-us).rotationName` must differ from that of targets[0] (a), in the same account "111111111111" (the function\'s role is named after it, and IAM role names are per account), got "iam-key-rotation", the default',
      ],
    ],
    [
      'two rotation names in one account that differ only in case',
      withTargets([
        target('a', { rotationName: 'Keys' }),
        target('a-us', {
          region: 'us-east-1',
          accountId: '111111111111',
          roleArn: ROLE_A,
          rotationName: 'keys',
          users: [{ name: 'ci-us' }],
        }),
      ]),
      [
        '`targets[1] (a-us).rotationName` must differ from that of targets[0] (a), in the same account "111111111111" (the function\'s role is named after it, and IAM role names are per account), got "keys"',
      ],
    ],
    [
      'one IAM user in two targets of one account (IAM names ignore case)',
      withTargets([
        target('a', { users: [{ name: 'ci' }, { name: 'Vendor-Sync' }] }),
        target('b', { users: [{ name: 'vendor-sync' }] }),
        target('a-us', {
          region: 'us-east-1',
          accountId: '111111111111',
          roleArn: ROLE_A,
          rotationName: 'keys-us',
          users: [{ name: 'build' }, { name: 'vendor-sync' }],
        }),
      ]),
      [
        '`targets[2] (a-us).users[1].name` must not be rotated by targets[0] (a) too, in the same account "111111111111" (two functions would rotate one user\'s keys, each taking the other\'s key for an unmanaged one), got "vendor-sync"',
      ],
    ],
    [
      "an own backend's KMS key against the target's own backend region",
      withTargets([
        target('a', {
          region: 'us-east-1',
          backend: {
            s3: {
              bucket: 'state',
              key: 'a',
              region: 'eu-west-1',
              kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/state',
            },
          },
        }),
      ]),
      [
        '`targets[0] (a).backend.s3.kmsKeyId` must be a key in the bucket\'s region, `targets[0] (a).backend.s3.region` "eu-west-1" (S3 encrypts only with a KMS key of the bucket\'s region), got a key in "us-east-1": "arn:aws:kms:us-east-1:111111111111:alias/state"',
      ],
    ],
    [
      'two targets writing one state',
      withTargets([target('a'), target('b', { backend: { s3: { bucket: 'state', key: 'keys/a.tfstate' } } })], {
        backend: { s3: { bucket: 'state', key: 'keys.tfstate' } },
      }),
      [
        '`targets[1] (b).backend.s3.key` must differ from the state key of targets[0] (a) (each stack needs its own state), got "keys/a.tfstate" in bucket "state"',
      ],
    ],
    [
      "an own backend's problem",
      withTargets([target('a', { backend: { s3: { bucket: 'state', key: '/a' } } })]),
      ['`targets[0] (a).backend.s3.key` must be an object key that does not start or end with "/", got "/a"'],
    ],
    [
      "a top-level backend's problem, once",
      withTargets([target('a'), target('b')], { backend: { s3: { bucket: 'state', key: 'keys/' } } }),
      ['`backend.s3.key` must be an object key that does not start or end with "/", got "keys/"'],
    ],
    [
      'a top-level backend without a key',
      withTargets([target('a')], { backend: { s3: { bucket: 'state' } } }),
      ['`backend.s3.key` is required'],
    ],
    [
      'a top-level backend without s3',
      withTargets([target('a')], { backend: {} }),
      [
        '`backend` must set `s3`, the one backend offered here (for another, add its construct to your own stack), got {}',
      ],
    ],
  ])('%s', (_case, document, expected) => {
    expect(problemsOf(document)).toEqual(expected);
  });

  test("an inherited value's problem names the key once, with the targets that inherit it", () => {
    // GIVEN a bad top-level logLevel that targets a and c inherit and b overrides
    const document = withTargets([target('a'), target('b', { logLevel: 'WARN' }), target('c')], { logLevel: 'TRACE' });
    // WHEN / THEN
    expect(problemsOf(document)).toEqual([
      '`logLevel` must be one of "DEBUG", "INFO", "WARN", "ERROR", got "TRACE" (inherited by targets[0] (a), targets[2] (c))',
    ]);
  });

  test("a default that conflicts with one target's user names that target's user", () => {
    const document = withTargets(
      [target('a'), target('b', { users: [{ name: 'weekly', schedule: { automaticallyAfterDays: 7 } }] })],
      { previousKeyGraceDays: 7 },
    );
    expect(problemsOf(document)).toEqual([
      '`previousKeyGraceDays` must be less than the rotation interval of targets[1] (b).users[0] (7 days, `targets[1] (b).users[0].schedule`): the next rotation deletes the previous key before the grace period ends, got 7 (inherited by targets[1] (b))',
    ]);
  });

  test('every problem of every target comes in one report', () => {
    const document = withTargets([
      target('a', { logLevel: 1 }),
      target('b', { users: [{ name: 'x', createUser: 'yes' }] }),
    ]);
    expect(problemsOf(document)).toEqual([
      '`targets[0] (a).logLevel` must be a string, got 1',
      '`targets[1] (b).users[0].createUser` must be a boolean, got "yes"',
    ]);
  });

  test("in a file, a repeated key and a number too large are shown with the target's name", () => {
    const text = `{"region": "eu-west-1", "targets": [
      {"name": "a", "accountId": "111111111111", "roleArn": "${ROLE_A}", "users": [{"name": "x", "name": "y"}]},
      {"name": "b", "accountId": "222222222222", "roleArn": "${ROLE_B}", "users": [{"name": "z"}], "testBudgetMs": 1e400}
    ]}`;
    expect(problemsOfText(text)).toEqual([
      '`targets[0] (a).users[0].name` is given twice (a JSON key may appear only once in an object)',
      '`targets[1] (b).testBudgetMs` must be a finite number, got 1e400',
    ]);
  });

  test('parseRotationConfig, for one deployment, refuses targets', () => {
    expect(problemsOfCall(() => parseRotationConfig(withTargets([target('a')])))).toEqual([
      expect.stringMatching(/^`targets` lists one deployment per target/),
    ]);
  });
});

describe('targetStateKey', () => {
  test.each([
    ['iam-key-rotation/fleet.tfstate', 'iam-key-rotation/fleet/prod-eu.tfstate'],
    ['iam-key-rotation/fleet', 'iam-key-rotation/fleet/prod-eu.tfstate'],
    ['fleet.tfstate', 'fleet/prod-eu.tfstate'],
    ['.tfstate', 'prod-eu.tfstate'],
    ['states/.tfstate', 'states/prod-eu.tfstate'],
  ])('%s -> %s', (key, expected) => {
    expect(targetStateKey(key, 'prod-eu')).toBe(expected);
  });
});
