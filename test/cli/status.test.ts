// `iam-key-rotation status` in-process through main() and its io seam, with mocked AWS clients: the table and --json,
// which secrets it shows, the exit codes, and the errors it explains. The emulator tests (cli.test.ts) run the real bin.
import {
  type AccessKeyMetadata,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  type StatusType,
} from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  ListSecretsCommand,
  type SecretListEntry,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import {
  awsError,
  DAY_MS,
  fakeKey,
  FUNCTION_ARN,
  functionConfiguration,
  masked,
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
const iam = mockClient(IAMClient);

const ALICE = 'iam-key-rotation/alice';
const CURRENT = fakeKey('CUR1');
const PREVIOUS = fakeKey('PRE1');
const STRAY = fakeKey('STR1');
const ALL_KEYS = [CURRENT, PREVIOUS, STRAY];

/** Alice's secret as ListSecrets lists it: rotated 3 days ago, AWSCURRENT and AWSPREVIOUS. */
function aliceEntry(overrides: Partial<SecretListEntry> = {}): SecretListEntry {
  return {
    ARN: secretArn(ALICE),
    Name: ALICE,
    Tags: [{ Key: 'iam-key-rotation:user', Value: 'alice' }],
    RotationEnabled: true,
    RotationLambdaARN: FUNCTION_ARN,
    RotationRules: { AutomaticallyAfterDays: 30 },
    CreatedDate: new Date(NOW - 90 * DAY_MS),
    LastRotatedDate: new Date(NOW - 3 * DAY_MS),
    NextRotationDate: new Date(NOW + 27 * DAY_MS),
    SecretVersionsToStages: { 'version-current': ['AWSCURRENT'], 'version-previous': ['AWSPREVIOUS'] },
    ...overrides,
  };
}

/** Alice's keys in IAM: the current one (made 3 days ago), the previous one still Active (used 4 days ago), and `extra`. */
function aliceKeys(
  options: {
    currentDaysAgo?: number;
    previousLastUsedDaysAgo?: number;
    extra?: { id: string; status: StatusType }[];
  } = {},
): void {
  const { currentDaysAgo = 3, previousLastUsedDaysAgo = 4, extra = [] } = options;
  const key = (id: string, status: StatusType, daysAgo: number): AccessKeyMetadata => ({
    UserName: 'alice',
    AccessKeyId: id,
    Status: status,
    CreateDate: new Date(NOW - daysAgo * DAY_MS),
  });
  iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
    AccessKeyMetadata: [
      key(CURRENT.id, 'Active', currentDaysAgo),
      key(PREVIOUS.id, 'Active', 33),
      ...extra.map(({ id, status }) => key(id, status, 10)),
    ],
  });
  iam.on(GetAccessKeyLastUsedCommand, { AccessKeyId: PREVIOUS.id }).resolves({
    AccessKeyLastUsed: {
      LastUsedDate: new Date(NOW - previousLastUsedDaysAgo * DAY_MS),
      ServiceName: 's3',
      Region: REGION,
    },
  });
}

function aliceValues(): void {
  secretsManager.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
    const key = { 'version-current': CURRENT, 'version-previous': PREVIOUS }[input.VersionId ?? ''];
    if (key === undefined) throw awsError('ResourceNotFoundException', `no version ${input.VersionId}`);
    return { ARN: secretArn(ALICE), VersionId: input.VersionId, SecretString: secretValue('alice', key) };
  });
}

async function status(...args: string[]): Promise<{ code: number; io: RecordingIo }> {
  const io = recordingIo();
  const code = await main(['status', '--region', REGION, ...args], io);
  // No secret access key, and no whole key id, in anything status prints.
  for (const key of ALL_KEYS) {
    expect(io.out() + io.err()).not.toContain(key.secret);
    expect(io.out() + io.err()).not.toContain(key.id);
  }
  return { code, io };
}

beforeEach(() => {
  secretsManager.reset();
  lambda.reset();
  iam.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves(functionConfiguration([STACK_PREFIX_PATTERN]));
});

describe('status: what it shows', () => {
  test('a healthy secret: one row with the masked keys, the policy, no findings; exit 0, nothing on stderr', async () => {
    // GIVEN
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys();
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.err()).toBe('');
    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(
      /^secret\s+user\s+current key\s+age\s+last rotated\s+next rotation\s+previous key\s+previous key last used\s+findings$/,
    );
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${ALICE}\\s+alice\\s+${masked(CURRENT)}\\s+3d\\s+2026-02-26\\s+2026-03-28\\s+${masked(PREVIOUS)} Active until 2026-03-05\\s+2026-02-25 s3 us-east-1\\s+ok$`,
      ),
    );
    expect(io.out()).toContain('\nprevious-key policy: deactivate-after-grace (7 days, in use: hold)\n');
    expect(io.out()).toMatch(/\nNo findings\.\n$/);
  });

  test('--json: the rows with stable field names, key ids masked', async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys();
    const { code, io } = await status('--json');
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toEqual([
      {
        secret: ALICE,
        arn: secretArn(ALICE),
        user: 'alice',
        rotationEnabled: true,
        previousKeyPolicy: { action: 'deactivate-after-grace', graceDays: 7, inUse: 'hold', source: 'stack' },
        currentKey: { id: masked(CURRENT), createdDate: new Date(NOW - 3 * DAY_MS).toISOString(), ageDays: 3 },
        lastRotatedDate: new Date(NOW - 3 * DAY_MS).toISOString(),
        nextRotationDate: new Date(NOW + 27 * DAY_MS).toISOString(),
        previousKey: {
          id: masked(PREVIOUS),
          status: 'Active',
          sweepDeactivatesAtNextRun: false,
          graceEndsDate: '2026-03-05',
          lastUsed: { date: new Date(NOW - 4 * DAY_MS).toISOString(), service: 's3', region: REGION },
          lastUsedUnknown: false,
        },
        findings: [],
      },
    ]);
  });

  test('--stack-prefix (repeatable) selects secrets by name; none selected is said in words', async () => {
    // GIVEN alice's secret only
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys();
    // WHEN / THEN: a prefix that matches, among others, shows it
    const both = await status('--json', '--stack-prefix', 'team-b/', '--stack-prefix', 'iam-key-rotation/');
    expect((JSON.parse(both.io.out()) as { secret: string }[]).map((row) => row.secret)).toEqual([ALICE]);
    // and prefixes that match nothing show nothing, saying under which
    const none = await status('--stack-prefix', 'team-b/', '--stack-prefix', 'team-c/');
    expect(none.code).toBe(0);
    expect(none.io.out()).toBe(
      'No managed secrets named under team-b/, team-c/ (secrets tagged iam-key-rotation:user that a rotation function manages).\n',
    );
  });

  test('leaves out the tagged secrets the function does not manage, or that bind no user, and says so on stderr', async () => {
    // GIVEN a secret outside MANAGED_SECRETS, one under the prefix whose tag names another user, one without a function
    secretsManager.on(ListSecretsCommand).resolves({
      SecretList: [
        aliceEntry({
          ARN: secretArn('other-team/dave'),
          Name: 'other-team/dave',
          Tags: [{ Key: 'iam-key-rotation:user', Value: 'dave' }],
        }),
        aliceEntry({ ARN: secretArn('iam-key-rotation/zz-rogue'), Name: 'iam-key-rotation/zz-rogue' }),
        aliceEntry({
          ARN: secretArn('iam-key-rotation/bob'),
          Name: 'iam-key-rotation/bob',
          RotationLambdaARN: undefined,
        }),
      ],
    });
    // WHEN
    const { code, io } = await status();
    // THEN none is inspected, each is accounted for
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^No managed secrets \(/);
    expect(io.err()).toBe(
      'note: secret iam-key-rotation/zz-rogue is not managed, not shown: it does not bind user alice: ' +
        'under iam-key-rotation/* the secret of user alice is named iam-key-rotation/alice (a secret binds exactly one user: the secret ' +
        "MANAGED_SECRETS lists for it by name, else <prefix><user name> under the stack's prefix), so its rotation function refuses it\n" +
        "note: 1 secret(s) carry the iam-key-rotation:user tag but are outside their rotation function's MANAGED_SECRETS: not shown\n" +
        'note: 1 secret(s) carry the iam-key-rotation:user tag but have no rotation function: not shown\n',
    );
    expect(iam).not.toHaveReceivedCommand(ListAccessKeysCommand);
    expect(secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  test('a function whose configuration cannot be read: its secrets are judged by their tag, with a note', async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys();
    lambda
      .on(GetFunctionConfigurationCommand)
      .rejects(awsError('AccessDeniedException', 'not allowed: lambda:GetFunctionConfiguration'));
    const { code, io } = await status();
    expect(code).toBe(0);
    expect(io.out()).toContain(`${ALICE} `);
    expect(io.err()).toBe(
      `note: could not read the configuration of rotation function ${FUNCTION_ARN} (AccessDeniedException: not allowed: lambda:GetFunctionConfiguration): ` +
        'its secrets are taken as managed by their iam-key-rotation:user tag alone, with the default previous-key policy (deactivate-after-grace, 7 days)\n',
    );
  });
});

describe('status: findings and exit codes', () => {
  test('an error finding (an Active key the secret does not hold) exits 1 and is listed with its code', async () => {
    // GIVEN a third, Active key of alice made outside the rotation
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys({ extra: [{ id: STRAY.id, status: 'Active' }] });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(1);
    expect(io.out()).toMatch(new RegExp(`^${ALICE}\\s+alice\\s.*\\s1 error$`, 'm'));
    expect(io.out()).toContain(
      `\nFindings:\n  ERROR ${ALICE} (user alice) [unknown-active-key]: User alice has an Active key ${masked(STRAY)} that the secret does not hold`,
    );
  });

  test('a warning alone exits 0: the previous key still in use after its grace period', async () => {
    // GIVEN a rotation 10 days ago (grace 7 days) and the previous key used yesterday
    secretsManager
      .on(ListSecretsCommand)
      .resolves({ SecretList: [aliceEntry({ LastRotatedDate: new Date(NOW - 10 * DAY_MS) })] });
    aliceValues();
    aliceKeys({ currentDaysAgo: 10, previousLastUsedDaysAgo: 1 });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.out()).toMatch(new RegExp(`^${ALICE}\\s+alice\\s.*\\s1 warning$`, 'm'));
    expect(io.out()).toContain(
      `\nFindings:\n  WARNING ${ALICE} (user alice) [previous-key-in-use]: The previous key ${masked(PREVIOUS)} was used on 2026-02-28 by s3 in us-east-1`,
    );
  });

  test('an Inactive key the secret does not hold is no finding; rotation turned off is an error: exit 1', async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    aliceKeys({ extra: [{ id: STRAY.id, status: 'Inactive' }] });
    const inactive = await status();
    expect(inactive.code).toBe(0);
    expect(inactive.io.out()).toContain('No findings.');

    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry({ RotationEnabled: false })] });
    const off = await status();
    expect(off.code).toBe(1);
    expect(off.io.out()).toMatch(new RegExp(`^${ALICE}\\s+alice\\s.*rotation off\\s.*1 error$`, 'm'));
    expect(off.io.out()).toContain(`ERROR ${ALICE} (user alice) [rotation-disabled]`);
  });

  test('a secret that cannot be checked (not an access problem) is an error finding of its own: exit 1', async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    iam.on(ListAccessKeysCommand).rejects(awsError('ServiceFailure', 'IAM is having a bad day'));
    const { code, io } = await status('--json');
    expect(code).toBe(1);
    expect(JSON.parse(io.out())).toEqual([
      expect.objectContaining({
        secret: ALICE,
        currentKey: null,
        findings: [
          {
            code: 'check-failed',
            severity: 'error',
            secret: ALICE,
            user: 'alice',
            message:
              'Could not check the secret (ServiceFailure: IAM is having a bad day). Try again; if it persists, check your permissions on the secret and the user.',
          },
        ],
      }),
    ]);
  });

  test('AccessDenied listing the secrets: exit 4, explained, nothing on stdout', async () => {
    secretsManager
      .on(ListSecretsCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: secretsmanager:ListSecrets',
        ),
      );
    const { code, io } = await status();
    expect(code).toBe(4);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      'iam-key-rotation: error: access denied while listing the secrets tagged iam-key-rotation:user (ListSecrets): ' +
        'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: secretsmanager:ListSecrets\n',
    );
  });

  test("AccessDenied checking one secret is the command's error, not a finding: exit 4", async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [aliceEntry()] });
    aliceValues();
    iam.on(ListAccessKeysCommand).rejects(awsError('AccessDenied', 'not authorized to perform: iam:ListAccessKeys'));
    const { code, io } = await status();
    expect(code).toBe(4);
    expect(io.out()).toBe('');
    expect(io.err()).toBe(
      `iam-key-rotation: error: access denied while checking secret ${ALICE}: not authorized to perform: iam:ListAccessKeys\n`,
    );
  });

  test('no credentials: exit 4, saying how to configure them and which profile was tried', async () => {
    secretsManager
      .on(ListSecretsCommand)
      .rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const { code, io } = await status('--profile', 'ops');
    expect(code).toBe(4);
    expect(io.err()).toMatch(
      /^iam-key-rotation: error: profile 'ops': no AWS credentials found \(Could not load credentials from any providers\)\. Configure AWS credentials: /,
    );
  });

  test('rejected credentials: exit 4', async () => {
    secretsManager
      .on(ListSecretsCommand)
      .rejects(awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'));
    const { code, io } = await status();
    expect(code).toBe(4);
    expect(io.err()).toMatch(
      /^iam-key-rotation: error: AWS rejected the credentials while listing the secrets tagged iam-key-rotation:user \(ListSecrets\) \(UnrecognizedClientException: /,
    );
  });

  test('any other failure listing the secrets: exit 1 with the error', async () => {
    secretsManager.on(ListSecretsCommand).rejects(awsError('InternalServiceError', 'try again'));
    const { code, io } = await status();
    expect(code).toBe(1);
    expect(io.err()).toBe(
      'iam-key-rotation: error: listing the secrets tagged iam-key-rotation:user (ListSecrets) failed: InternalServiceError: try again\n',
    );
  });
});
