import { type AccessKeyMetadata, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import {
  GetSecretValueCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ATTEMPT_TAG_KEY } from '../../core/contract';
import { InvalidSecretError, UnmanagedSecretError, UserMismatchError } from '../../core/errors';
import { rotate } from '../../lambda/rotate';
import {
  accessKey,
  attemptMarker,
  CASE_VARIANT,
  CURRENT_KEY_ID,
  CURRENT_VERSION,
  currentValue,
  expectNoIamWrite,
  givenKeys,
  givenSecret,
  NEW_KEY_ID,
  noSuchEntity,
  parseLogLines,
  pendingValue,
  rejectionOf,
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

describe('finishSecret', () => {
  const mocks = useAwsMocks();
  let deps: TestDependencies;
  beforeEach(() => {
    deps = testDependencies();
    givenKeys(mocks, []);
  });
  const finishSecret = (env: Record<string, string> = {}): Promise<void> =>
    rotate(rotationEvent('finishSecret'), deps, functionEnv(env), lambdaContext());
  const stageMoves = (): unknown[] =>
    mocks.secretsManager.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input);

  test('moves AWSCURRENT to the token and removes AWSPENDING from it', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await finishSecret();

    // THEN
    expect(stageMoves()).toEqual([
      {
        SecretId: SECRET_ARN,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: TOKEN,
        RemoveFromVersionId: CURRENT_VERSION,
      },
      { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
  });

  test("removes createSecret's attempt marker before it moves any label", async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue(), attemptTag: attemptMarker() });

    // WHEN
    await finishSecret();

    // THEN
    const [untag] = mocks.secretsManager.commandCalls(UntagResourceCommand);
    expect(untag.args[0].input).toEqual({ SecretId: SECRET_ARN, TagKeys: [ATTEMPT_TAG_KEY] });
    const [firstMove] = mocks.secretsManager.commandCalls(UpdateSecretVersionStageCommand);
    expect(untag.calledBefore(firstMove)).toBe(true);
  });

  test('when removing the marker fails, no label moves (the retry removes it)', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue(), attemptTag: attemptMarker() });
    mocks.secretsManager.on(UntagResourceCommand).rejects(new Error('Throttling'));

    // WHEN / THEN
    await expect(finishSecret()).rejects.toThrow('Throttling');
    expect(stageMoves()).toEqual([]);
  });

  test('without a marker, removes none', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await finishSecret();

    // THEN
    expect(mocks.secretsManager).not.toHaveReceivedCommand(UntagResourceCommand);
  });

  test('on the bootstrap rotation moves AWSCURRENT without RemoveFromVersionId', async () => {
    // GIVEN
    givenSecret(mocks, { pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN
    expect(stageMoves()).toEqual([
      { SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN },
      { SecretId: SECRET_ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
    expect(mocks.secretsManager).not.toHaveReceivedCommandWith(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' });
    expectNoIamWrite(mocks);
  });

  test('leaves the previous key to the sweep by default (deactivate-after-grace)', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await finishSecret();

    // THEN
    expectNoIamWrite(mocks);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({
        message: 'kept the previous key; the daily sweep deactivates it 7 days after the rotation',
        previousAccessKeyId: CURRENT_KEY_ID,
        previousKeyAction: 'deactivate-after-grace',
      }),
    );
  });

  test('keeps the previous key for the next rotation with PREVIOUS_KEY_ACTION keep', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'keep' });

    // THEN
    expectNoIamWrite(mocks);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({
        message: 'kept the previous key; the next rotation deletes it',
        previousAccessKeyId: CURRENT_KEY_ID,
      }),
    );
  });

  test("the secret's own policy tag wins over the stack's", async () => {
    // GIVEN the stack keeps previous keys, alice's secret says deactivate
    givenSecret(mocks, {
      current: currentValue(),
      pending: pendingValue(),
      policyTag: 'action=deactivate grace-days=7 in-use=hold',
    });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'keep' });

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: USER,
      AccessKeyId: CURRENT_KEY_ID,
      Status: 'Inactive',
    });
  });

  test("a policy tag that does not parse falls back to the stack's policy, with a warning", async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue(), policyTag: 'deactivate' });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'keep' });

    // THEN
    expectNoIamWrite(mocks);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('tag "deactivate" is not a policy') }),
    );
  });

  test('deactivates the previous key after the labels moved when PREVIOUS_KEY_ACTION is deactivate', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN
    expect(mocks.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: USER,
      AccessKeyId: CURRENT_KEY_ID,
      Status: 'Inactive',
    });
    expect(mocks.iam.send.firstCall.calledAfter(mocks.secretsManager.send.lastCall)).toBe(true);
  });

  test('never deactivates the new key', async () => {
    // GIVEN the AWSCURRENT value already holds the new key
    givenSecret(mocks, { current: currentValue({ accesskey: NEW_KEY_ID }), pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN
    expectNoIamWrite(mocks);
    expect(stageMoves()).toHaveLength(2);
  });

  test('a placeholder AWSCURRENT value with an empty accesskey names no key to deactivate', async () => {
    // GIVEN
    givenSecret(mocks, { current: { username: USER, accesskey: '', secretkey: '' }, pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN the rotation finishes without calling IAM with an empty key id
    expectNoIamWrite(mocks);
    expect(stageMoves()).toHaveLength(2);
  });

  test('a previous key that is already gone is nothing to deactivate', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
    mocks.iam.on(UpdateAccessKeyCommand).rejects(noSuchEntity());

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'the previous key no longer exists; nothing to deactivate' }),
    );
  });

  test('a failed deactivation is logged and rethrown after the labels moved', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue() });
    const throttled = new Error('Rate exceeded');
    mocks.iam.on(UpdateAccessKeyCommand).rejects(throttled);

    // WHEN
    const error = await rejectionOf(finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' }));

    // THEN
    expect(error).toBe(throttled);
    expect(stageMoves()).toHaveLength(2);
    expect(parseLogLines(deps.logLines)).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'could not deactivate the previous key; a retry of finishSecret deactivates it',
      }),
    );
  });

  test('an AWSCURRENT value that cannot be read still lets the rotation finish, acting on no key', async () => {
    // GIVEN
    givenSecret(mocks, { current: '[]', pending: pendingValue() });

    // WHEN
    await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

    // THEN
    expect(stageMoves()).toHaveLength(2);
    expectNoIamWrite(mocks);
  });

  describe('retried after the labels moved (the token is already AWSCURRENT)', () => {
    /** The state after an interrupted finishSecret: AWSCURRENT moved to the token, the old key's version is AWSPREVIOUS. */
    const givenMovedLabels = (options: { pendingLeft?: boolean; attemptTag?: string } = {}): void =>
      givenSecret(mocks, {
        versions: {
          [TOKEN]: options.pendingLeft ? ['AWSCURRENT', 'AWSPENDING'] : ['AWSCURRENT'],
          [CURRENT_VERSION]: ['AWSPREVIOUS'],
        },
        current: pendingValue(),
        previous: currentValue(),
        attemptTag: options.attemptTag,
      });

    test('removes the AWSPENDING label the first attempt could not remove', async () => {
      // GIVEN
      givenMovedLabels({ pendingLeft: true });

      // WHEN
      await finishSecret();

      // THEN
      expect(stageMoves()).toEqual([{ SecretId: SECRET_ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN }]);
      expect(mocks.iam.calls()).toHaveLength(0);
    });

    test('with deactivate, deactivates the AWSPREVIOUS key that is still Active', async () => {
      // GIVEN the first attempt failed at UpdateAccessKey
      givenMovedLabels();
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(NEW_KEY_ID)]);

      // WHEN
      await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

      // THEN
      expect(mocks.iam).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
      expect(mocks.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
        UserName: USER,
        AccessKeyId: CURRENT_KEY_ID,
        Status: 'Inactive',
      });
      expect(stageMoves()).toEqual([]);
      expect(parseLogLines(deps.logLines)).toContainEqual(
        expect.objectContaining({
          message: 'finished what an earlier finishSecret left',
          done: ['deactivated the previous key'],
        }),
      );
    });

    test('removes the attempt marker of this rotation, not that of a later one', async () => {
      // GIVEN this rotation's marker is left
      givenMovedLabels({ attemptTag: attemptMarker() });
      // WHEN
      await finishSecret();
      // THEN
      expect(mocks.secretsManager).toHaveReceivedCommandWith(UntagResourceCommand, {
        SecretId: SECRET_ARN,
        TagKeys: [ATTEMPT_TAG_KEY],
      });

      // GIVEN a later rotation's marker
      mocks.secretsManager.reset();
      givenMovedLabels({ attemptTag: attemptMarker(undefined, 'a-later-rotation') });
      // WHEN
      await finishSecret();
      // THEN
      expect(mocks.secretsManager).not.toHaveReceivedCommand(UntagResourceCommand);
    });

    test.each<[string, 'keep' | 'deactivate', AccessKeyMetadata[]]>([
      ['keep', 'keep', [accessKey(CURRENT_KEY_ID), accessKey(NEW_KEY_ID)]],
      [
        'deactivate, the previous key Inactive',
        'deactivate',
        [accessKey(CURRENT_KEY_ID, { status: 'Inactive' }), accessKey(NEW_KEY_ID)],
      ],
      ['deactivate, the previous key deleted', 'deactivate', [accessKey(NEW_KEY_ID)]],
    ])('on a finished rotation (%s) writes nothing', async (_case, action, keys) => {
      // GIVEN
      givenMovedLabels();
      givenKeys(mocks, keys);

      // WHEN
      await finishSecret({ PREVIOUS_KEY_ACTION: action });

      // THEN
      expect(mocks.secretsManager).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
      expect(mocks.secretsManager).not.toHaveReceivedCommand(UntagResourceCommand);
      expectNoIamWrite(mocks);
      expect(parseLogLines(deps.logLines)).toContainEqual(
        expect.objectContaining({ outcome: 'already-current', done: [] }),
      );
    });

    test('never deactivates the AWSCURRENT key, even when AWSPREVIOUS names it too', async () => {
      // GIVEN
      givenSecret(mocks, {
        versions: { [TOKEN]: ['AWSCURRENT'], [CURRENT_VERSION]: ['AWSPREVIOUS'] },
        current: pendingValue(),
        previous: pendingValue(),
      });
      givenKeys(mocks, [accessKey(NEW_KEY_ID)]);

      // WHEN
      await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });

      // THEN
      expectNoIamWrite(mocks);
    });

    test('a deactivation that fails again is rethrown, and the next retry finishes it', async () => {
      // GIVEN
      givenMovedLabels();
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID), accessKey(NEW_KEY_ID)]);
      mocks.iam.on(UpdateAccessKeyCommand).rejectsOnce(new Error('Rate exceeded')).resolves({});

      // WHEN / THEN
      await expect(finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' })).rejects.toThrow('Rate exceeded');
      await finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' });
      expect(mocks.iam).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 2);
    });

    test("a secret made under the prefix for alice in another case cannot deactivate alice's key through its AWSPREVIOUS", async () => {
      // GIVEN iam-key-rotation/ALICE tagged ALICE, its token AWSCURRENT, its AWSPREVIOUS naming
      // alice's real current key, and IAM answering for ALICE with alice's keys
      givenSecret(mocks, {
        secret: CASE_VARIANT,
        userTag: CASE_VARIANT.userTag,
        versions: { [TOKEN]: ['AWSCURRENT'], [CURRENT_VERSION]: ['AWSPREVIOUS'] },
        current: pendingValue({ username: 'ALICE' }),
        previous: currentValue({ username: 'ALICE' }),
      });
      givenKeys(mocks, [accessKey(CURRENT_KEY_ID, { user: 'alice' })]);

      // WHEN Secrets Manager invokes finishSecret for it, the stack's policy being deactivate
      const event = { ...rotationEvent('finishSecret'), SecretId: CASE_VARIANT.arn };
      const error = await rejectionOf(
        rotate(event, deps, functionEnv({ PREVIOUS_KEY_ACTION: 'deactivate' }), lambdaContext()),
      );

      // THEN refused on the name IAM answers with, before UpdateAccessKey
      expect(error).toBeInstanceOf(UnmanagedSecretError);
      expect(error.message).toMatch(
        /IAM answers for user ALICE with the keys of user alice, .*; the function refuses to change any key through it;/,
      );
      expectNoIamWrite(mocks);
    });
  });

  test('refuses to promote a pending version without a value', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue() });

    // WHEN
    const error = await rejectionOf(finishSecret());

    // THEN
    expect(error).toBeInstanceOf(InvalidSecretError);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
  });

  test('refuses to promote a pending value naming another user', async () => {
    // GIVEN
    givenSecret(mocks, { current: currentValue(), pending: pendingValue({ username: 'mallory' }) });

    // WHEN
    const error = await rejectionOf(finishSecret({ PREVIOUS_KEY_ACTION: 'deactivate' }));

    // THEN
    expect(error).toBeInstanceOf(UserMismatchError);
    expect(mocks.secretsManager).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    expectNoIamWrite(mocks);
  });
});
