// `iam-key-rotation credentials` in-process through main() and its io seam, with mocked AWS clients: the
// credential_process JSON on stdout and nothing else, and the secrets and values it refuses to print a key of.
// The emulator tests (cli.test.ts) feed its output to a real SDK client.
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import {
  awsError,
  fakeKey,
  FUNCTION_ARN,
  functionConfiguration,
  NOW,
  recordingIo,
  REGION,
  type RecordingIo,
  secretArn,
  secretValue,
  STACK_PREFIX_PATTERN,
} from './in-process';

const secretsManager = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);

const ALICE = 'iam-key-rotation/alice';
const KEY = fakeKey('CUR1');

function describeAlice(overrides: Partial<DescribeSecretCommandOutput> = {}): void {
  secretsManager.on(DescribeSecretCommand).resolves({
    ARN: secretArn(ALICE),
    Name: ALICE,
    Tags: [{ Key: 'iam-key-rotation:user', Value: 'alice' }],
    RotationEnabled: true,
    RotationLambdaARN: FUNCTION_ARN,
    VersionIdsToStages: { 'version-current': ['AWSCURRENT'] },
    ...overrides,
  });
}

function currentValue(secretString: string): void {
  secretsManager
    .on(GetSecretValueCommand, { SecretId: secretArn(ALICE), VersionStage: 'AWSCURRENT' })
    .resolves({ ARN: secretArn(ALICE), SecretString: secretString });
}

async function credentials(
  options: { args?: string[]; stdoutIsTTY?: boolean } = {},
): Promise<{ code: number; io: RecordingIo }> {
  const io = recordingIo({ stdoutIsTTY: options.stdoutIsTTY ?? false });
  const code = await main(['credentials', ALICE, '--region', REGION, ...(options.args ?? [])], io);
  // The secret key goes to stdout on success only, never to stderr.
  expect(io.err()).not.toContain(KEY.secret);
  return { code, io };
}

beforeEach(() => {
  secretsManager.reset();
  lambda.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves(functionConfiguration([STACK_PREFIX_PATTERN]));
});

describe('credentials: the credential_process output', () => {
  test('prints the AWSCURRENT key as one line of credential_process JSON, expiring in an hour; nothing on stderr', async () => {
    // GIVEN
    describeAlice();
    currentValue(secretValue('alice', KEY));
    // WHEN
    const { code, io } = await credentials();
    // THEN exactly the documented shape, in this order
    expect(code).toBe(0);
    expect(io.err()).toBe('');
    expect(io.out()).toBe(
      `{"Version":1,"AccessKeyId":"${KEY.id}","SecretAccessKey":"${KEY.secret}","Expiration":"2026-03-01T13:00:00.000Z"}\n`,
    );
    expect(JSON.parse(io.out())).toEqual({
      Version: 1,
      AccessKeyId: KEY.id,
      SecretAccessKey: KEY.secret,
      Expiration: new Date(NOW + 60 * 60 * 1000).toISOString(),
    });
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: secretArn(ALICE),
      VersionStage: 'AWSCURRENT',
    });
  });

  test('quiet when the function configuration cannot be read (a consumer may lack lambda:GetFunctionConfiguration)', async () => {
    describeAlice();
    currentValue(secretValue('alice', KEY));
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:GetFunctionConfiguration'));
    const { code, io } = await credentials();
    expect(code).toBe(0);
    expect(io.err()).toBe('');
    expect(JSON.parse(io.out())).toMatchObject({ AccessKeyId: KEY.id });
  });

  test('refuses a terminal on stdout (exit 2, before any AWS call) unless --force', async () => {
    describeAlice();
    currentValue(secretValue('alice', KEY));
    const refused = await credentials({ stdoutIsTTY: true });
    expect(refused.code).toBe(2);
    expect(refused.io.out()).toBe('');
    expect(refused.io.err()).toBe(
      'iam-key-rotation: error: credentials prints a secret access key for credential_process, not for a terminal (it would stay in the scrollback)\n' +
        "Use it as credential_process in ~/.aws/config (see 'iam-key-rotation credentials --help'), pipe it, or add --force.\n",
    );
    expect(secretsManager).not.toHaveReceivedAnyCommand();

    const forced = await credentials({ stdoutIsTTY: true, args: ['--force'] });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.io.out())).toMatchObject({ Version: 1, AccessKeyId: KEY.id });
  });
});

describe('credentials: what it refuses', () => {
  test.each([
    [
      'has no user tag',
      { Tags: [] },
      [STACK_PREFIX_PATTERN],
      'it has no iam-key-rotation:user tag naming the user whose key it holds',
    ],
    [
      'has no rotation function',
      { RotationLambdaARN: undefined },
      [STACK_PREFIX_PATTERN],
      'no rotation function is configured on it',
    ],
    [
      'is outside MANAGED_SECRETS',
      {},
      ['team-b/*'],
      'its rotation function iam-key-rotation does not cover it (MANAGED_SECRETS of the function)',
    ],
    [
      'binds another user than its tag',
      {},
      [[ALICE, 'bob']],
      'it does not bind user alice: the stack lists it as the secret of user bob, not alice',
    ],
    [
      'is tagged with a user it does not bind',
      { Tags: [{ Key: 'iam-key-rotation:user', Value: 'mallory' }] },
      [STACK_PREFIX_PATTERN],
      'it does not bind user mallory: under iam-key-rotation/* the secret of user mallory is named iam-key-rotation/mallory',
    ],
  ])(
    'a secret that %s: exit 3, no value read, nothing on stdout',
    async (_case, described: Partial<DescribeSecretCommandOutput>, managedSecrets: unknown[], why) => {
      // GIVEN
      describeAlice(described);
      currentValue(secretValue('alice', KEY));
      lambda.on(GetFunctionConfigurationCommand).resolves(functionConfiguration(managedSecrets));
      // WHEN
      const { code, io } = await credentials();
      // THEN
      expect(code).toBe(3);
      expect(io.out()).toBe('');
      expect(
        io.err().startsWith(`iam-key-rotation: error: secret ${ALICE} is not managed by iam-key-rotation: ${why}`),
      ).toBe(true);
      expect(secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
    },
  );

  test('a secret that does not exist: exit 3', async () => {
    secretsManager
      .on(DescribeSecretCommand)
      .rejects(awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));
    const { code, io } = await credentials();
    expect(code).toBe(3);
    expect(io.err()).toBe(`iam-key-rotation: error: secret ${ALICE} does not exist (in this account and region)\n`);
  });

  test('a value that names another user than the tag: exit 1, the value not quoted', async () => {
    describeAlice();
    currentValue(secretValue('bob', KEY));
    const { code, io } = await credentials();
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(new RegExp(`^iam-key-rotation: error: refusing the key of secret ${ALICE}: `));
    expect(io.err()).not.toContain(KEY.id);
  });

  test.each([
    [
      'lacks the secret key',
      JSON.stringify({ username: 'alice', accesskey: KEY.id }),
      `secret ${ALICE}: the AWSCURRENT value lacks an accesskey or a secretkey`,
    ],
    ['is not JSON', `not json ${KEY.secret}`, `refusing the key of secret ${ALICE}: `],
  ])('a value that %s: exit 1, the value not quoted', async (_case, secretString, message) => {
    describeAlice();
    currentValue(secretString);
    const { code, io } = await credentials();
    expect(code).toBe(1);
    expect(io.out()).toBe('');
    expect(io.err()).toContain(`iam-key-rotation: error: ${message}`);
  });

  test('no key yet (no AWSCURRENT value): exit 1, pointing at status', async () => {
    describeAlice();
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        awsError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        ),
      );
    const { code, io } = await credentials();
    expect(code).toBe(1);
    expect(io.err()).toBe(
      `iam-key-rotation: error: secret ${ALICE} holds no key yet: its first rotation has not succeeded (run 'iam-key-rotation status')\n`,
    );
  });

  test('GetSecretValue denied: exit 4, explained', async () => {
    describeAlice();
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:GetSecretValue'));
    const { code, io } = await credentials();
    expect(code).toBe(4);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      `iam-key-rotation: error: access denied while reading the current value of secret ${ALICE} (GetSecretValue): not authorized to perform: secretsmanager:GetSecretValue\n`,
    );
  });

  test('DescribeSecret denied: exit 4, explained', async () => {
    secretsManager
      .on(DescribeSecretCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:DescribeSecret'));
    const { code, io } = await credentials();
    expect(code).toBe(4);
    expect(io.err()).toBe(
      `iam-key-rotation: error: access denied while reading secret ${ALICE} (DescribeSecret): not authorized to perform: secretsmanager:DescribeSecret\n`,
    );
  });
});
