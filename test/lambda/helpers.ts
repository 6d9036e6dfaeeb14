import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
} from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ATTEMPT_TAG_KEY, FUNCTION_ENV, PREVIOUS_KEY_POLICY_TAG_KEY, USER_TAG_KEY } from '../../core/contract';
import { formatAttemptMarker } from '../../lambda/attempt-marker';
import type { KeyCredentials } from '../../lambda/clients';
import type { Clock } from '../../lambda/clock';
import type { Dependencies } from '../../lambda/dependencies';
import type { RotationStep } from '../../core/rotation-request';
import { createLogger } from '../../lambda/logger';
import type { InvocationContext } from '../../lambda/invocation-context';

export const ACCOUNT = '123456789012';
export const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:iam-key-rotation/alice-AbCdEf`;
export const USER = 'alice';
export const TOKEN = '11111111-2222-3333-4444-555555555555';
export const CURRENT_VERSION = 'cccccccc-0000-0000-0000-000000000000';
export const PREVIOUS_VERSION = 'pppppppp-0000-0000-0000-000000000000';

export const CURRENT_KEY_ID = 'AKIACURRENTKEY000001';
export const PREVIOUS_KEY_ID = 'AKIAPREVIOUSKEY00001';
export const OTHER_KEY_ID = 'AKIAOTHERKEY00000001';
export const NEW_KEY_ID = 'AKIANEWKEY0000000001';
/** Made-up 40-character secret access keys; the leak test looks for them everywhere. */
export const CURRENT_SECRET_KEY = 'Zc4Wq/9vTnR2bLx7Kp0sMd3Hf6Jy1Ag5Ue8Oi+Ct';
export const NEW_SECRET_KEY = 'q7Zr+T2vNw9XkLmB4sYp1cHdE8fGjUaQ6oIiR3tV';

/** Key dates matter only against an attempt marker's window (attempt-marker.ts). */
export const BEFORE_ATTEMPT = new Date('2025-01-09T23:59:00Z');
export const DURING_ATTEMPT = new Date('2025-01-11T00:00:00Z');
/** An earlier, failed attempt of this rotation's createSecret ran around DURING_ATTEMPT: keys created then are its own. */
export const EARLIER_ATTEMPT = {
  start: new Date('2025-01-10T23:59:59.400Z'),
  end: new Date('2025-01-11T00:00:00.900Z'),
};
/** What the fake clock says: a day after the earlier attempt. */
export const NOW = new Date('2025-01-12T00:00:00Z');

/** The attempt marker tag value createSecret writes (see attempt-marker.ts). */
export const attemptMarker = (
  window: { start: Date; end: Date; ended?: boolean } = EARLIER_ATTEMPT,
  token = TOKEN,
): string =>
  formatAttemptMarker({ token, start: window.start.getTime(), end: window.end.getTime(), ended: window.ended ?? true });

export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;

/**
 * A secret someone else made under the prefix for alice in another case, tagged `ALICE`: it passes the name rule
 * (`<prefix><tag>`), and IAM finds alice by any case of her name, answering with `alice`.
 */
export const CASE_VARIANT = {
  arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:iam-key-rotation/ALICE-XyZ123`,
  name: 'iam-key-rotation/ALICE',
  userTag: 'ALICE',
} as const;
export const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iam-key-rotation`;

/** The stack's secrets as the construct lists them: SECRET_ARN is one of them. */
export const MANAGED_SECRETS = '["iam-key-rotation/*",["vendors/sync","sync"]]';

/** The function's environment as the construct sets it, with `extra` on top. */
export const functionEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  [FUNCTION_ENV.managedSecrets]: MANAGED_SECRETS,
  ...extra,
});

/** What the Lambda runtime passes: the function's ARN and a minute left. */
export const lambdaContext = (remainingMs = 60_000): InvocationContext => ({
  invokedFunctionArn: FUNCTION_ARN,
  getRemainingTimeInMillis: () => remainingMs,
});

export function rotationEvent(step: RotationStep | string): Record<string, unknown> {
  return { SecretId: SECRET_ARN, ClientRequestToken: TOKEN, Step: step };
}

export const currentValue = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  username: USER,
  accesskey: CURRENT_KEY_ID,
  secretkey: CURRENT_SECRET_KEY,
  ...extra,
});

export const pendingValue = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  username: USER,
  accesskey: NEW_KEY_ID,
  secretkey: NEW_SECRET_KEY,
  ...extra,
});

export interface AwsMocks {
  readonly secretsManager: AwsClientStub<SecretsManagerClient>;
  readonly iam: AwsClientStub<IAMClient>;
  readonly sts: AwsClientStub<STSClient>;
  readonly sns: AwsClientStub<SNSClient>;
}

/** Mocks every client of the four classes (the module-scope ones too) for one describe block. */
export function useAwsMocks(): AwsMocks {
  const mocks = {
    secretsManager: mockClient(SecretsManagerClient),
    iam: mockClient(IAMClient),
    sts: mockClient(STSClient),
    sns: mockClient(SNSClient),
  };
  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
  });
  afterAll(() => {
    for (const mock of Object.values(mocks)) mock.restore();
  });
  return mocks;
}

export const resourceNotFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} });

export const noSuchEntity = (): NoSuchEntityException =>
  new NoSuchEntityException({ message: 'The user with name alice cannot be found.', $metadata: {} });

/** STS errors are not modelled: the SDK names them after their code. */
export function stsError(name: string): Error {
  const error = new Error('The security token included in the request is invalid.');
  error.name = name;
  return error;
}

type ValueSpec = Record<string, unknown> | string;
const secretString = (value: ValueSpec): string => (typeof value === 'string' ? value : JSON.stringify(value));

export interface SecretScenario {
  /** Another secret than SECRET_ARN (iam-key-rotation/alice). */
  readonly secret?: { readonly arn: string; readonly name: string };
  readonly rotationEnabled?: boolean;
  /** `null`: the secret has no user tag. */
  readonly userTag?: string | null;
  /** Defaults to what the values below imply, with the token AWSPENDING. */
  readonly versions?: Record<string, string[]>;
  readonly current?: ValueSpec;
  /** The attempt marker tag's value, if the secret has one. */
  readonly attemptTag?: string;
  /** The secret's own previous-key policy tag, if it has one. */
  readonly policyTag?: string;
  readonly previous?: ValueSpec;
  readonly pending?: ValueSpec;
}

/** DescribeSecret and GetSecretValue answers for one secret. */
export function givenSecret(mocks: AwsMocks, scenario: SecretScenario = {}): void {
  const versions: Record<string, string[]> = scenario.versions ?? {
    ...(scenario.current === undefined ? {} : { [CURRENT_VERSION]: ['AWSCURRENT'] }),
    ...(scenario.previous === undefined ? {} : { [PREVIOUS_VERSION]: ['AWSPREVIOUS'] }),
    [TOKEN]: ['AWSPENDING'],
  };
  const userTag = scenario.userTag === undefined ? USER : scenario.userTag;
  const { arn, name } = scenario.secret ?? { arn: SECRET_ARN, name: 'iam-key-rotation/alice' };
  mocks.secretsManager.on(DescribeSecretCommand).resolves({
    ARN: arn,
    Name: name,
    RotationEnabled: scenario.rotationEnabled ?? true,
    Tags: [
      userTag === null ? { Key: 'team', Value: 'platform' } : { Key: USER_TAG_KEY, Value: userTag },
      ...(scenario.attemptTag === undefined ? [] : [{ Key: ATTEMPT_TAG_KEY, Value: scenario.attemptTag }]),
      ...(scenario.policyTag === undefined ? [] : [{ Key: PREVIOUS_KEY_POLICY_TAG_KEY, Value: scenario.policyTag }]),
    ],
    VersionIdsToStages: versions,
  });
  const staged = (stage: string, value: ValueSpec | undefined, versionId: string): void => {
    const matcher = { SecretId: arn, VersionStage: stage };
    if (value === undefined) {
      mocks.secretsManager.on(GetSecretValueCommand, matcher).rejects(resourceNotFound());
    } else {
      mocks.secretsManager
        .on(GetSecretValueCommand, matcher)
        .resolves({ ARN: arn, VersionId: versionId, SecretString: secretString(value), VersionStages: [stage] });
    }
  };
  staged('AWSCURRENT', scenario.current, CURRENT_VERSION);
  staged('AWSPREVIOUS', scenario.previous, PREVIOUS_VERSION);
  staged('AWSPENDING', scenario.pending, TOKEN);
}

/** A key as ListAccessKeys lists it: IAM states the user's name as IAM spells it (USER unless `user` says). */
export const accessKey = (
  AccessKeyId: string,
  options: { status?: 'Active' | 'Inactive'; created?: Date; user?: string } = {},
): AccessKeyMetadata => ({
  UserName: options.user ?? USER,
  AccessKeyId,
  Status: options.status ?? 'Active',
  CreateDate: options.created ?? BEFORE_ATTEMPT,
});

/** The user's keys, and IAM writes that succeed (CreateAccessKey returns the new key). */
export function givenKeys(mocks: AwsMocks, keys: AccessKeyMetadata[]): void {
  mocks.iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: keys, IsTruncated: false });
  mocks.iam.on(CreateAccessKeyCommand).resolves({
    AccessKey: {
      UserName: USER,
      AccessKeyId: NEW_KEY_ID,
      SecretAccessKey: NEW_SECRET_KEY,
      Status: 'Active',
      CreateDate: DURING_ATTEMPT,
    },
  });
  mocks.iam.on(DeleteAccessKeyCommand).resolves({});
  mocks.iam.on(UpdateAccessKeyCommand).resolves({});
}

/** CreateAccessKey, DeleteAccessKey and UpdateAccessKey: the calls bad input must never reach. */
export function expectNoIamWrite(mocks: AwsMocks): void {
  expect(mocks.iam).not.toHaveReceivedCommand(CreateAccessKeyCommand);
  expect(mocks.iam).not.toHaveReceivedCommand(DeleteAccessKeyCommand);
  expect(mocks.iam).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
}

/** A clock whose sleeps return at once and advance time by what was asked. */
export interface FakeClock extends Clock {
  readonly sleeps: number[];
}

export function fakeClock(): FakeClock {
  let now = NOW.getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
      now += milliseconds;
    },
  };
}

export interface TestDependencies extends Dependencies {
  readonly logLines: string[];
  /** The roles `assumeRole` was asked for, in order. */
  readonly assumedRoles: string[];
  /** What writeMetric received. */
  readonly metricLines: string[];
  readonly stsCredentials: KeyCredentials[];
  readonly clock: FakeClock;
}

/** Real clients (mocked by useAwsMocks), a logger writing to `logLines`, a fake clock. */
export function testDependencies(): TestDependencies {
  const logLines: string[] = [];
  const stsCredentials: KeyCredentials[] = [];
  const metricLines: string[] = [];
  const assumedRoles: string[] = [];
  return {
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    iam: new IAMClient({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    writeMetric: (line) => metricLines.push(line),
    metricLines,
    createStsClient: (credentials) => {
      stsCredentials.push(credentials);
      return new STSClient({ region: 'us-east-1', credentials });
    },
    // The same (mocked) clients: tests see which role was asked for in `assumedRoles`.
    assumeRole: (roleArn) => {
      assumedRoles.push(roleArn);
      return {
        secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
        iam: new IAMClient({ region: 'us-east-1' }),
      };
    },
    logger: createLogger('debug', (line) => logLines.push(line)),
    clock: fakeClock(),
    logLines,
    stsCredentials,
    assumedRoles,
  };
}

export type LogEntry = Record<string, unknown> & { level: string; message: string };

export const parseLogLines = (lines: readonly string[]): LogEntry[] =>
  lines.map((line) => JSON.parse(line) as LogEntry);

/** A promise's rejection, for assertions on the error object itself. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) {
      return error;
    }
    throw new Error(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection, but the promise resolved');
}
