// `iam-key-rotation rotate` in-process through main() and its io seam, with mocked AWS clients: it starts a rotation,
// follows it from the function's log until its version is AWSCURRENT, and reports a failing step, a refusal, a timeout
// and the secrets it must not touch. The emulator tests (cli.test.ts) run the real bin against real rotations.
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  RotateSecretCommand,
  type RotateSecretCommandInput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import {
  awsError,
  fakeKey,
  FUNCTION_ARN,
  functionConfiguration,
  LOG_GROUP,
  masked,
  recordingIo,
  REGION,
  type RecordingIo,
  secretArn,
  secretValue,
  STACK_PREFIX_PATTERN,
} from './in-process';

const secretsManager = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const iam = mockClient(IAMClient);

const ALICE = 'iam-key-rotation/alice';
const CURRENT = fakeKey('CUR1');
const NEW = fakeKey('NEW1');

interface LoggedLine {
  readonly step: string;
  readonly message: string;
  readonly outcome?: string;
  readonly error?: { name: string; message: string };
}

/** How the mocked rotation goes. */
interface Rotation {
  /** The secret's versions before the rotation. */
  readonly stages?: Record<string, string[]>;
  /** DescribeSecret calls after RotateSecret until the new version is AWSCURRENT; never when undefined. */
  readonly currentAfterPolls?: number;
  /** What the function logs for the rotation's version. */
  readonly lines?: readonly LoggedLine[];
  /** Lines of the same version logged before this attempt (a retried rotation's earlier attempts). */
  readonly earlierLines?: readonly LoggedLine[];
  readonly rotateSecretError?: Error;
  readonly describe?: Partial<DescribeSecretCommandOutput>;
}

const STEPS: readonly LoggedLine[] = [
  { step: 'createSecret', message: `created key ${NEW.id}`, outcome: 'ok' },
  { step: 'setSecret', message: 'nothing to set', outcome: 'ok' },
  { step: 'testSecret', message: 'the new key authenticates', outcome: 'ok' },
  { step: 'finishSecret', message: 'AWSCURRENT moved', outcome: 'ok' },
];

/** Mocks Secrets Manager, the log and IAM for one rotation of alice's secret; returns the version it ran under. */
function mockRotation(rotation: Rotation): { token: () => string } {
  const stages = rotation.stages ?? { 'version-current': ['AWSCURRENT'] };
  let token = '';
  let polls = 0;
  secretsManager.on(DescribeSecretCommand).callsFake(() => {
    const finished = token !== '' && rotation.currentAfterPolls !== undefined && ++polls >= rotation.currentAfterPolls;
    return {
      ARN: secretArn(ALICE),
      Name: ALICE,
      Tags: [{ Key: 'iam-key-rotation:user', Value: 'alice' }],
      RotationEnabled: true,
      RotationLambdaARN: FUNCTION_ARN,
      VersionIdsToStages: finished ? { 'version-current': ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] } : stages,
      ...rotation.describe,
    };
  });
  secretsManager.on(RotateSecretCommand).callsFake((input: RotateSecretCommandInput) => {
    token = input.ClientRequestToken ?? '';
    if (rotation.rotateSecretError !== undefined) throw rotation.rotateSecretError;
    return { ARN: secretArn(ALICE), VersionId: token };
  });
  secretsManager.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
    const key = input.VersionId === 'version-current' ? CURRENT : input.VersionId === token ? NEW : undefined;
    if (key === undefined) throw awsError('ResourceNotFoundException', `no version ${input.VersionId}`);
    return { ARN: secretArn(ALICE), VersionId: input.VersionId, SecretString: secretValue('alice', key) };
  });
  logs.on(FilterLogEventsCommand).callsFake(() => {
    const version = token === '' ? Object.keys(stages).find((id) => stages[id].includes('AWSPENDING')) : token;
    const logged = [
      ...(rotation.earlierLines ?? []).map((line) => ({ line, id: 'earlier' })),
      ...(token === '' ? [] : (rotation.lines ?? []).map((line) => ({ line, id: 'now' }))),
    ];
    return {
      events: logged.map(({ line, id }, index) => ({
        eventId: `${id}-${index}`,
        timestamp: index + 1,
        message: JSON.stringify({ version, ...line }),
      })),
    };
  });
  iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
    AccessKeyMetadata: [
      { UserName: 'alice', AccessKeyId: CURRENT.id, Status: 'Active' },
      { UserName: 'alice', AccessKeyId: NEW.id, Status: 'Active' },
    ],
  });
  return { token: () => token };
}

async function rotate(...args: string[]): Promise<{ code: number; io: RecordingIo }> {
  const io = recordingIo();
  const code = await main(['rotate', ALICE, '--region', REGION, ...args], io);
  // No secret access key, and no whole key id, in anything rotate prints.
  for (const key of [CURRENT, NEW]) {
    expect(io.out() + io.err()).not.toContain(key.secret);
    expect(io.out() + io.err()).not.toContain(key.id);
  }
  return { code, io };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeEach(() => {
  secretsManager.reset();
  lambda.reset();
  logs.reset();
  iam.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves(functionConfiguration([STACK_PREFIX_PATTERN]));
});

describe('rotate: following a rotation', () => {
  test('starts the rotation, prints each step from the log, and names the new key once it is AWSCURRENT: exit 0', async () => {
    // GIVEN a rotation that finishes at the third look
    const rotation = mockRotation({ currentAfterPolls: 3, lines: STEPS });
    // WHEN
    const { code, io } = await rotate();
    // THEN it ran under a version of its own, polling every 2 seconds
    expect(code).toBe(0);
    const token = rotation.token();
    expect(token).toMatch(UUID);
    expect(secretsManager).toHaveReceivedCommandTimes(RotateSecretCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(RotateSecretCommand, {
      SecretId: secretArn(ALICE),
      ClientRequestToken: token,
    });
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: LOG_GROUP,
      filterPattern: JSON.stringify(token),
    });
    expect(io.sleeps).toEqual([2000, 2000]);
    expect(io.err()).toBe(
      `rotating ${ALICE} (user alice) with iam-key-rotation, version ${token}\n` +
        `  createSecret created key ${masked(NEW)} (ok)\n` +
        '  setSecret    nothing to set (ok)\n' +
        '  testSecret   the new key authenticates (ok)\n' +
        '  finishSecret AWSCURRENT moved (ok)\n',
    );
    expect(io.out()).toBe(
      `rotated ${ALICE}: the new key ${masked(NEW)} of user alice is AWSCURRENT\n` +
        `previous key ${masked(CURRENT)} (IAM: Active): policy deactivate-after-grace, it stays Active for 7 days, then the daily sweep deactivates it once unused (from 2026-03-08)\n`,
    );
  });

  test('the first rotation has no previous key to report', async () => {
    mockRotation({ stages: {}, currentAfterPolls: 1, lines: STEPS });
    const { code, io } = await rotate();
    expect(code).toBe(0);
    expect(io.out()).toBe(
      `rotated ${ALICE}: the new key ${masked(NEW)} of user alice is AWSCURRENT\nno previous key (this was the first rotation)\n`,
    );
  });

  test("the previous key's fate follows the stack's policy, read from the function's environment", async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolves(functionConfiguration([STACK_PREFIX_PATTERN], { PREVIOUS_KEY_ACTION: 'keep' }));
    mockRotation({ currentAfterPolls: 1, lines: STEPS });
    const { code, io } = await rotate();
    expect(code).toBe(0);
    expect(io.out()).toContain(
      `previous key ${masked(CURRENT)} (IAM: Active): policy keep, it stays Active until the next rotation deletes it\n`,
    );
  });

  test('an unfinished rotation (AWSPENDING on another version) is retried under its own version; its earlier lines are not replayed', async () => {
    // GIVEN a pending version whose earlier attempt failed at testSecret
    const rotation = mockRotation({
      stages: { 'version-current': ['AWSCURRENT'], 'version-pending': ['AWSPENDING'] },
      earlierLines: [{ step: 'testSecret', message: 'the new key does not authenticate', outcome: 'failed' }],
      lines: STEPS.slice(2),
      currentAfterPolls: 1,
    });
    // WHEN
    const { code, io } = await rotate();
    // THEN
    expect(code).toBe(0);
    expect(rotation.token()).toBe('version-pending');
    expect(secretsManager).toHaveReceivedCommandWith(RotateSecretCommand, { ClientRequestToken: 'version-pending' });
    expect(io.err()).toBe(
      `retrying the unfinished rotation of ${ALICE} (user alice), version version-pending\n` +
        '  testSecret   the new key authenticates (ok)\n' +
        '  finishSecret AWSCURRENT moved (ok)\n',
    );
  });

  test("a log it cannot read: one note, then it follows the secret's versions alone", async () => {
    mockRotation({ currentAfterPolls: 3 });
    logs
      .on(FilterLogEventsCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: logs:FilterLogEvents'));
    const { code, io } = await rotate();
    expect(code).toBe(0);
    expect(io.err()).toMatch(
      new RegExp(
        `\\nnote: cannot read the rotation function's log ${LOG_GROUP} \\(AccessDeniedException: not authorized to perform: logs:FilterLogEvents\\); following the secret's versions only\\n$`,
      ),
    );
    expect(io.err().match(/note:/g)).toHaveLength(1);
    expect(io.out()).toMatch(/^rotated /);
  });
});

describe('rotate: failures', () => {
  test('a failing step: exit 1 naming the step and its error (key ids masked), and how to retry', async () => {
    // GIVEN testSecret fails
    const rotation = mockRotation({
      lines: [
        STEPS[0],
        STEPS[1],
        {
          step: 'testSecret',
          message: 'the new key does not authenticate',
          outcome: 'failed',
          error: { name: 'InvalidClientTokenId', message: `The security token of ${NEW.id} is invalid` },
        },
      ],
    });
    // WHEN
    const { code, io } = await rotate();
    // THEN
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toContain(
      `  testSecret   the new key does not authenticate (failed): InvalidClientTokenId: The security token of ${masked(NEW)} is invalid\n`,
    );
    expect(io.err()).toMatch(
      new RegExp(
        `iam-key-rotation: error: the rotation of ${ALICE} failed at step testSecret: InvalidClientTokenId: The security token of AKIA…NEW1 is invalid\\n` +
          `The current key still works\\. Find the cause in the rotation function's log group ${LOG_GROUP} \\(version ${rotation.token()}\\), ` +
          `fix it, then run 'iam-key-rotation rotate ${ALICE}' again: it retries this rotation\\.\\n$`,
      ),
    );
    expect(io.sleeps).toEqual([]);
  });

  test('RotateSecret refused at once: exit 1 with its error, the step taken from it', async () => {
    mockRotation({
      rotateSecretError: awsError('InvalidRequestException', `step setSecret failed: ${NEW.id} is not the user's`),
    });
    const { code, io } = await rotate();
    expect(code).toBe(1);
    expect(io.err()).toContain(
      `error: the rotation of ${ALICE} failed at step setSecret: InvalidRequestException: step setSecret failed: ${masked(NEW)} is not the user's\n`,
    );
  });

  test('RotateSecret denied: exit 4, explained', async () => {
    mockRotation({
      rotateSecretError: awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:RotateSecret'),
    });
    const { code, io } = await rotate();
    expect(code).toBe(4);
    expect(io.err()).toContain(
      `iam-key-rotation: error: access denied while starting the rotation of ${ALICE} (RotateSecret): not authorized to perform: secretsmanager:RotateSecret\n`,
    );
  });

  test('a rotation that does not finish within --timeout: exit 1 with its last step, saying the current key still works', async () => {
    const rotation = mockRotation({ lines: STEPS.slice(0, 1) });
    const { code, io } = await rotate('--timeout', '5');
    expect(code).toBe(1);
    expect(io.sleeps).toEqual([2000, 2000, 2000]);
    expect(io.err()).toContain(
      `iam-key-rotation: error: the rotation of ${ALICE} (version ${rotation.token()}) did not finish in time; its last step was createSecret. ` +
        `It may still finish: check with 'iam-key-rotation status', or follow it again with 'iam-key-rotation rotate ${ALICE}' (it retries the unfinished rotation). The current key still works.\n`,
    );
  });

  test('rotation turned off on the secret: exit 1, nothing started', async () => {
    mockRotation({ describe: { RotationEnabled: false } });
    const { code, io } = await rotate();
    expect(code).toBe(1);
    expect(io.err()).toBe(
      `iam-key-rotation: error: rotation is turned off on secret ${ALICE}: run terraform apply to turn it back on, then rotate again\n`,
    );
    expect(secretsManager).not.toHaveReceivedCommand(RotateSecretCommand);
  });

  test.each([
    [
      'does not exist',
      { error: awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.") },
      `secret ${ALICE} does not exist (in this account and region)`,
    ],
    [
      'has no user tag',
      { describe: { Tags: [] } },
      `secret ${ALICE} is not managed by iam-key-rotation: it has no iam-key-rotation:user tag naming the user whose key it holds`,
    ],
    [
      'has no rotation function',
      { describe: { RotationLambdaARN: undefined } },
      `secret ${ALICE} is not managed by iam-key-rotation: no rotation function is configured on it`,
    ],
    [
      'binds another user',
      { managedSecrets: [[ALICE, 'bob']] },
      `secret ${ALICE} is not managed by iam-key-rotation: it does not bind user alice: the stack lists it as the secret of user bob, not alice`,
    ],
  ])(
    'a secret that %s: exit 3, nothing rotated',
    async (
      _case,
      setup: { error?: Error; describe?: Partial<DescribeSecretCommandOutput>; managedSecrets?: unknown[] },
      message,
    ) => {
      mockRotation({ describe: setup.describe ?? {} });
      if (setup.error !== undefined) secretsManager.on(DescribeSecretCommand).rejects(setup.error);
      if (setup.managedSecrets !== undefined)
        lambda.on(GetFunctionConfigurationCommand).resolves(functionConfiguration(setup.managedSecrets));
      const { code, io } = await rotate();
      expect(code).toBe(3);
      expect(io.out()).toBe('');
      expect(io.err()).toMatch(
        new RegExp(`^iam-key-rotation: error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      expect(secretsManager).not.toHaveReceivedCommand(RotateSecretCommand);
    },
  );

  test('a bad --timeout is a usage error (exit 2) before any AWS call', async () => {
    const { code, io } = await rotate('--timeout', '0');
    expect(code).toBe(2);
    expect(io.err()).toBe(
      "iam-key-rotation: error: --timeout must be a whole number of seconds from 1 to 86400, got '0'\nRun 'iam-key-rotation rotate --help' for usage.\n",
    );
    expect(secretsManager).not.toHaveReceivedAnyCommand();
  });
});
