import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { InvalidSecretError, KeyTestFailedError, MissingUserTagError, UserMismatchError } from '../../core/errors';
import { rotate } from '../../lambda/rotate';
import { FIRST_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS } from '../../lambda/steps/test-secret';
import {
  accessKey,
  ACCOUNT,
  CURRENT_KEY_ID,
  currentValue,
  expectNoIamWrite,
  givenKeys,
  givenSecret,
  NEW_KEY_ID,
  parseLogLines,
  NEW_SECRET_KEY,
  pendingValue,
  rejectionOf,
  rotationEvent,
  SECRET_ARN,
  stsError,
  testDependencies,
  TOKEN,
  USER,
  USER_ARN,
  useAwsMocks,
  functionEnv,
  lambdaContext,
  type TestDependencies,
} from './helpers';

const SCOPE = `testSecret for secret ${SECRET_ARN} (version ${TOKEN})`;

describe('testSecret', () => {
  const mocks = useAwsMocks();
  let deps: TestDependencies;
  beforeEach(() => {
    deps = testDependencies();
  });
  const testSecret = (env: Record<string, string> = {}): Promise<void> =>
    rotate(rotationEvent('testSecret'), deps, functionEnv(env), lambdaContext());

  test('calls GetCallerIdentity signed with the pending key', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Arn: USER_ARN, Account: ACCOUNT, UserId: 'AIDAEXAMPLE' });

    // WHEN
    await testSecret();

    // THEN
    expect(mocks.secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ARN,
      VersionId: TOKEN,
      VersionStage: 'AWSPENDING',
    });
    expect(deps.stsCredentials).toEqual([{ accessKeyId: NEW_KEY_ID, secretAccessKey: NEW_SECRET_KEY }]);
    expect(mocks.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    expectNoIamWrite(mocks);
  });

  test('accepts a user under an IAM path', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:iam::${ACCOUNT}:user/team/ci/${USER}` });

    // WHEN / THEN
    await expect(testSecret()).resolves.toBeUndefined();
  });

  test('succeeds when the key starts working on the third try', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejectsOnce(stsError('InvalidClientTokenId'))
      .rejectsOnce(stsError('SignatureDoesNotMatch'))
      .resolves({ Arn: USER_ARN });

    // WHEN
    await testSecret();

    // THEN
    expect(mocks.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 3);
    expect(deps.clock.sleeps).toEqual([FIRST_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2]);
  });

  test('fails with KeyTestFailedError on InvalidClientTokenId once the budget is spent', async () => {
    // GIVEN a key IAM lists but STS keeps rejecting
    givenSecret(mocks, { pending: pendingValue() });
    givenKeys(mocks, [accessKey(NEW_KEY_ID)]);
    const invalid = stsError('InvalidClientTokenId');
    mocks.sts.on(GetCallerIdentityCommand).rejects(invalid);

    // WHEN
    const error = await rejectionOf(testSecret({ TEST_BUDGET_MS: '10000' }));

    // THEN backoff 0.5, 1, 2, 4 s fits 10 s; the next wait (5 s) would not
    expect(error).toBeInstanceOf(KeyTestFailedError);
    expect(error.message).toBe(
      `${SCOPE}: access key ${NEW_KEY_ID} of user ${USER} still does not authenticate after 5 attempts in 7500 ms (test budget 10000 ms)`,
    );
    expect(error.cause).toBe(invalid);
    expect(deps.clock.sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(mocks.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 5);
  });

  test('a pending key deleted outside the rotation fails with a message saying how to get out', async () => {
    // GIVEN IAM no longer has the pending key
    givenSecret(mocks, { pending: pendingValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    mocks.sts.on(GetCallerIdentityCommand).rejects(stsError('InvalidClientTokenId'));

    // WHEN
    const error = await rejectionOf(testSecret({ TEST_BUDGET_MS: '1000' }));

    // THEN
    expect(error).toBeInstanceOf(KeyTestFailedError);
    expect(error.message).toBe(
      `${SCOPE}: access key ${NEW_KEY_ID} of user ${USER} no longer exists in IAM (deleted outside the rotation?), so this ` +
        'rotation can never finish: cancel it (aws secretsmanager cancel-rotate-secret), remove the AWSPENDING label ' +
        `from version ${TOKEN} (aws secretsmanager update-secret-version-stage), then rotate again`,
    );
    expect(error.cause).toBeInstanceOf(KeyTestFailedError);
  });

  test('when IAM cannot tell whether the key exists, the budget failure stands', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.iam.on(ListAccessKeysCommand).rejects(new Error('Throttling'));
    mocks.sts.on(GetCallerIdentityCommand).rejects(stsError('InvalidClientTokenId'));

    // WHEN
    const error = await rejectionOf(testSecret({ TEST_BUDGET_MS: '1000' }));

    // THEN
    expect(error.message).toMatch(/still does not authenticate after 2 attempts/);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', error: { name: 'Error', message: 'Throttling' } }),
    );
  });

  test('the default budget of 30 s caps each wait at the maximum delay', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.sts.on(GetCallerIdentityCommand).rejects(stsError('InvalidClientTokenId'));

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(KeyTestFailedError);
    const waited = deps.clock.sleeps.reduce((sum, delay) => sum + delay, 0);
    expect(waited).toBeLessThanOrEqual(30_000);
    expect(Math.max(...deps.clock.sleeps)).toBe(MAX_RETRY_DELAY_MS);
  });

  test('other STS errors are not retried', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    const outage = new Error('socket hang up');
    mocks.sts.on(GetCallerIdentityCommand).rejects(outage);

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBe(outage);
    expect(mocks.sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
  });

  test.each([
    ['another user', `arn:aws:iam::${ACCOUNT}:user/bob`],
    ['a user of another account', 'arn:aws:iam::210987654321:user/alice'],
    ['a user of another partition', `arn:aws-cn:iam::${ACCOUNT}:user/alice`],
    ['a role session', `arn:aws:sts::${ACCOUNT}:assumed-role/alice/session`],
    ['a name that only ends like the user', `arn:aws:iam::${ACCOUNT}:user/malice`],
  ])('a key that authenticates as %s fails', async (_case, arn) => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Arn: arn });

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(KeyTestFailedError);
    expect(error.message).toBe(
      `${SCOPE}: access key ${NEW_KEY_ID} authenticates as ${arn}, not as IAM user ${USER} of the secret's account`,
    );
  });

  test('an answer without an ARN fails', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });
    mocks.sts.on(GetCallerIdentityCommand).resolves({});

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(KeyTestFailedError);
    expect(error.message).toContain('authenticates as an unknown identity');
  });

  test('the pending value must name the tagged user', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue({ username: 'mallory' }) });

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(UserMismatchError);
    expect(error.message).toBe(
      `${SCOPE}: the AWSPENDING value names user "mallory" but the secret's tag names user "${USER}"`,
    );
    expect(mocks.sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });

  test('a pending value without a username fails', async () => {
    // GIVEN
    givenSecret(mocks, { pending: { accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY } });

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(UserMismatchError);
    expect(error.message).toContain('the AWSPENDING value names no user');
  });

  test('a pending version without a value fails', async () => {
    // GIVEN
    givenSecret(mocks, {});

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(InvalidSecretError);
    expect(error.message).toBe(`${SCOPE}: the AWSPENDING version has no value: createSecret has not completed`);
  });

  test('a pending value without a secret key fails', async () => {
    // GIVEN
    givenSecret(mocks, { pending: { username: USER, accesskey: NEW_KEY_ID } });

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(InvalidSecretError);
    expect(error.message).toBe(`${SCOPE}: the AWSPENDING value lacks an accesskey or a secretkey`);
  });

  test('a missing user tag fails before the key is read', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue(), userTag: null });

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBeInstanceOf(MissingUserTagError);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  test('an unexpected error reading the pending value passes through', async () => {
    // GIVEN
    givenSecret(mocks, {});
    const denied = new Error('denied');
    mocks.secretsManager.on(GetSecretValueCommand).rejects(denied);

    // WHEN
    const error = await rejectionOf(testSecret());

    // THEN
    expect(error).toBe(denied);
  });
});
