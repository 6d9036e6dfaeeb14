import { CreateAccessKeyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { FUNCTION_ENV, grantRoleIndex } from '../../core/contract';
import { loadFunctionSettings } from '../../core/function-settings';
import { ConfigurationError, UnexpectedResponseError } from '../../core/errors';
import { secretNameOf } from '../../core/secret/name';
import { grantRoleArn } from '../../core/grant-roles';
import { parseArn, type ParsedArn } from '../../core/arn';
import { assumedRoleClients } from '../../lambda/role-clients';
import { rotate } from '../../lambda/rotate';
import {
  ACCOUNT,
  CURRENT_KEY_ID,
  FUNCTION_ARN,
  SECRET_ARN,
  accessKey,
  currentValue,
  functionEnv,
  givenKeys,
  givenSecret,
  lambdaContext,
  rejectionOf,
  rotationEvent,
  testDependencies,
  useAwsMocks,
} from './helpers';

const GRANT_ROLES = {
  [FUNCTION_ENV.grantRoleCount]: '7',
  [FUNCTION_ENV.grantRoleNamePrefix]: 'iam-key-rotation-keys-',
};
const functionArn = parseArn(FUNCTION_ARN) as ParsedArn;

/** A client the step must not use: the function's own role holds no grant on secrets or users when grant roles exist. */
const forbidden = <T>(what: string): T =>
  ({ send: () => Promise.reject(new Error(`used the function's own ${what} client`)) }) as unknown as T;

describe('grant roles', () => {
  const mocks = useAwsMocks();

  test("the secret's name comes from its ARN (without the random suffix) or is the id itself", () => {
    expect(secretNameOf(SECRET_ARN)).toBe('iam-key-rotation/alice');
    expect(secretNameOf('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:team/db-key-x1Y2z3')).toBe(
      'team/db-key',
    );
    expect(secretNameOf('iam-key-rotation/alice')).toBe('iam-key-rotation/alice');
  });

  test("the role is in the function's partition and account, chosen by the secret's name as the construct chose it", () => {
    const arn = grantRoleArn({ count: 7, namePrefix: 'p-keys-' }, SECRET_ARN, functionArn);
    expect(arn).toBe(`arn:aws:iam::${ACCOUNT}:role/p-keys-${grantRoleIndex('iam-key-rotation/alice', 7) + 1}`);
    const china = parseArn('arn:aws-cn:lambda:cn-north-1:210987654321:function:f') as ParsedArn;
    expect(grantRoleArn({ count: 1, namePrefix: 'p-keys-' }, SECRET_ARN, china)).toBe(
      'arn:aws-cn:iam::210987654321:role/p-keys-1',
    );
  });

  test('the environment names both settings or neither', () => {
    const scope = { step: 'createSecret' };
    expect(loadFunctionSettings(functionEnv(GRANT_ROLES), scope).grantRoles).toEqual({
      count: 7,
      namePrefix: 'iam-key-rotation-keys-',
    });
    expect(loadFunctionSettings(functionEnv(), scope).grantRoles).toBeUndefined();
    expect(() => loadFunctionSettings(functionEnv({ [FUNCTION_ENV.grantRoleCount]: '7' }), scope)).toThrow(
      ConfigurationError,
    );
    expect(() =>
      loadFunctionSettings(functionEnv({ ...GRANT_ROLES, [FUNCTION_ENV.grantRoleCount]: '0' }), scope),
    ).toThrow(/KEY_ROLE_COUNT must be a positive whole number/);
    expect(() =>
      loadFunctionSettings(functionEnv({ ...GRANT_ROLES, [FUNCTION_ENV.grantRoleNamePrefix]: 'a/b' }), scope),
    ).toThrow(/KEY_ROLE_NAME_PREFIX must be the start of an IAM role name/);
  });

  test("a rotation step acts on the secret and the user only through the secret's grant role", async () => {
    // GIVEN the function's own clients fail if used
    const deps = {
      ...testDependencies(),
      secretsManager: forbidden<SecretsManagerClient>('Secrets Manager'),
      iam: forbidden<IAMClient>('IAM'),
    };
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await rotate(rotationEvent('createSecret'), deps, functionEnv(GRANT_ROLES), lambdaContext());

    // THEN
    expect(deps.assumedRoles).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/iam-key-rotation-keys-${grantRoleIndex('iam-key-rotation/alice', 7) + 1}`,
    ]);
    expect(mocks.iam).toHaveReceivedCommandTimes(CreateAccessKeyCommand, 1);
    expect(mocks.secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
  });

  test("without grant roles the function's own clients do the work", async () => {
    const deps = testDependencies();
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    await rotate(rotationEvent('createSecret'), deps, functionEnv(), lambdaContext());

    expect(deps.assumedRoles).toEqual([]);
    expect(mocks.iam).toHaveReceivedCommandTimes(CreateAccessKeyCommand, 1);
  });
});

describe('assumed role clients', () => {
  const mocks = useAwsMocks();
  const expiration = new Date('2029-12-31T23:15:00Z');
  const credentials = {
    AccessKeyId: 'ASIAROLEKEY',
    SecretAccessKey: 'role-secret',
    SessionToken: 'token',
    Expiration: expiration,
  };
  let now: jest.SpyInstance;
  beforeEach(() => {
    now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2029-12-31T23:00:00Z'));
  });
  afterEach(() => now.mockRestore());

  /** What the client will sign with, as the SDK asks its credentials provider. */
  const credentialsOf = (roleArn: string): Promise<unknown> => {
    const provider = assumedRoleClients(roleArn).iam.config.credentials;
    return provider();
  };

  test('assume the role once for calls made together, with a short session, and reuse the clients', async () => {
    mocks.sts.on(AssumeRoleCommand).resolves({ Credentials: credentials });
    const role = 'arn:aws:iam::123456789012:role/once-keys-1';

    const results = await Promise.all([credentialsOf(role), credentialsOf(role), credentialsOf(role)]);

    expect(results[0]).toMatchObject({
      accessKeyId: 'ASIAROLEKEY',
      secretAccessKey: 'role-secret',
      sessionToken: 'token',
    });
    expect(mocks.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(mocks.sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: role, DurationSeconds: 900 });
    expect(assumedRoleClients(role)).toBe(assumedRoleClients(role));
  });

  test('assume it again when the session nears its end, and after a failure', async () => {
    const role = 'arn:aws:iam::123456789012:role/again-keys-2';
    mocks.sts.on(AssumeRoleCommand).rejectsOnce(new Error('throttled')).resolves({ Credentials: credentials });

    await expect(credentialsOf(role)).rejects.toThrow('throttled');
    await credentialsOf(role);
    now.mockReturnValue(Date.parse('2029-12-31T23:11:00Z'));
    await credentialsOf(role);

    expect(mocks.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
  });

  test('refuse an answer without credentials', async () => {
    mocks.sts.on(AssumeRoleCommand).resolves({});
    const error = await rejectionOf(credentialsOf('arn:aws:iam::123456789012:role/empty-keys-1'));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
  });
});
