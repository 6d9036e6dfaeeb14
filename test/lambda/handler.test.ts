import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { FUNCTION_ENV, USER_TAG_KEY } from '../../core/contract';
import {
  ConfigurationError,
  InvalidEventError,
  RotationError,
  RotationNotEnabledError,
  UnknownVersionError,
  UnmanagedSecretError,
  VersionNotPendingError,
} from '../../core/errors';
import { handler } from '../../lambda/index';
import {
  accessKey,
  CURRENT_KEY_ID,
  CURRENT_VERSION,
  currentValue,
  expectNoIamWrite,
  givenKeys,
  givenSecret,
  parseLogLines,
  pendingValue,
  rejectionOf,
  resourceNotFound,
  rotationEvent,
  SECRET_ARN,
  TOKEN,
  USER,
  useAwsMocks,
  lambdaContext,
  MANAGED_SECRETS,
} from './helpers';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const CONFIG_ENV = Object.values(FUNCTION_ENV);

describe('handler', () => {
  const mocks = useAwsMocks();
  let logLines: string[];
  let consoleLog: jest.SpyInstance;
  const savedConfig = CONFIG_ENV.map((name) => [name, process.env[name]] as const);

  beforeEach(() => {
    logLines = [];
    consoleLog = jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
      logLines.push(String(line));
    });
    for (const name of CONFIG_ENV) {
      delete process.env[name];
    }
    process.env.MANAGED_SECRETS = MANAGED_SECRETS;
  });
  afterEach(() => {
    consoleLog.mockRestore();
    for (const [name, value] of savedConfig) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  });

  /** As Lambda calls the handler: with the function's ARN in the context. */
  const invoke = async (event: unknown): Promise<void> => {
    await handler(event, lambdaContext());
  };

  const expectNoAwsCall = (): void => {
    expect(mocks.secretsManager.calls()).toHaveLength(0);
    expect(mocks.iam.calls()).toHaveLength(0);
    expect(mocks.sts.calls()).toHaveLength(0);
  };

  test('runs a step with the module-scope clients and logs structured JSON lines', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await invoke(rotationEvent('createSecret'));

    // THEN
    expect(mocks.secretsManager).toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: SECRET_ARN });
    expect(mocks.secretsManager).toHaveReceivedCommand(PutSecretValueCommand);
    const entries = parseLogLines(logLines);
    expect(entries.at(-1)).toEqual({
      level: 'info',
      message: 'rotation step succeeded',
      timestamp: expect.any(String),
      step: 'createSecret',
      secret: SECRET_ARN,
      version: TOKEN,
      outcome: 'succeeded',
    });
  });

  test('setSecret has nothing to do and says so', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await invoke(rotationEvent('setSecret'));

    // THEN
    expect(mocks.secretsManager.calls()).toHaveLength(1);
    expect(mocks.iam.calls()).toHaveLength(0);
    expect(parseLogLines(logLines)).toContainEqual(
      expect.objectContaining({ step: 'setSecret', outcome: 'nothing-to-do' }),
    );
  });

  test.each(STEPS)('%s on a token that is already AWSCURRENT returns without writing', async (step) => {
    // GIVEN
    givenSecret(mocks, { versions: { [TOKEN]: ['AWSCURRENT'], [CURRENT_VERSION]: ['AWSPREVIOUS'] } });

    // WHEN
    await invoke(rotationEvent(step));

    // THEN
    expect(mocks.secretsManager.calls()).toHaveLength(1);
    expect(mocks.iam.calls()).toHaveLength(0);
    expect(mocks.sts.calls()).toHaveLength(0);
  });

  describe('rejects a bad event with InvalidEventError before any AWS call', () => {
    test.each([
      ['null', null, 'rotation: the event must be an object, got null'],
      ['a string', 'createSecret', 'rotation: the event must be an object, got "createSecret"'],
      ['an array', [], 'rotation: the event must be an object, got array'],
      [
        'an empty object',
        {},
        'rotation: invalid rotation event: SecretId must be a non-empty string, got undefined; ' +
          'ClientRequestToken must be a non-empty string, got undefined; Step must be a non-empty string, got undefined',
      ],
      [
        'a missing SecretId',
        { ClientRequestToken: TOKEN, Step: 'createSecret' },
        `createSecret (version ${TOKEN}): invalid rotation event: SecretId must be a non-empty string, got undefined`,
      ],
      [
        'a numeric ClientRequestToken',
        { SecretId: SECRET_ARN, ClientRequestToken: 42, Step: 'testSecret' },
        `testSecret for secret ${SECRET_ARN}: invalid rotation event: ClientRequestToken must be a non-empty string, got number`,
      ],
      [
        'an empty Step',
        { SecretId: SECRET_ARN, ClientRequestToken: TOKEN, Step: '' },
        `rotation for secret ${SECRET_ARN} (version ${TOKEN}): invalid rotation event: Step must be a non-empty string, got ""`,
      ],
      [
        'an unknown Step',
        rotationEvent('rotateSecret'),
        `rotation for secret ${SECRET_ARN} (version ${TOKEN}): invalid rotation event: ` +
          'Step must be one of createSecret, setSecret, testSecret, finishSecret, got "rotateSecret"',
      ],
    ])('%s', async (_case, event, message) => {
      // WHEN
      const error = await rejectionOf(invoke(event));

      // THEN
      expect(error).toBeInstanceOf(InvalidEventError);
      expect(error).toBeInstanceOf(RotationError);
      expect(error.name).toBe('InvalidEventError');
      expect(error.message).toBe(message);
      expectNoAwsCall();
      expect(parseLogLines(logLines)).toContainEqual(
        expect.objectContaining({ level: 'error', outcome: 'failed', error: { name: 'InvalidEventError', message } }),
      );
    });
  });

  describe('rejects an invalid configuration with ConfigurationError before any AWS call', () => {
    test.each([
      ['PREVIOUS_KEY_ACTION', 'delete', 'must be one of deactivate-after-grace, deactivate, keep, got "delete"'],
      ['PREVIOUS_KEY_GRACE_DAYS', '0', 'must be a whole number of days from 1 to 365, got "0"'],
      ['PREVIOUS_KEY_GRACE_DAYS', '7.5', 'must be a whole number of days from 1 to 365, got "7.5"'],
      ['PREVIOUS_KEY_IN_USE', 'ignore', 'must be one of hold, deactivate, got "ignore"'],
      ['NOTIFICATION_TOPIC_ARN', 'my-topic', 'must be an SNS topic ARN, got "my-topic"'],
      ['TEST_BUDGET_MS', 'soon', 'must be a positive whole number of milliseconds, got "soon"'],
      ['TEST_BUDGET_MS', '-1', 'must be a positive whole number of milliseconds, got "-1"'],
      ['LOG_LEVEL', 'verbose', 'must be one of debug, info, warn, error, got "verbose"'],
      [
        'MANAGED_SECRETS',
        '',
        'must be a JSON list of the stack\'s secrets, `<prefix>*` or [name, user] (set by the construct), got ""',
      ],
      [
        'MANAGED_SECRETS',
        'iam-key-rotation/*',
        'must be a JSON list of the stack\'s secrets, `<prefix>*` or [name, user] (set by the construct), got "iam-key-rotation/*"',
      ],
      [
        'MANAGED_SECRETS',
        '[]',
        'must be a JSON list of the stack\'s secrets, `<prefix>*` or [name, user] (set by the construct), got "[]"',
      ],
      [
        'MANAGED_SECRETS',
        '["iam-key-rotation/*","vendors/sync"]',
        'must be a JSON list of the stack\'s secrets, `<prefix>*` or [name, user] (set by the construct), got "[\\"iam-key-rotation/*\\",\\"vendors/sync\\"]"',
      ],
      [
        'MANAGED_SECRETS',
        '["*"]',
        'must be a JSON list of the stack\'s secrets, `<prefix>*` or [name, user] (set by the construct), got "[\\"*\\"]"',
      ],
    ])('%s=%s', async (name, value, problem) => {
      // GIVEN
      process.env[name] = value;

      // WHEN
      const error = await rejectionOf(invoke(rotationEvent('finishSecret')));

      // THEN
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        `finishSecret for secret ${SECRET_ARN} (version ${TOKEN}): environment variable ${name} ${problem}`,
      );
      expectNoAwsCall();
    });

    test('an empty variable takes its default', async () => {
      // GIVEN
      process.env.PREVIOUS_KEY_ACTION = '';
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

      // WHEN
      await invoke(rotationEvent('finishSecret'));

      // THEN
      expectNoIamWrite(mocks);
    });
  });

  describe("the trust boundary: only the stack's own secrets", () => {
    const FOREIGN_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:attacker/alice-AbCdEf';

    test.each(STEPS)(
      '%s for a secret outside MANAGED_SECRETS fails with UnmanagedSecretError before any AWS call',
      async (step) => {
        // GIVEN a secret someone else made, tagged with a managed user
        givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

        // WHEN
        const error = await rejectionOf(invoke({ ...rotationEvent(step), SecretId: FOREIGN_SECRET }));

        // THEN
        expect(error).toBeInstanceOf(UnmanagedSecretError);
        expect(error.message).toBe(
          `${step} for secret ${FOREIGN_SECRET} (version ${TOKEN}): secret ${FOREIGN_SECRET} is not one of this stack's secrets: ` +
            "its name matches none of iam-key-rotation/*, vendors/sync (MANAGED_SECRETS); the function acts only on the stack's own secrets",
        );
        expectNoAwsCall();
      },
    );

    test('a name that Secrets Manager resolves to a secret elsewhere is refused before any IAM call', async () => {
      // GIVEN
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
      const elsewhere = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:iam-key-rotation/alice-AbCdEf';
      mocks.secretsManager
        .on(DescribeSecretCommand)
        .resolves({ ARN: elsewhere, RotationEnabled: true, VersionIdsToStages: { [TOKEN]: ['AWSPENDING'] } });

      // WHEN
      const error = await rejectionOf(invoke({ ...rotationEvent('createSecret'), SecretId: 'iam-key-rotation/alice' }));

      // THEN
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toContain(
        `secret ${elsewhere} is not one of this stack's secrets: it is in partition aws, region eu-west-1`,
      );
      expect(mocks.secretsManager.calls()).toHaveLength(1);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    /** A secret someone else made and tagged, as DescribeSecret describes it; its values would name alice's real keys. */
    const givenSecretMadeElsewhere = (name: string, userTag: string): string => {
      const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-XyZ123`;
      mocks.secretsManager.on(DescribeSecretCommand).resolves({
        ARN: arn,
        Name: name,
        RotationEnabled: true,
        Tags: [{ Key: USER_TAG_KEY, Value: userTag }],
        VersionIdsToStages: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
      });
      mocks.secretsManager
        .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
        .resolves({ ARN: arn, VersionId: CURRENT_VERSION, SecretString: JSON.stringify(currentValue()) });
      mocks.secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).rejects(resourceNotFound());
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
      return arn;
    };

    const expectRefusedAfterDescribeOnly = (error: Error): void => {
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(mocks.secretsManager.calls()).toHaveLength(1);
      expect(mocks.secretsManager).toHaveReceivedCommand(DescribeSecretCommand);
      expect(mocks.iam.calls()).toHaveLength(0);
      expect(mocks.sts.calls()).toHaveLength(0);
    };

    test.each(STEPS)(
      '%s for a secret made under the prefix and tagged with a managed user mints nothing: it binds no user',
      async (step) => {
        // GIVEN iam-key-rotation/zz-rogue, made by someone who may create secrets under the prefix, tagged alice
        const rogue = givenSecretMadeElsewhere('iam-key-rotation/zz-rogue', USER);

        // WHEN Secrets Manager invokes the function for it
        const error = await rejectionOf(invoke({ ...rotationEvent(step), SecretId: rogue }));

        // THEN refused after DescribeSecret, before any value is read or IAM is called, naming the secret, its tag and the rule
        expectRefusedAfterDescribeOnly(error);
        expect(error.message).toBe(
          `${step} for secret ${rogue} (version ${TOKEN}): secret ${rogue} (name iam-key-rotation/zz-rogue, tag iam-key-rotation:user=alice) does not bind its user: ` +
            'under iam-key-rotation/* the secret of user alice is named iam-key-rotation/alice; a secret binds exactly one user: the secret MANAGED_SECRETS ' +
            "lists for it by name, else <prefix><user name> under the stack's prefix",
        );
      },
    );

    test.each([
      [
        'the default-prefix twin of a user with a custom name',
        'iam-key-rotation/bob',
        'bob',
        /the stack's secret of user bob is team\/bob-keys/,
      ],
      [
        'a case variant of that twin (IAM ignores case in user names)',
        'iam-key-rotation/BOB',
        'BOB',
        /the stack's secret of user bob is team\/bob-keys/,
      ],
      [
        'a listed name tagged with another user',
        'team/bob-keys',
        USER,
        /the stack lists it as the secret of user bob, not alice/,
      ],
    ])('refuses %s before any value is read or IAM is called', async (_case, name, userTag, why) => {
      // GIVEN bob's secret has a custom name, which the stack lists with its user
      process.env.MANAGED_SECRETS = '["iam-key-rotation/*",["team/bob-keys","bob"]]';
      const secret = givenSecretMadeElsewhere(name, userTag);

      // WHEN
      const error = await rejectionOf(invoke({ ...rotationEvent('createSecret'), SecretId: secret }));

      // THEN
      expectRefusedAfterDescribeOnly(error);
      expect(error.message).toMatch(why);
    });

    test('a custom-named secret the stack lists rotates its own user', async () => {
      // GIVEN
      process.env.MANAGED_SECRETS = '["iam-key-rotation/*",["team/alice-keys","alice"]]';
      givenSecretMadeElsewhere('team/alice-keys', USER);

      // WHEN
      await invoke({ ...rotationEvent('createSecret'), SecretId: 'team/alice-keys' });

      // THEN
      expect(mocks.secretsManager).toHaveReceivedCommand(PutSecretValueCommand);
    });

    test('without its own ARN in the context the function cannot tell its account, and refuses to act', async () => {
      // WHEN
      const error = await rejectionOf(
        handler(rotationEvent('createSecret'), { getRemainingTimeInMillis: () => 60_000 }),
      );

      // THEN
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(
        /the invocation context names no function ARN \(invokedFunctionArn, got undefined\)/,
      );
      expectNoAwsCall();
    });
  });

  describe('the checks before dispatch', () => {
    test.each(STEPS)('%s on a secret without rotation enabled fails with RotationNotEnabledError', async (step) => {
      // GIVEN
      givenSecret(mocks, { current: currentValue(), pending: pendingValue(), rotationEnabled: false });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

      // WHEN
      const error = await rejectionOf(invoke(rotationEvent(step)));

      // THEN
      expect(error).toBeInstanceOf(RotationNotEnabledError);
      expect(error.message).toBe(
        `${step} for secret ${SECRET_ARN} (version ${TOKEN}): rotation is not enabled on the secret`,
      );
      expect(mocks.secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test.each(STEPS)(
      '%s with a token that is not a version of the secret fails with UnknownVersionError',
      async (step) => {
        // GIVEN
        givenSecret(mocks, { versions: { [CURRENT_VERSION]: ['AWSCURRENT'] }, current: currentValue() });
        givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

        // WHEN
        const error = await rejectionOf(invoke(rotationEvent(step)));

        // THEN
        expect(error).toBeInstanceOf(UnknownVersionError);
        expect(error.message).toBe(
          `${step} for secret ${SECRET_ARN} (version ${TOKEN}): the request token is not a version of the secret`,
        );
        expect(mocks.iam.calls()).toHaveLength(0);
      },
    );

    test.each([
      [['AWSPREVIOUS'], 'staging labels AWSPREVIOUS'],
      [[], 'no staging labels'],
    ])('a token with %j fails with VersionNotPendingError', async (stages, labels) => {
      // GIVEN
      givenSecret(mocks, { versions: { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: stages }, current: currentValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

      // WHEN
      const error = await rejectionOf(invoke(rotationEvent('finishSecret')));

      // THEN
      expect(error).toBeInstanceOf(VersionNotPendingError);
      expect(error.message).toBe(
        `finishSecret for secret ${SECRET_ARN} (version ${TOKEN}): the version is not AWSPENDING (it has ${labels})`,
      );
      expect(mocks.secretsManager).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test('a secret that does not exist passes the DescribeSecret error through', async () => {
      // GIVEN
      const notFound = resourceNotFound();
      mocks.secretsManager.on(DescribeSecretCommand).rejects(notFound);

      // WHEN
      const error = await rejectionOf(invoke(rotationEvent('createSecret')));

      // THEN
      expect(error).toBe(notFound);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test('a DescribeSecret answer without versions means the token is unknown', async () => {
      // GIVEN
      mocks.secretsManager
        .on(DescribeSecretCommand)
        .resolves({ ARN: SECRET_ARN, RotationEnabled: true, Tags: [{ Key: USER_TAG_KEY, Value: USER }] });

      // WHEN
      const error = await rejectionOf(invoke(rotationEvent('createSecret')));

      // THEN
      expect(error).toBeInstanceOf(UnknownVersionError);
    });
  });

  describe('LOG_LEVEL', () => {
    test('error hides info lines', async () => {
      // GIVEN
      process.env.LOG_LEVEL = 'error';
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

      // WHEN
      await invoke(rotationEvent('setSecret'));

      // THEN
      expect(logLines).toEqual([]);
    });

    test('debug shows the configuration the step runs with', async () => {
      // GIVEN
      process.env.LOG_LEVEL = 'DEBUG';
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

      // WHEN
      await invoke(rotationEvent('setSecret'));

      // THEN
      expect(parseLogLines(logLines)).toContainEqual(
        expect.objectContaining({
          level: 'debug',
          message: 'rotation step invoked',
          previousKeyPolicy: { action: 'deactivate-after-grace', graceDays: 7, inUse: 'hold' },
          testBudgetMs: 30000,
        }),
      );
    });

    test('neither the level nor the keys of one invocation leak into the next', async () => {
      // GIVEN
      process.env.LOG_LEVEL = 'error';
      givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
      await invoke(rotationEvent('setSecret'));
      delete process.env.LOG_LEVEL;

      // WHEN
      await invoke({ ...rotationEvent('setSecret'), SecretId: 'iam-key-rotation/bob' });
      await rejectionOf(invoke(null));

      // THEN
      const entries = parseLogLines(logLines);
      expect(entries).toContainEqual(expect.objectContaining({ level: 'info', secret: 'iam-key-rotation/bob' }));
      expect(entries.at(-1)).not.toHaveProperty('secret');
    });
  });
});
