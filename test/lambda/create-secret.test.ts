import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  InvalidSecretError,
  MissingUserTagError,
  UnmanagedKeyError,
  UserMismatchError,
  UserNotFoundError,
} from '../../lambda/errors';
import { rotate } from '../../lambda/rotate';
import {
  accessKey,
  AFTER_CURRENT,
  BEFORE_CURRENT,
  CURRENT_KEY_ID,
  CURRENT_SECRET_KEY,
  currentValue,
  expectNoIamWrite,
  givenKeys,
  givenSecret,
  NEW_KEY_ID,
  NEW_SECRET_KEY,
  noSuchEntity,
  OTHER_KEY_ID,
  parseLogLines,
  pendingValue,
  PENDING_VERSION_CREATED,
  PREVIOUS_KEY_ID,
  rejectionOf,
  resourceNotFound,
  rotationEvent,
  SECRET_ARN,
  testDependencies,
  TOKEN,
  USER,
  useAwsMocks,
  type TestDependencies,
} from './helpers';

const SCOPE = `createSecret for secret ${SECRET_ARN} (version ${TOKEN})`;
const LONG_AGO = new Date('2024-06-01T00:00:00Z');

describe('createSecret', () => {
  const mocks = useAwsMocks();
  let deps: TestDependencies;
  beforeEach(() => {
    deps = testDependencies();
  });
  const createSecret = (): Promise<void> => rotate(rotationEvent('createSecret'), deps, {});

  /** The SecretString given to PutSecretValue, parsed. */
  const storedValue = (): unknown => {
    const [put] = mocks.secretsManager.commandCalls(PutSecretValueCommand);
    return JSON.parse(put.args[0].input.SecretString ?? '');
  };

  test('creates a key and stores it as this token\'s AWSPENDING value', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(CreateAccessKeyCommand, { UserName: USER });
    expect(mocks.secretsManager).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: SECRET_ARN,
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
    });
    expect(storedValue()).toEqual({ username: USER, accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY });
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
  });

  test('a retried createSecret creates no second key', async () => {
    // GIVEN the first attempt stored the pending value
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(NEW_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ARN,
      VersionId: TOKEN,
      VersionStage: 'AWSPENDING',
    });
    expect(mocks.iam).not.toHaveReceivedCommand(ListAccessKeysCommand);
    expectNoIamWrite(mocks);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  test('with two keys where the older is AWSCURRENT, frees the other one and never touches AWSCURRENT', async () => {
    // GIVEN the newer key was created after the AWSCURRENT version by an interrupted rotation
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID, { created: LONG_AGO }), accessKey(OTHER_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
    expect(mocks.iam).not.toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: CURRENT_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('frees the key of AWSPREVIOUS', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), previous: { username: USER, accesskey: PREVIOUS_KEY_ID, secretkey: 'x' } });
    givenKeys(mocks, [accessKey(PREVIOUS_KEY_ID, { created: LONG_AGO }), accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: PREVIOUS_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ message: 'deleted an access key to free a slot', accessKeyId: PREVIOUS_KEY_ID, reason: 'previous' }),
    );
  });

  test('frees an Inactive key', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { status: 'Inactive', created: LONG_AGO })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('frees an orphan of an interrupted rotation even when AWSPREVIOUS names a key that is gone', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), previous: { username: USER, accesskey: PREVIOUS_KEY_ID } });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: OTHER_KEY_ID });
    expect(parseLogLines(deps.logLines)).toContainEqual(expect.objectContaining({ accessKeyId: OTHER_KEY_ID, reason: 'orphan' }));
  });

  test('a retried bootstrap frees the orphan of its interrupted first attempt, not the older unmanaged key', async () => {
    // GIVEN no AWSCURRENT yet; one key predates this rotation, one was made by it and stored nowhere
    givenSecret(mocks, {});
    givenKeys(mocks, [accessKey(OTHER_KEY_ID, { created: BEFORE_CURRENT }), accessKey(PREVIOUS_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: PREVIOUS_KEY_ID });
    expect(parseLogLines(deps.logLines)).toContainEqual(expect.objectContaining({ accessKeyId: PREVIOUS_KEY_ID, reason: 'orphan' }));
  });

  test('a bootstrap facing two keys older than the rotation touches neither', async () => {
    // GIVEN
    givenSecret(mocks, {});
    givenKeys(mocks, [accessKey(OTHER_KEY_ID, { created: LONG_AGO }), accessKey(PREVIOUS_KEY_ID, { created: BEFORE_CURRENT })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('a key freed concurrently (NoSuchEntity on delete) still lets the rotation proceed', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { status: 'Inactive' })]);
    mocks.iam.on(DeleteAccessKeyCommand).rejects(noSuchEntity());

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('an unmanaged active key fails with UnmanagedKeyError naming it, and no key is deleted or created', async () => {
    // GIVEN an active key older than the AWSCURRENT version that no version names
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: BEFORE_CURRENT })]);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBeInstanceOf(UnmanagedKeyError);
    expect(error.name).toBe('UnmanagedKeyError');
    expect(error.message).toContain(SCOPE);
    expect(error.message).toContain(OTHER_KEY_ID);
    expect((error as UnmanagedKeyError).accessKeyIds).toEqual([OTHER_KEY_ID]);
    expectNoIamWrite(mocks);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  test('never deletes the AWSCURRENT key, even when it is Inactive', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID, { status: 'Inactive' }), accessKey(OTHER_KEY_ID)]);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBeInstanceOf(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('an AWSPREVIOUS value that cannot be read names no key (with a warning)', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), previous: 'not json' });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(PREVIOUS_KEY_ID)]);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBeInstanceOf(UnmanagedKeyError);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'the AWSPREVIOUS value names no access key we can read; ignoring it' }),
    );
  });

  test('a PutSecretValue failure deletes the just-created key and rethrows', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    const putError = new Error('Service unavailable');
    mocks.secretsManager.on(PutSecretValueCommand).rejects(putError);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(putError);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: NEW_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
  });

  test('when deleting the just-created key fails too, logs it and rethrows the PutSecretValue error', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    const putError = new Error('Service unavailable');
    mocks.secretsManager.on(PutSecretValueCommand).rejects(putError);
    mocks.iam.on(DeleteAccessKeyCommand).rejects(new Error('Throttling'));

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(putError);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'error', accessKeyId: NEW_KEY_ID, error: { name: 'Error', message: 'Throttling' } }),
    );
  });

  test('a key an interrupted attempt left behind is deleted even when a slot is free', async () => {
    // GIVEN a first rotation whose earlier attempt created a key it could neither store nor delete
    givenSecret(mocks, {});
    givenKeys(mocks, [accessKey(OTHER_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN
    await createSecret();

    // THEN the orphan goes, so it cannot later pass for an unmanaged key
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('a key made in the same second as the rotation\'s version is its orphan, though IAM rounds its time down', async () => {
    // GIVEN the version registered at .700 and the interrupted attempt's key at .900, which IAM reports as .000
    const registered = new Date('2025-01-10T12:00:05.700Z');
    givenSecret(mocks, { current: currentValue(), pendingCreatedAt: registered });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: new Date('2025-01-10T12:00:05Z') })]);

    // WHEN
    await createSecret();

    // THEN the orphan goes and the new key takes its slot
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('a key made the second before the rotation\'s version is not its orphan', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pendingCreatedAt: new Date('2025-01-10T12:00:05.100Z') });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: new Date('2025-01-10T12:00:04Z') })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('a key made by hand before this rotation started is not an orphan', async () => {
    // GIVEN an Active key newer than the AWSCURRENT version but older than this rotation
    givenSecret(mocks, { current: currentValue(), pendingCreatedAt: AFTER_CURRENT });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: PENDING_VERSION_CREATED })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('when the rotation\'s version is not listed, no key counts as its orphan', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pendingCreatedAt: null });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: AFTER_CURRENT })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('a PutSecretValue failure whose value was stored after all keeps the new key', async () => {
    // GIVEN the put's response is lost although the value was stored
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    const putError = new Error('socket hang up');
    mocks.secretsManager.on(PutSecretValueCommand).rejects(putError);
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' })
      .rejectsOnce(resourceNotFound())
      .resolves({ ARN: SECRET_ARN, VersionId: TOKEN, SecretString: JSON.stringify(pendingValue()), VersionStages: ['AWSPENDING'] });

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN the stored key stays: deleting it would leave a pending value no retry could ever test
    expect(error).toBe(putError);
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
  });

  test('when checking what the failed put stored fails too, the new key is left for the retry', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    const putError = new Error('Service unavailable');
    mocks.secretsManager.on(PutSecretValueCommand).rejects(putError);
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' })
      .rejectsOnce(resourceNotFound())
      .rejects(new Error('Throttling'));

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(putError);
    expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
    expect(parseLogLines(deps.logLines)).toContainEqual(expect.objectContaining({ level: 'error', accessKeyId: NEW_KEY_ID }));
  });

  test('bootstraps from the tag when there is no AWSCURRENT value', async () => {
    // GIVEN
    givenSecret(mocks, {});
    givenKeys(mocks, []);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(ListAccessKeysCommand, { UserName: USER });
    expect(mocks.iam).toHaveReceivedCommandWith(CreateAccessKeyCommand, { UserName: USER });
    expect(storedValue()).toEqual({ username: USER, accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY });
  });

  test('bootstraps when the AWSCURRENT value only names the user', async () => {
    // GIVEN
    givenSecret(mocks, { current: { username: USER } });
    givenKeys(mocks, []);

    // WHEN
    await createSecret();

    // THEN
    expect(storedValue()).toEqual({ username: USER, accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY });
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ message: 'no AWSCURRENT key yet: bootstrapping the first key' }),
    );
  });

  test('preserves unknown fields of the AWSCURRENT value', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue({ team: 'platform', endpoints: { region: 'eu-west-1' } }) });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(storedValue()).toEqual({
      username: USER,
      accesskey: NEW_KEY_ID,
      secretkey: NEW_SECRET_KEY,
      team: 'platform',
      endpoints: { region: 'eu-west-1' },
    });
    expect(JSON.stringify(storedValue())).not.toContain(CURRENT_SECRET_KEY);
  });

  test('ignores a masterarn field with a warning', async () => {
    // GIVEN
    const masterArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:master-XyZ';
    givenSecret(mocks, { current: currentValue({ masterarn: masterArn }) });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('ignoring the masterarn field') }),
    );
    expect(mocks.secretsManager).not.toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: masterArn });
    expect(mocks.iam).toHaveReceivedCommandWith(CreateAccessKeyCommand, { UserName: USER });
  });

  test('an AWSCURRENT value that names no user takes the user from the tag', async () => {
    // GIVEN
    givenSecret(mocks, { current: { accesskey: CURRENT_KEY_ID, secretkey: CURRENT_SECRET_KEY } });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(CreateAccessKeyCommand, { UserName: USER });
    expect(storedValue()).toEqual({ username: USER, accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY });
  });

  test('an unexpected error reading AWSPREVIOUS passes through before any IAM write', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), previous: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(PREVIOUS_KEY_ID)]);
    const denied = new Error('denied');
    mocks.secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(denied);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(denied);
    expectNoIamWrite(mocks);
  });

  describe('refuses bad input before any IAM write', () => {
    test('the tag and the AWSCURRENT value name different users', async () => {
      // GIVEN
      givenSecret(mocks, { current: currentValue({ username: 'mallory' }) });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(UserMismatchError);
      expect(error.message).toBe(
        `${SCOPE}: the AWSCURRENT value names user "mallory" but the secret's tag names user "${USER}"`,
      );
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test('a non-string username', async () => {
      // GIVEN
      givenSecret(mocks, { current: currentValue({ username: 42 }) });
      givenKeys(mocks, []);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error.message).toBe(`${SCOPE}: the AWSCURRENT value has a username field that is not a string (it is a number)`);
      expectNoIamWrite(mocks);
    });

    test('an AWSCURRENT value that is not JSON', async () => {
      // GIVEN
      givenSecret(mocks, { current: `{"secretkey": "${CURRENT_SECRET_KEY}"` });
      givenKeys(mocks, []);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error.message).toBe(`${SCOPE}: the AWSCURRENT value is not valid JSON`);
      expect(error.cause).toBeUndefined();
      expectNoIamWrite(mocks);
    });

    test.each([
      ['an array', '["alice"]'],
      ['null', 'null'],
      ['a string', '"alice"'],
    ])('an AWSCURRENT value that is %s, not an object', async (kind, value) => {
      // GIVEN
      givenSecret(mocks, { current: value });
      givenKeys(mocks, []);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error.message).toBe(`${SCOPE}: the AWSCURRENT value is not a JSON object (it is ${kind})`);
      expectNoIamWrite(mocks);
    });

    test('a binary AWSCURRENT value', async () => {
      // GIVEN
      givenSecret(mocks, {});
      mocks.secretsManager
        .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
        .resolves({ SecretBinary: new Uint8Array([1, 2, 3]), VersionId: 'v' });
      givenKeys(mocks, []);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error.message).toBe(`${SCOPE}: the AWSCURRENT value has no SecretString`);
      expectNoIamWrite(mocks);
    });

    test('a missing user tag', async () => {
      // GIVEN
      givenSecret(mocks, { current: currentValue(), userTag: null });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(MissingUserTagError);
      expect(error.message).toBe(`${SCOPE}: the secret has no iam-key-rotation:user tag naming the IAM user to rotate`);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test('a user that does not exist', async () => {
      // GIVEN
      givenSecret(mocks, {});
      givenKeys(mocks, []);
      const notFound = noSuchEntity();
      mocks.iam.on(ListAccessKeysCommand).rejects(notFound);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(UserNotFoundError);
      expect(error.message).toBe(`${SCOPE}: IAM user ${USER} (named by the secret's tag) does not exist`);
      expect(error.cause).toBe(notFound);
      expectNoIamWrite(mocks);
    });
  });

  test('an unexpected error reading the pending version passes through before any IAM call', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    const accessDenied = new Error('not allowed');
    accessDenied.name = 'AccessDeniedException';
    mocks.secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' }).rejects(accessDenied);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(accessDenied);
    expect(mocks.iam.calls()).toHaveLength(0);
  });

  test('an unexpected error listing keys passes through', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    const throttled = new Error('Rate exceeded');
    mocks.iam.on(ListAccessKeysCommand).rejects(throttled);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(throttled);
    expectNoIamWrite(mocks);
  });

  test('an unexpected error freeing a slot passes through before a key is created', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { status: 'Inactive' })]);
    const denied = new Error('denied');
    mocks.iam.on(DeleteAccessKeyCommand).rejects(denied);

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error).toBe(denied);
    expect(mocks.iam).not.toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('a CreateAccessKey answer without a key fails before anything is stored', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    mocks.iam.on(CreateAccessKeyCommand).resolves({});

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN
    expect(error.message).toBe(`CreateAccessKey for user ${USER} returned no key`);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });
});
