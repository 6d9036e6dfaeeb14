// The sweep as the schedule invokes it: which secrets it looks at, what it changes, what it reports and emits.
import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand, ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { FUNCTION_ENV, SWEEP_EVENT, USER_TAG_KEY, grantRoleIndex } from '../../core/contract';
import { InvalidEventError } from '../../core/errors';
import { handler } from '../../lambda/index';
import { sweep } from '../../lambda/sweep/sweep';
import {
  accessKey,
  ACCOUNT,
  CURRENT_KEY_ID,
  CURRENT_SECRET_KEY,
  functionEnv,
  lambdaContext,
  NEW_SECRET_KEY,
  NOW,
  OTHER_KEY_ID,
  parseLogLines,
  PREVIOUS_KEY_ID,
  rejectionOf,
  testDependencies,
  useAwsMocks,
  type AwsMocks,
  type TestDependencies,
} from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:iam-key-rotation-notifications`;
const secretArn = (name: string): string => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-AbCdEf`;

interface SecretSpec {
  readonly name: string;
  readonly user: string;
  /** Days before NOW that the current key was made (the rotation). */
  readonly rotatedDaysAgo: number;
  /** Days before NOW that the previous key was last used; undefined: never. */
  readonly previousUsedDaysAgo?: number;
  readonly previousStatus?: 'Active' | 'Inactive';
}

/** ListSecrets lists the specs; each user holds its current key and an Active previous key. */
function givenSecrets(mocks: AwsMocks, specs: readonly SecretSpec[], extraEntries: SecretListEntry[] = []): void {
  mocks.secretsManager.on(ListSecretsCommand).resolves({
    SecretList: [
      ...specs.map((spec) => ({
        ARN: secretArn(spec.name),
        Name: spec.name,
        RotationEnabled: true,
        RotationRules: { AutomaticallyAfterDays: 90 },
        LastRotatedDate: new Date(NOW.getTime() - spec.rotatedDaysAgo * DAY),
        NextRotationDate: new Date(NOW.getTime() + 30 * DAY),
        CreatedDate: new Date(NOW.getTime() - 200 * DAY),
        SecretVersionsToStages: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
        Tags: [{ Key: USER_TAG_KEY, Value: spec.user }],
      })),
      ...extraEntries,
    ],
  });
  for (const spec of specs) {
    const previousId = `${PREVIOUS_KEY_ID.slice(0, -1)}${spec.user.length}`;
    const currentId = `${CURRENT_KEY_ID.slice(0, -1)}${spec.user.length}`;
    const value = (accesskey: string, secretkey: string): string =>
      JSON.stringify({ username: spec.user, accesskey, secretkey });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(spec.name), VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: value(currentId, NEW_SECRET_KEY) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(spec.name), VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: value(previousId, CURRENT_SECRET_KEY) });
    mocks.iam.on(ListAccessKeysCommand, { UserName: spec.user }).resolves({
      AccessKeyMetadata: [
        accessKey(currentId, { user: spec.user, created: new Date(NOW.getTime() - spec.rotatedDaysAgo * DAY) }),
        accessKey(previousId, {
          user: spec.user,
          status: spec.previousStatus ?? 'Active',
          created: new Date(NOW.getTime() - 200 * DAY),
        }),
      ],
    });
    mocks.iam.on(GetAccessKeyLastUsedCommand, { AccessKeyId: previousId }).resolves({
      AccessKeyLastUsed:
        spec.previousUsedDaysAgo === undefined
          ? { ServiceName: 'N/A', Region: 'N/A' }
          : {
              LastUsedDate: new Date(NOW.getTime() - spec.previousUsedDaysAgo * DAY),
              ServiceName: 's3',
              Region: 'eu-west-1',
            },
    });
  }
}

describe('the sweep', () => {
  const mocks = useAwsMocks();
  let deps: TestDependencies;
  beforeEach(() => {
    deps = testDependencies();
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  const run = (env: Record<string, string> = {}, remainingMs = 300_000) =>
    sweep(SWEEP_EVENT, deps, functionEnv({ NOTIFICATION_TOPIC_ARN: TOPIC, ...env }), lambdaContext(remainingMs));
  const published = (): string[] =>
    mocks.sns.commandCalls(PublishCommand).map((call) => String(call.args[0].input.Message));

  test.each([
    ['an extra key', { ...SWEEP_EVENT, SecretId: secretArn('iam-key-rotation/alice') }],
    ['another value', { 'iam-key-rotation': 'rotate-all' }],
    ['a non-string value', { 'iam-key-rotation': 1 }],
  ])('refuses an event with %s before any AWS call: a caller cannot steer it', async (_name, event) => {
    const error = await rejectionOf(sweep(event, deps, functionEnv(), lambdaContext()));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toMatch(/^sweep: invalid sweep event: it must be exactly \{"iam-key-rotation":"sweep"\}/);
    expect(mocks.secretsManager.calls()).toHaveLength(0);
    expect(mocks.iam.calls()).toHaveLength(0);
  });

  test('the handler sends the sweep event to the sweep, and refuses one with extra keys', async () => {
    givenSecrets(mocks, []);
    const consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const env = { ...process.env };
    Object.assign(process.env, functionEnv());
    try {
      await expect(handler(SWEEP_EVENT, lambdaContext())).resolves.toMatchObject({ secrets: 0, checked: 0 });
      await expect(handler({ ...SWEEP_EVENT, Step: 'createSecret' }, lambdaContext())).rejects.toBeInstanceOf(
        InvalidEventError,
      );
    } finally {
      process.env = env;
      consoleLog.mockRestore();
    }
  });

  test('looks only at secrets with the user tag inside MANAGED_SECRETS', async () => {
    // GIVEN a secret of another stack that carries the user tag too
    givenSecrets(
      mocks,
      [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 1 }],
      [
        {
          ARN: secretArn('other-team/alice'),
          Name: 'other-team/alice',
          RotationEnabled: true,
          Tags: [{ Key: USER_TAG_KEY, Value: 'alice' }],
        },
      ],
    );

    // WHEN
    const summary = await run();

    // THEN ListSecrets asked for the tag, and nothing was read of the foreign secret
    expect(mocks.secretsManager).toHaveReceivedCommandWith(ListSecretsCommand, {
      Filters: [{ Key: 'tag-key', Values: [USER_TAG_KEY] }],
    });
    const read = mocks.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(read.length).toBeGreaterThan(0);
    expect(read.every((id) => id === secretArn('iam-key-rotation/alice'))).toBe(true);
    expect(summary).toMatchObject({ secrets: 1, checked: 1, deactivated: 0, errors: 0, warnings: 0 });
  });

  test("skips a secret made under the prefix whose AWSPREVIOUS holds a managed user's current key, with a finding, and retires no key", async () => {
    // GIVEN alice's own secret, and iam-key-rotation/zz-rogue, tagged alice, whose AWSPREVIOUS names alice's real
    // current key, rotated a month ago (the policy says deactivate)
    const rogue = 'iam-key-rotation/zz-rogue';
    const aliceCurrentKeyId = `${CURRENT_KEY_ID.slice(0, -1)}5`;
    givenSecrets(
      mocks,
      [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 1, previousStatus: 'Inactive' }],
      [
        {
          ARN: secretArn(rogue),
          Name: rogue,
          RotationEnabled: true,
          RotationRules: { AutomaticallyAfterDays: 90 },
          LastRotatedDate: new Date(NOW.getTime() - 30 * DAY),
          SecretVersionsToStages: { r2: ['AWSCURRENT'], r1: ['AWSPREVIOUS'] },
          Tags: [{ Key: USER_TAG_KEY, Value: 'alice' }],
        },
      ],
    );
    const value = (accesskey: string): string =>
      JSON.stringify({ username: 'alice', accesskey, secretkey: CURRENT_SECRET_KEY });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(rogue), VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: value(aliceCurrentKeyId) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(rogue), VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: value(OTHER_KEY_ID) });

    // WHEN
    const summary = await run({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN no key changed, nothing of the rogue secret was read, and the sweep says what it is
    expect(mocks.iam).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
    expect(
      mocks.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId),
    ).not.toContain(secretArn(rogue));
    expect(summary).toMatchObject({ secrets: 2, checked: 2, deactivated: 0, errors: 1 });
    const finding = summary.findings.find((candidate) => candidate.code === 'secret-unbound');
    expect(finding).toMatchObject({ severity: 'error', secret: rogue, user: 'alice' });
    expect(finding?.message).toMatch(
      /^The secret is not the stack's secret for user alice \(under iam-key-rotation\/\* the secret of user alice is named iam-key-rotation\/alice; a secret binds exactly one user: .*\), so the sweep skipped it .* delete it\.$/,
    );
  });

  test("skips a secret made under the prefix for a managed user in another case (IAM takes ALICE for alice), and retires none of alice's keys", async () => {
    // GIVEN alice's own secret, and iam-key-rotation/ALICE tagged ALICE (it passes the name rule) whose AWSPREVIOUS
    // names alice's real current key, never used since; IAM answers for ALICE with alice's keys; the policy says deactivate
    const rogue = 'iam-key-rotation/ALICE';
    const aliceCurrentKeyId = `${CURRENT_KEY_ID.slice(0, -1)}5`;
    givenSecrets(
      mocks,
      [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 1, previousStatus: 'Inactive' }],
      [
        {
          ARN: secretArn(rogue),
          Name: rogue,
          RotationEnabled: true,
          RotationRules: { AutomaticallyAfterDays: 90 },
          LastRotatedDate: new Date(NOW.getTime() - 30 * DAY),
          SecretVersionsToStages: { r2: ['AWSCURRENT'], r1: ['AWSPREVIOUS'] },
          Tags: [{ Key: USER_TAG_KEY, Value: 'ALICE' }],
        },
      ],
    );
    const value = (accesskey: string): string =>
      JSON.stringify({ username: 'ALICE', accesskey, secretkey: CURRENT_SECRET_KEY });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(rogue), VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: value(aliceCurrentKeyId) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: secretArn(rogue), VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: value(OTHER_KEY_ID) });
    mocks.iam.on(ListAccessKeysCommand, { UserName: 'ALICE' }).resolves({
      AccessKeyMetadata: [accessKey(aliceCurrentKeyId, { user: 'alice', created: new Date(NOW.getTime() - DAY) })],
    });
    mocks.iam
      .on(GetAccessKeyLastUsedCommand, { AccessKeyId: aliceCurrentKeyId })
      .resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });

    // WHEN
    const summary = await run({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN no key changed, no value of the rogue secret was read, and the sweep says what it is
    expect(mocks.iam).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
    expect(
      mocks.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId),
    ).not.toContain(secretArn(rogue));
    expect(summary).toMatchObject({ secrets: 2, checked: 2, deactivated: 0, errors: 1 });
    const finding = summary.findings.find((candidate) => candidate.code === 'secret-unbound');
    expect(finding).toMatchObject({ severity: 'error', secret: rogue, user: 'ALICE' });
    expect(finding?.message).toBe(
      'The secret does not bind its user: IAM answers for user ALICE with the keys of user alice, and a secret binds a user only by its exact name ' +
        '(a tag that names the user in another case binds no one); so the sweep skipped it and the function refuses to rotate it. ' +
        "If the stack's config names the user ALICE, write it as IAM does (alice) and apply. " +
        'If the stack did not make the secret, find out who did (CloudTrail CreateSecret) and delete it.',
    );
  });

  test('with grant roles, lists with its own role and checks each secret through the grant role holding its grants', async () => {
    // GIVEN
    const names = ['iam-key-rotation/alice', 'iam-key-rotation/bob', 'iam-key-rotation/carol'];
    givenSecrets(
      mocks,
      names.map((name) => ({ name, user: name.split('/')[1], rotatedDaysAgo: 1 })),
    );

    // WHEN
    const summary = await run({
      [FUNCTION_ENV.grantRoleCount]: '5',
      [FUNCTION_ENV.grantRoleNamePrefix]: 'iam-key-rotation-keys-',
    });

    // THEN
    expect(summary).toMatchObject({ secrets: 3, checked: 3, errors: 0 });
    const roleOf = (name: string): string =>
      `arn:aws:iam::123456789012:role/iam-key-rotation-keys-${grantRoleIndex(name, 5) + 1}`;
    expect([...deps.assumedRoles].sort()).toEqual(names.map(roleOf).sort());
  });

  test('deactivates each previous key whose grace is over and that nobody used since, holds the one in use, and reports both', async () => {
    // GIVEN
    givenSecrets(mocks, [
      { name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8, previousUsedDaysAgo: 9 },
      { name: 'iam-key-rotation/bob', user: 'bob', rotatedDaysAgo: 8, previousUsedDaysAgo: 1 },
      { name: 'iam-key-rotation/carol', user: 'carol', rotatedDaysAgo: 3 },
    ]);

    // WHEN
    const summary = await run();

    // THEN only alice's previous key changed
    expect(mocks.iam.commandCalls(UpdateAccessKeyCommand).map((call) => call.args[0].input)).toEqual([
      { UserName: 'alice', AccessKeyId: 'AKIAPREVIOUSKEY00005', Status: 'Inactive' },
    ]);
    expect(summary).toMatchObject({
      secrets: 3,
      checked: 3,
      deactivated: 1,
      errors: 0,
      warnings: 1,
      notices: 1,
      notificationsPublished: 1,
    });
    // one message, warnings first, naming secret and user and what to do
    const [message] = published();
    expect(message).toMatch(
      /^iam-key-rotation daily sweep of iam-key-rotation \(account 123456789012, us-east-1\) on 2025-01-12: 1 warning, 1 notice\./,
    );
    expect(message).toContain(
      'WARNING iam-key-rotation/bob (user bob) [previous-key-in-use]: The previous key AKIA…0003 was used on 2025-01-11 by s3 in eu-west-1, after the rotation on 2025-01-04',
    );
    expect(message).toContain(
      'INFO iam-key-rotation/alice (user alice) [previous-key-deactivated]: Deactivated the previous key AKIA…0005',
    );
    expect(message.indexOf('WARNING')).toBeLessThan(message.indexOf('INFO'));
    expect(mocks.sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'iam-key-rotation: 1 warning, 1 notice',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'warning' } },
    });
  });

  test('a failed deactivation is an error finding, changes nothing else, and the next sweep retries it', async () => {
    // GIVEN
    givenSecrets(mocks, [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 }]);
    mocks.iam
      .on(UpdateAccessKeyCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({});

    // WHEN
    const first = await run();
    const second = await run();

    // THEN
    expect(first).toMatchObject({ deactivated: 0, errors: 1 });
    expect(first.findings.map((finding) => finding.code)).toEqual(['deactivation-failed']);
    expect(first.findings[0].message).toBe(
      "Could not deactivate the previous key (Throttling: Rate exceeded), so it stays Active. The next sweep retries (IAM throttled the call even after the SDK's retries).",
    );
    expect(second).toMatchObject({ deactivated: 1, errors: 0 });
    expect(mocks.iam.commandCalls(UpdateAccessKeyCommand)).toHaveLength(2);
    expect(
      mocks.secretsManager
        .calls()
        .every((call) => ['ListSecretsCommand', 'GetSecretValueCommand'].includes(call.args[0].constructor.name)),
    ).toBe(true);
  });

  test('a secret that cannot be checked is a finding; the others are still swept', async () => {
    // GIVEN
    givenSecrets(mocks, [
      { name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 },
      { name: 'iam-key-rotation/bob', user: 'bob', rotatedDaysAgo: 8 },
    ]);
    mocks.iam
      .on(ListAccessKeysCommand, { UserName: 'bob' })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    // WHEN
    const summary = await run();

    // THEN
    expect(summary).toMatchObject({ checked: 2, deactivated: 1, errors: 1 });
    expect(summary.findings).toContainEqual(
      expect.objectContaining({ code: 'check-failed', secret: 'iam-key-rotation/bob', user: 'bob' }),
    );
    expect(summary.findings.find((finding) => finding.code === 'check-failed')?.message).toMatch(
      /\(AccessDenied: not authorized\)\. The role may read only .* check the rotation role's permissions\. The next sweep tries again\.$/,
    );
  });

  test("a secret whose check IAM throttled (even after the SDK's retries) is reported as throttled, not as a permissions problem", async () => {
    // GIVEN IAM throttles listing bob's keys
    givenSecrets(mocks, [
      { name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 },
      { name: 'iam-key-rotation/bob', user: 'bob', rotatedDaysAgo: 8 },
    ]);
    mocks.iam
      .on(ListAccessKeysCommand, { UserName: 'bob' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    // WHEN
    const summary = await run();

    // THEN alice is swept, and bob's finding says what happened and that nothing changed
    expect(summary).toMatchObject({ checked: 2, deactivated: 1, errors: 1 });
    const finding = summary.findings.find((candidate) => candidate.code === 'check-failed');
    expect(finding?.message).toBe(
      "The sweep could not check the secret (Throttling: Rate exceeded). AWS throttled the sweep's calls even after the SDK's retries; nothing was changed. If this recurs, other work shares the account's request quota at the sweep's hour (sweepHourUtc). The next sweep tries again.",
    );
  });

  test('every completed sweep emits its metric; a quiet one publishes nothing', async () => {
    // GIVEN
    givenSecrets(mocks, [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 1 }]);

    // WHEN
    await run({ LOG_LEVEL: 'ERROR' });

    // THEN
    expect(published()).toEqual([]);
    expect(deps.metricLines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        _aws: {
          Timestamp: NOW.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'iam-key-rotation',
              Dimensions: [['FunctionName']],
              Metrics: [
                { Name: 'SweepsCompleted', Unit: 'Count' },
                { Name: 'SweepErrors', Unit: 'Count' },
                { Name: 'SweepWarnings', Unit: 'Count' },
              ],
            },
          ],
        },
        FunctionName: 'iam-key-rotation',
        SweepsCompleted: 1,
        SweepErrors: 0,
        SweepWarnings: 0,
      },
    ]);
  });

  test('a failed publish fails the invocation (the errors alarm sees it) and emits no completed metric', async () => {
    givenSecrets(mocks, [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 }]);
    mocks.sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));

    await expect(run()).rejects.toThrow('KMS key disabled');
    expect(deps.metricLines).toEqual([]);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'sweep failed', outcome: 'failed' }),
    );
  });

  test('without a topic the findings are only logged, and the log says so', async () => {
    givenSecrets(mocks, [{ name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 }]);

    await sweep(SWEEP_EVENT, deps, functionEnv(), lambdaContext());

    expect(mocks.sns.calls()).toHaveLength(0);
    const lines = parseLogLines(deps.logLines);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'sweep finding',
        code: 'previous-key-deactivated',
        user: 'alice',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('no notification topic is set') }),
    );
  });

  test('stops starting secrets before the timeout and reports those left unchecked', async () => {
    givenSecrets(mocks, [
      { name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 1 },
      { name: 'iam-key-rotation/bob', user: 'bob', rotatedDaysAgo: 1 },
    ]);

    const summary = await run({}, 10_000);

    expect(summary).toMatchObject({ secrets: 2, checked: 0, errors: 1 });
    expect(summary.findings[0]).toMatchObject({ code: 'sweep-incomplete' });
    expect(summary.findings[0].message).toMatch(
      /^The sweep ran out of time with 2 of 2 secrets unchecked \(iam-key-rotation\/alice, iam-key-rotation\/bob\)/,
    );
  });

  test('no secret access key reaches the logs, the messages or the result', async () => {
    givenSecrets(mocks, [
      { name: 'iam-key-rotation/alice', user: 'alice', rotatedDaysAgo: 8 },
      { name: 'iam-key-rotation/bob', user: 'bob', rotatedDaysAgo: 8, previousUsedDaysAgo: 1 },
    ]);

    const summary = await run({ LOG_LEVEL: 'DEBUG' });

    const everything = [...deps.logLines, ...deps.metricLines, ...published(), JSON.stringify(summary)].join('\n');
    expect(everything).toContain('alice');
    for (const secretKey of [CURRENT_SECRET_KEY, NEW_SECRET_KEY]) expect(everything).not.toContain(secretKey);
  });
});
