import { CreateAccessKeyCommand, DeleteAccessKeyCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand, PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { ATTEMPT_TAG_KEY } from '../../core/contract';
import {
  AttemptInProgressError,
  InvalidSecretError,
  MissingUserTagError,
  UnexpectedResponseError,
  UnmanagedKeyError,
  UnmanagedSecretError,
  UserMismatchError,
  UserNotFoundError,
} from '../../core/errors';
import { rotate } from '../../lambda/rotate';
import {
  accessKey,
  CASE_VARIANT,
  DURING_ATTEMPT,
  attemptMarker,
  BEFORE_ATTEMPT,
  CURRENT_KEY_ID,
  CURRENT_SECRET_KEY,
  currentValue,
  expectNoIamWrite,
  givenKeys,
  givenSecret,
  NEW_KEY_ID,
  NEW_SECRET_KEY,
  NOW,
  noSuchEntity,
  OTHER_KEY_ID,
  parseLogLines,
  pendingValue,
  PREVIOUS_KEY_ID,
  rejectionOf,
  resourceNotFound,
  rotationEvent,
  SECRET_ARN,
  testDependencies,
  TOKEN,
  USER,
  useAwsMocks,
  functionEnv,
  lambdaContext,
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
  const createSecret = (): Promise<void> => rotate(rotationEvent('createSecret'), deps, functionEnv(), lambdaContext());

  /** The SecretString given to PutSecretValue, parsed. */
  const storedValue = (): unknown => {
    const [put] = mocks.secretsManager.commandCalls(PutSecretValueCommand);
    return JSON.parse(put.args[0].input.SecretString ?? '');
  };

  test("creates a key and stores it as this token's AWSPENDING value", async () => {
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
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(NEW_KEY_ID, { created: DURING_ATTEMPT })]);

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
    // GIVEN the newer key was created by an interrupted attempt of this rotation
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(CURRENT_KEY_ID, { created: LONG_AGO }),
      accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT }),
    ]);

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
    givenSecret(mocks, {
      current: currentValue(),
      previous: { username: USER, accesskey: PREVIOUS_KEY_ID, secretkey: 'x' },
    });
    givenKeys(mocks, [accessKey(PREVIOUS_KEY_ID, { created: LONG_AGO }), accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, {
      UserName: USER,
      AccessKeyId: PREVIOUS_KEY_ID,
    });
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({
        message: 'deleted an access key to free a slot',
        accessKeyId: PREVIOUS_KEY_ID,
        reason: 'previous',
      }),
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
    givenSecret(mocks, {
      current: currentValue(),
      previous: { username: USER, accesskey: PREVIOUS_KEY_ID },
      attemptTag: attemptMarker(),
    });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT })]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: OTHER_KEY_ID });
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ accessKeyId: OTHER_KEY_ID, reason: 'orphan' }),
    );
  });

  test('a retried bootstrap frees the orphan of its interrupted first attempt, not the older unmanaged key', async () => {
    // GIVEN no AWSCURRENT yet; one key predates this rotation, one was made by it and stored nowhere
    givenSecret(mocks, { attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(OTHER_KEY_ID, { created: BEFORE_ATTEMPT }),
      accessKey(PREVIOUS_KEY_ID, { created: DURING_ATTEMPT }),
    ]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: PREVIOUS_KEY_ID });
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ accessKeyId: PREVIOUS_KEY_ID, reason: 'orphan' }),
    );
  });

  test('a bootstrap facing two keys older than the rotation touches neither', async () => {
    // GIVEN both keys predate the window of the earlier attempt of this rotation
    givenSecret(mocks, { attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(OTHER_KEY_ID, { created: LONG_AGO }),
      accessKey(PREVIOUS_KEY_ID, { created: BEFORE_ATTEMPT }),
    ]);

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
    // GIVEN an active key that no version names, made before the earlier attempt of this rotation
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: BEFORE_ATTEMPT })]);

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
      expect.objectContaining({
        level: 'warn',
        message: 'the AWSPREVIOUS value names no access key we can read; ignoring it',
      }),
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
      expect.objectContaining({
        level: 'error',
        accessKeyId: NEW_KEY_ID,
        error: { name: 'Error', message: 'Throttling' },
      }),
    );
  });

  test("records the attempt on the secret before it creates the key, ending at the invocation's deadline", async () => {
    // GIVEN an invocation with a minute left
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

    // WHEN
    await rotate(rotationEvent('createSecret'), deps, functionEnv(), lambdaContext(60_000));

    // THEN the marker names this rotation, now, and the deadline, and precedes CreateAccessKey
    const [tag] = mocks.secretsManager.commandCalls(TagResourceCommand);
    expect(tag.args[0].input).toEqual({
      SecretId: SECRET_ARN,
      Tags: [
        {
          Key: ATTEMPT_TAG_KEY,
          Value: `${TOKEN} ${NOW.toISOString()} ${new Date(NOW.getTime() + 60_000).toISOString()} running`,
        },
      ],
    });
    const [create] = mocks.iam.commandCalls(CreateAccessKeyCommand);
    expect(tag.calledBefore(create)).toBe(true);
    expect(mocks.secretsManager).toHaveReceivedCommandTimes(TagResourceCommand, 1);
  });

  test('a failed attempt records that it ended, so a retry need not wait for its deadline', async () => {
    // GIVEN storing the key fails
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    mocks.secretsManager.on(PutSecretValueCommand).rejects(new Error('Service unavailable'));

    // WHEN
    await expect(createSecret()).rejects.toThrow('Service unavailable');

    // THEN the second marker closes the window
    const markers = mocks.secretsManager
      .commandCalls(TagResourceCommand)
      .map((call) => call.args[0].input.Tags?.[0].Value);
    expect(markers).toEqual([
      expect.stringMatching(/ running$/),
      `${TOKEN} ${NOW.toISOString()} ${NOW.toISOString()} ended`,
    ]);
  });

  test("when recording the end fails, the attempt's own error still surfaces", async () => {
    // GIVEN creating the key fails, and so does the second TagResource
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    mocks.iam.on(CreateAccessKeyCommand).rejects(new Error('LimitExceeded'));
    mocks.secretsManager.on(TagResourceCommand).resolvesOnce({}).rejects(new Error('Throttling'));

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow('LimitExceeded');
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', error: { name: 'Error', message: 'Throttling' } }),
    );
  });

  test('a key an interrupted attempt left behind is deleted even when a slot is free', async () => {
    // GIVEN a first rotation whose earlier attempt created a key it could neither store nor delete
    givenSecret(mocks, { attemptTag: attemptMarker() });
    givenKeys(mocks, [accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT })]);

    // WHEN
    await createSecret();

    // THEN the orphan goes, so it cannot later pass for an unmanaged key
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
    expect(mocks.iam).toHaveReceivedCommand(CreateAccessKeyCommand);
  });

  test('a key IAM dates to the whole second before the attempt started is still its orphan', async () => {
    // GIVEN the attempt started at .400 and IAM reports its key's creation as .000 of that second
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(CURRENT_KEY_ID),
      accessKey(OTHER_KEY_ID, { created: new Date('2025-01-10T23:59:59Z') }),
    ]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
  });

  test('a key made by hand after the failed attempt, while the rotation waits for its retry, is not an orphan', async () => {
    // GIVEN the attempt ended a day ago and someone created a key since
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(CURRENT_KEY_ID),
      accessKey(OTHER_KEY_ID, { created: new Date('2025-01-11T09:30:00Z') }),
    ]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('a key made before the attempt started is not its orphan', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker() });
    givenKeys(mocks, [
      accessKey(CURRENT_KEY_ID),
      accessKey(OTHER_KEY_ID, { created: new Date('2025-01-10T23:59:50Z') }),
    ]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test('without an attempt marker no key counts as an orphan', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
  });

  test.each([
    ['of another rotation', attemptMarker(undefined, 'ffffffff-0000-4000-8000-000000000000')],
    ['that does not parse', 'left by hand'],
  ])('a marker %s is ignored with a warning', async (_, attemptTag) => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), attemptTag });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: DURING_ATTEMPT })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(UnmanagedKeyError);
    expectNoIamWrite(mocks);
    expect(parseLogLines(deps.logLines)).toContainEqual(expect.objectContaining({ level: 'warn', marker: attemptTag }));
  });

  test('an earlier attempt that may still be running makes the step fail before any write', async () => {
    // GIVEN an attempt that started a second ago and has not recorded its end
    const running = { start: new Date(NOW.getTime() - 1_000), end: new Date(NOW.getTime() + 59_000), ended: false };
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker(running) });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(OTHER_KEY_ID, { created: NOW })]);

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow(AttemptInProgressError);
    expectNoIamWrite(mocks);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(TagResourceCommand);
  });

  test('an attempt whose deadline has passed is over even though it never recorded its end', async () => {
    // GIVEN an attempt that timed out a minute ago after creating a key
    const timedOut = { start: new Date(NOW.getTime() - 120_000), end: new Date(NOW.getTime() - 60_000), ended: false };
    givenSecret(mocks, { current: currentValue(), attemptTag: attemptMarker(timedOut) });
    givenKeys(mocks, [
      accessKey(CURRENT_KEY_ID),
      accessKey(OTHER_KEY_ID, { created: new Date(NOW.getTime() - 100_000) }),
    ]);

    // WHEN
    await createSecret();

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: OTHER_KEY_ID });
  });

  test('a PutSecretValue failure whose pending value cannot be read still deletes the new key', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    mocks.secretsManager.on(PutSecretValueCommand).rejects(new Error('Service unavailable'));
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' })
      .rejectsOnce(resourceNotFound())
      .resolves({ ARN: SECRET_ARN, VersionId: TOKEN, SecretString: 'not json' });

    // WHEN / THEN
    await expect(createSecret()).rejects.toThrow('Service unavailable');
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: NEW_KEY_ID });
  });

  test('a PutSecretValue failure whose pending value names another key still deletes the new one', async () => {
    // GIVEN a concurrent attempt stored its key first
    givenSecret(mocks, { current: currentValue() });
    givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
    const putError = new Error('ResourceExistsException');
    mocks.secretsManager.on(PutSecretValueCommand).rejects(putError);
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING' })
      .rejectsOnce(resourceNotFound())
      .resolves({
        ARN: SECRET_ARN,
        VersionId: TOKEN,
        SecretString: JSON.stringify(pendingValue({ accesskey: OTHER_KEY_ID })),
      });

    // WHEN
    const error = await rejectionOf(createSecret());

    // THEN the new key, stored nowhere, goes
    expect(error).toBe(putError);
    expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { UserName: USER, AccessKeyId: NEW_KEY_ID });
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
      .resolves({
        ARN: SECRET_ARN,
        VersionId: TOKEN,
        SecretString: JSON.stringify(pendingValue()),
        VersionStages: ['AWSPENDING'],
      });

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
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'error', accessKeyId: NEW_KEY_ID }),
    );
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

  describe("a CreateAccessKey the SDK had to send more than once (an earlier try's answer may be lost)", () => {
    const retriedCreate = (): void => {
      mocks.iam.on(CreateAccessKeyCommand).resolves({
        AccessKey: {
          UserName: USER,
          AccessKeyId: NEW_KEY_ID,
          SecretAccessKey: NEW_SECRET_KEY,
          Status: 'Active',
          CreateDate: NOW,
        },
        $metadata: { attempts: 2 },
      });
    };
    /** ListAccessKeys before the key is created, then after. */
    const givenKeysBeforeAndAfter = (
      before: ReturnType<typeof accessKey>[],
      after: ReturnType<typeof accessKey>[],
    ): void => {
      mocks.iam
        .on(ListAccessKeysCommand)
        .resolvesOnce({ AccessKeyMetadata: before })
        .resolves({ AccessKeyMetadata: after });
    };

    test('deletes the key an earlier try made, before the new key is stored', async () => {
      // GIVEN a first rotation whose CreateAccessKey succeeded in IAM, lost its answer, and was sent again
      givenSecret(mocks, {});
      givenKeys(mocks, []);
      retriedCreate();
      givenKeysBeforeAndAfter([], [accessKey(OTHER_KEY_ID, { created: NOW }), accessKey(NEW_KEY_ID, { created: NOW })]);

      // WHEN
      await createSecret();

      // THEN the key nobody holds is gone, the new one stored, and nothing else deleted
      expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
      expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, {
        UserName: USER,
        AccessKeyId: OTHER_KEY_ID,
      });
      const [deleted] = mocks.iam.commandCalls(DeleteAccessKeyCommand);
      const [put] = mocks.secretsManager.commandCalls(PutSecretValueCommand);
      expect(deleted.calledBefore(put)).toBe(true);
      expect(storedValue()).toEqual({ username: USER, accesskey: NEW_KEY_ID, secretkey: NEW_SECRET_KEY });
      expect(parseLogLines(deps.logLines)).toContainEqual(
        expect.objectContaining({ level: 'warn', accessKeyId: OTHER_KEY_ID, reason: 'lost-answer' }),
      );
    });

    test('never deletes the AWSCURRENT key, the new key, or a key made before the attempt', async () => {
      // GIVEN the user holds the current key and the new one after a retried (throttled) CreateAccessKey
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, []);
      retriedCreate();
      givenKeysBeforeAndAfter(
        [accessKey(CURRENT_KEY_ID, { created: NOW })],
        [accessKey(CURRENT_KEY_ID, { created: NOW }), accessKey(NEW_KEY_ID, { created: NOW })],
      );

      // WHEN
      await createSecret();

      // THEN
      expect(mocks.iam).toHaveReceivedCommandTimes(ListAccessKeysCommand, 2);
      expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
      expect(storedValue()).toMatchObject({ accesskey: NEW_KEY_ID });
    });

    test('a bootstrap next to a key made by hand before the attempt leaves that key alone', async () => {
      givenSecret(mocks, {});
      givenKeys(mocks, []);
      retriedCreate();
      givenKeysBeforeAndAfter(
        [accessKey(OTHER_KEY_ID, { created: BEFORE_ATTEMPT })],
        [accessKey(OTHER_KEY_ID, { created: BEFORE_ATTEMPT }), accessKey(NEW_KEY_ID, { created: NOW })],
      );

      await createSecret();

      expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
      expect(storedValue()).toMatchObject({ accesskey: NEW_KEY_ID });
    });

    test('answered on the first try, it costs no extra call', async () => {
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);

      await createSecret();

      expect(mocks.iam).toHaveReceivedCommandTimes(ListAccessKeysCommand, 1);
    });

    test('when IAM throttles the clean-up, the new key is not stored and the attempt ends, so the retry deletes both keys', async () => {
      // GIVEN the lost key cannot be deleted (throttled even after the SDK's retries)
      givenSecret(mocks, {});
      givenKeys(mocks, []);
      retriedCreate();
      givenKeysBeforeAndAfter([], [accessKey(OTHER_KEY_ID, { created: NOW }), accessKey(NEW_KEY_ID, { created: NOW })]);
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      mocks.iam.on(DeleteAccessKeyCommand).rejects(throttled);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN nothing was stored and the marker says the attempt ended: both keys fall in its window for the retry
      expect(error).toBe(throttled);
      expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
      const markers = mocks.secretsManager
        .commandCalls(TagResourceCommand)
        .map((call) => call.args[0].input.Tags?.[0].Value);
      expect(markers).toEqual([
        expect.stringMatching(/ running$/),
        `${TOKEN} ${NOW.toISOString()} ${NOW.toISOString()} ended`,
      ]);
    });

    test('the retry after such a failure deletes both keys as orphans of the attempt, then makes a new one', async () => {
      // GIVEN the marker of the failed attempt above, and both of its keys
      givenSecret(mocks, { attemptTag: attemptMarker({ start: NOW, end: NOW }) });
      givenKeys(mocks, [accessKey(OTHER_KEY_ID, { created: NOW }), accessKey(NEW_KEY_ID, { created: NOW })]);
      mocks.iam.on(CreateAccessKeyCommand).resolves({
        AccessKey: {
          UserName: USER,
          AccessKeyId: CURRENT_KEY_ID,
          SecretAccessKey: CURRENT_SECRET_KEY,
          Status: 'Active',
        },
      });

      // WHEN
      await createSecret();

      // THEN
      expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: OTHER_KEY_ID });
      expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, { AccessKeyId: NEW_KEY_ID });
      expect(storedValue()).toMatchObject({ accesskey: CURRENT_KEY_ID });
    });
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
      expect(error.message).toBe(
        `${SCOPE}: the AWSCURRENT value has a username field that is not a string (it is a number)`,
      );
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

  test.each([
    ['no key', {}, 'an access key id'],
    [
      'a key without its secret',
      { AccessKey: { UserName: USER, AccessKeyId: NEW_KEY_ID, Status: 'Active' } },
      `the secret of key ${NEW_KEY_ID}`,
    ],
  ])(
    'a CreateAccessKey answer with %s fails with UnexpectedResponseError before anything is stored',
    async (_case, answer, missing) => {
      // GIVEN
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID)]);
      mocks.iam.on(CreateAccessKeyCommand).resolves(answer as object);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN the attempt is recorded as ended, so the retry deletes whatever key IAM made
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect(error.message).toBe(
        `${SCOPE}: CreateAccessKey for user ${USER} answered without ${missing}; a retry deletes any key it made`,
      );
      expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
      expect(mocks.secretsManager).toHaveReceivedCommandWith(TagResourceCommand, {
        Tags: [{ Key: ATTEMPT_TAG_KEY, Value: expect.stringMatching(/ ended$/) }],
      });
    },
  );

  describe('a secret made under the prefix whose tag names a managed user in another case (iam-key-rotation/ALICE tagged ALICE, which IAM takes for alice)', () => {
    const VARIANT_SCOPE = `createSecret for secret ${CASE_VARIANT.arn} (version ${TOKEN})`;
    const REFUSAL =
      'the secret (tag iam-key-rotation:user=ALICE) does not bind its user: IAM answers for user ALICE with the keys of user alice, ' +
      'and a secret binds a user only by its exact name (a tag that names the user in another case binds no one)';
    const FIX = "if the stack's config names the user ALICE, write it as IAM does (alice) and apply";
    const createForVariant = (): Promise<void> =>
      rotate({ ...rotationEvent('createSecret'), SecretId: CASE_VARIANT.arn }, deps, functionEnv(), lambdaContext());

    test('alice holding a key: refused on the names ListAccessKeys answers with, before any key is created, deleted or changed', async () => {
      // GIVEN the rogue secret without a value (a bootstrap), and IAM answering for ALICE with alice's key
      givenSecret(mocks, { secret: CASE_VARIANT, userTag: CASE_VARIANT.userTag });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID, { user: 'alice' })]);

      // WHEN Secrets Manager invokes the function for it
      const error = await rejectionOf(createForVariant());

      // THEN no key is minted into the rogue secret
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toBe(
        `${VARIANT_SCOPE}: ${REFUSAL}; the function refuses to change any key through it; ${FIX}`,
      );
      expect(mocks.iam).toHaveReceivedCommandWith(ListAccessKeysCommand, { UserName: 'ALICE' });
      expectNoIamWrite(mocks);
      expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    test("alice holding two keys, her current one named in the rogue's AWSPREVIOUS: the slot logic deletes neither", async () => {
      // GIVEN the rogue's AWSPREVIOUS names alice's real current key (the slot logic frees the AWSPREVIOUS key first)
      givenSecret(mocks, {
        secret: CASE_VARIANT,
        userTag: CASE_VARIANT.userTag,
        current: currentValue({ username: 'ALICE', accesskey: OTHER_KEY_ID }),
        previous: currentValue({ username: 'ALICE' }),
      });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID, { user: 'alice' }), accessKey(PREVIOUS_KEY_ID, { user: 'alice' })]);

      // WHEN
      const error = await rejectionOf(createForVariant());

      // THEN
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expectNoIamWrite(mocks);
    });

    test('alice holding no key (nothing listed names her): the key CreateAccessKey makes is deleted at once, never stored or logged', async () => {
      // GIVEN IAM lists no key for ALICE, and CreateAccessKey for ALICE answers with a key of alice
      givenSecret(mocks, { secret: CASE_VARIANT, userTag: CASE_VARIANT.userTag });
      givenKeys(mocks, []);

      // WHEN
      const error = await rejectionOf(createForVariant());

      // THEN the new key is deleted right after it was made, and nothing holds it
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toBe(
        `${VARIANT_SCOPE}: ${REFUSAL}; the key CreateAccessKey made was deleted at once, unstored; ${FIX}`,
      );
      expect(mocks.iam).toHaveReceivedCommandWith(CreateAccessKeyCommand, { UserName: 'ALICE' });
      expect(mocks.iam).toHaveReceivedCommandTimes(DeleteAccessKeyCommand, 1);
      expect(mocks.iam).toHaveReceivedCommandWith(DeleteAccessKeyCommand, {
        UserName: 'ALICE',
        AccessKeyId: NEW_KEY_ID,
      });
      const [created] = mocks.iam.commandCalls(CreateAccessKeyCommand);
      const [deleted] = mocks.iam.commandCalls(DeleteAccessKeyCommand);
      expect(created.calledBefore(deleted)).toBe(true);
      expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
      const written = JSON.stringify([deps.logLines, mocks.secretsManager.calls().map((call) => call.args[0].input)]);
      expect(written).not.toContain(NEW_SECRET_KEY);
      expect(written).not.toContain(NEW_KEY_ID);
      // and the attempt is marked ended, as after any failure
      expect(mocks.secretsManager).toHaveReceivedCommandWith(TagResourceCommand, {
        Tags: [{ Key: ATTEMPT_TAG_KEY, Value: expect.stringMatching(/ ended$/) }],
      });
    });

    test('when that key cannot be deleted, the refusal names it, so a person can', async () => {
      // GIVEN
      givenSecret(mocks, { secret: CASE_VARIANT, userTag: CASE_VARIANT.userTag });
      givenKeys(mocks, []);
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      mocks.iam.on(DeleteAccessKeyCommand).rejects(throttled);

      // WHEN
      const error = await rejectionOf(createForVariant());

      // THEN
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toBe(
        `${VARIANT_SCOPE}: ${REFUSAL}; CreateAccessKey made key ${NEW_KEY_ID} of user alice, which the function did not store and could not delete: delete it; ${FIX}`,
      );
      expect(error.cause).toBe(throttled);
      expect(mocks.secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    test('a listed key that IAM names no user for is refused too (only an exact name binds)', async () => {
      // GIVEN alice's own secret, and an answer without a user name
      givenSecret(mocks, { current: currentValue() });
      givenKeys(mocks, [{ ...accessKey(CURRENT_KEY_ID), UserName: undefined }]);

      // WHEN
      const error = await rejectionOf(createSecret());

      // THEN
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toBe(
        `${SCOPE}: the secret (tag iam-key-rotation:user=alice) does not bind its user: IAM answers for user alice with keys it names no user for, ` +
          'and a secret binds a user only by its exact name (a tag that names the user in another case binds no one); the function refuses to change any key through it',
      );
      expectNoIamWrite(mocks);
    });
  });
});
