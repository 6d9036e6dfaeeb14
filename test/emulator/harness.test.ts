// Self-tests of the local AWS emulator harness (launcher.py + emulator.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListServiceSpecificCredentialsCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CLOCK_OFFSET_ENV,
  type Credentials,
  type Emulator,
  MOTO_VERSION,
  startEmulator,
  throttlingFault,
} from '../../emulator/emulator';
import { describeWithMoto } from '../support/tools';
import {
  CALLER_IDENTITY_FUNCTION,
  CLOCK_FUNCTION,
  ROTATION_FUNCTION,
  WARM_COUNTER_FUNCTION,
  zipHandler,
} from './test-functions';

const LAUNCHER = path.resolve(__dirname, '..', '..', 'emulator', 'launcher.py');

jest.setTimeout(30_000);

const TRUST_LAMBDA = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
let uniqueCounter = 0;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${++uniqueCounter}`;

function clients(emulator: Emulator, credentials?: Credentials) {
  const config = { ...emulator.clientConfig(credentials), maxAttempts: 1 };
  return {
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    secrets: new SecretsManagerClient(config),
    sts: new STSClient(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
  };
}

/**
 * An EventBridge call (this project has no EventBridge client): JSON protocol, with a SigV4-shaped Authorization header
 * that names the service, which is all moto needs while IAM auth is off.
 */
async function eventBridge(emulator: Emulator, action: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(emulator.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSEvents.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${emulator.adminCredentials.accessKeyId}/20250101/${emulator.region}/events/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`EventBridge ${action} failed (${response.status}): ${text}`);
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

/** A queue subscribed to a new topic; `messages()` waits for what SNS delivered to it and returns each Message. */
async function subscribedQueue(
  c: Clients,
): Promise<{ topicArn: string; messages: (count: number) => Promise<string[]> }> {
  const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: unique('topic') }));
  const { QueueUrl } = await c.sqs.send(new CreateQueueCommand({ QueueName: unique('queue') }));
  const { Attributes } = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await c.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  const messages = async (count: number): Promise<string[]> => {
    const received: string[] = [];
    for (let attempt = 0; attempt < 5 && received.length < count; attempt++) {
      const { Messages } = await c.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      received.push(...(Messages ?? []).map((message) => (JSON.parse(message.Body!) as { Message: string }).Message));
    }
    return received;
  };
  return { topicArn: TopicArn!, messages };
}
type Clients = ReturnType<typeof clients>;

async function createRole(iam: IAMClient, policy?: object): Promise<string> {
  const roleName = unique('role');
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST_LAMBDA }),
  );
  if (policy) {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'fn', PolicyDocument: JSON.stringify(policy) }),
    );
  }
  return Role!.Arn!;
}

async function createFunction(
  c: Clients,
  source: string,
  options: { env?: Record<string, string>; timeout?: number; roleArn?: string } = {},
): Promise<string> {
  const { FunctionArn } = await c.lambda.send(
    new CreateFunctionCommand({
      FunctionName: unique('fn'),
      Runtime: 'nodejs22.x',
      Role: options.roleArn ?? (await createRole(c.iam)),
      Handler: 'index.handler',
      Code: { ZipFile: zipHandler(source) },
      Timeout: options.timeout ?? 10,
      Environment: { Variables: options.env ?? {} },
    }),
  );
  return FunctionArn!;
}

async function invoke(lambda: LambdaClient, functionArn: string, event: object = {}) {
  const response = await lambda.send(
    new InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
  );
  return { functionError: response.FunctionError, payload: JSON.parse(new TextDecoder().decode(response.Payload)) };
}

async function stagesOf(secrets: SecretsManagerClient, secretId: string): Promise<Record<string, string[]>> {
  const { VersionIdsToStages } = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  return VersionIdsToStages ?? {};
}

function versionWith(stages: Record<string, string[]>, label: string): string | undefined {
  return Object.keys(stages).find((id) => stages[id].includes(label));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeWithMoto('emulator launcher', () => {
  it('refuses to start with another moto version', () => {
    // GIVEN a moto that reports another version
    const launcher = LAUNCHER;
    const script = `import moto, runpy, sys; moto.__version__ = '0.0.1'; sys.argv = ['launcher.py']; runpy.run_path(${JSON.stringify(launcher)}, run_name='__main__')`;
    // WHEN the launcher starts
    const result = spawnSync('python3', ['-c', script], { encoding: 'utf8', input: '' });
    // THEN it exits non-zero naming the required version
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`moto ${MOTO_VERSION} is required`);
    expect(result.stdout).not.toContain('EMULATOR_READY');
  });
});

/** Starts launcher.py directly, resolves once it printed its ready line. */
function spawnLauncher(args: string[] = []) {
  const child = spawn('python3', [LAUNCHER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const line = chunk
        .toString()
        .split('\n')
        .find((l) => l.startsWith('EMULATOR_READY '));
      if (line) resolve(line);
    });
    void exited.then((code) => reject(new Error(`launcher exited early with ${code}`)));
  });
  return { child, ready, exited };
}

describeWithMoto('emulator launcher lifecycle', () => {
  it('stops when its stdin closes (the parent died)', async () => {
    const { child, ready, exited } = spawnLauncher();
    expect(await ready).toMatch(/^EMULATOR_READY http:\/\/127\.0\.0\.1:\d+$/);
    child.stdin.end();
    expect(await exited).toBe(0);
  });

  it('stops by itself after --max-seconds', async () => {
    const { ready, exited } = spawnLauncher(['--max-seconds', '1']);
    await ready;
    expect(await exited).toBe(0);
  });
});

describeWithMoto('emulator (IAM auth off)', () => {
  let emulator: Emulator;
  let c: Clients;

  beforeAll(async () => {
    const started = Date.now();
    emulator = await startEmulator();
    console.log(`emulator started in ${Date.now() - started} ms at ${emulator.endpoint}`);
    c = clients(emulator);
  });
  afterAll(() => emulator?.stop());

  it('reports a loopback endpoint and admin credentials', () => {
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.adminCredentials.arn).toMatch(/:user\/harness-admin$/);
    expect(emulator.env()).toMatchObject({
      AWS_ENDPOINT_URL: emulator.endpoint,
      IAM_KEY_ROTATION_TEST_ENDPOINT: emulator.endpoint,
      AWS_ACCESS_KEY_ID: emulator.adminCredentials.accessKeyId,
      AWS_REGION: 'us-east-1',
    });
  });

  describe('Lambda bridge', () => {
    it('runs a nodejs22.x function with its env, the endpoint and its role credentials', async () => {
      // GIVEN a function whose handler calls STS back through the emulator
      const roleArn = await createRole(c.iam);
      const functionArn = await createFunction(c, CALLER_IDENTITY_FUNCTION, { roleArn, env: { GREETING: 'hi' } });
      await emulator.setFunctionEnv({ AWS_MAX_ATTEMPTS: '1' });
      // WHEN it is invoked
      const { functionError, payload } = await invoke(c.lambda, functionArn, { hello: 'world' });
      // THEN it saw its env, the endpoint, the extra env, and ran as its role
      expect(functionError).toBeUndefined();
      const roleName = roleArn.split('/').pop();
      expect(payload).toEqual({
        arn: expect.stringContaining(`:assumed-role/${roleName}/`),
        greeting: 'hi',
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        maxAttempts: '1',
      });
      const [log] = (await emulator.invocationLogs()).filter((i) => i.functionName === functionArn.split(':').pop());
      expect(log).toMatchObject({ event: { hello: 'world' }, errored: false });
      expect(log.logs).toContain('event {"hello":"world"}');
      await emulator.setFunctionEnv({});
    });

    it('kills a function at its timeout and reports the error', async () => {
      const functionArn = await createFunction(c, CALLER_IDENTITY_FUNCTION, { timeout: 1 });
      const started = Date.now();
      const { functionError, payload } = await invoke(c.lambda, functionArn, { sleepMs: 5_000 });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(functionError).toBe('Handled');
      expect(payload).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    });

    it('logs which calls the function made, signed by whom', async () => {
      const roleArn = await createRole(c.iam);
      const functionArn = await createFunction(c, CALLER_IDENTITY_FUNCTION, { roleArn });
      await emulator.clearCalls();
      await invoke(c.lambda, functionArn);
      const calls = await emulator.calls();
      expect(calls.map((call) => `${call.service}:${call.action}`)).toEqual([
        `lambda:POST /2015-03-31/functions/${functionArn}/invocations`,
        'sts:GetCallerIdentity',
      ]);
      expect(calls[1]).toMatchObject({
        principal: expect.stringContaining(`:assumed-role/${roleArn.split('/').pop()}/`),
        status: 200,
      });
      expect(calls[0].principal).toBe(emulator.adminCredentials.arn);
    });
  });

  describe('RotateSecret', () => {
    let rotationArn: string;
    let failingArn: string;

    beforeAll(async () => {
      rotationArn = await createFunction(c, ROTATION_FUNCTION);
      failingArn = await createFunction(c, ROTATION_FUNCTION, { env: { FAIL_STEP: 'testSecret' } });
    });
    beforeEach(() => emulator.clearInvocationLogs());

    async function createSecretWithValue(): Promise<{ name: string; versionId: string }> {
      const name = unique('secret');
      const { VersionId } = await c.secrets.send(
        new CreateSecretCommand({ Name: name, SecretString: '{"version":"v0"}' }),
      );
      return { name, versionId: VersionId! };
    }

    it('invokes the four steps in order with the request token, then the labels have moved', async () => {
      // GIVEN a secret with a current version
      const { name, versionId: first } = await createSecretWithValue();
      const token = '11111111-1111-4111-8111-111111111111';
      // WHEN it is rotated
      const started = Date.now();
      await c.secrets.send(
        new RotateSecretCommand({
          SecretId: name,
          ClientRequestToken: token,
          RotationLambdaARN: rotationArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      console.log(`one rotation through the bridge took ${Date.now() - started} ms`);
      // THEN each step got the token, and the function's finishSecret moved the labels
      const events = (await emulator.invocationLogs()).map((i) => i.event);
      const arn = expect.stringMatching(
        new RegExp(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-\\w{6}$`),
      );
      expect(events).toEqual(STEPS.map((Step) => ({ Step, SecretId: arn, ClientRequestToken: token })));
      expect(await stagesOf(c.secrets, name)).toEqual({ [first]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
      const current = await c.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      expect(current).toMatchObject({ VersionId: token, SecretString: JSON.stringify({ version: token }) });
    });

    it('fails when a step fails, leaves AWSCURRENT alone, and a retry converges', async () => {
      // GIVEN a secret and a function whose testSecret throws
      const { name, versionId: first } = await createSecretWithValue();
      const token = '22222222-2222-4222-8222-222222222222';
      // WHEN rotation runs
      const rotate = (lambdaArn: string) =>
        c.secrets.send(
          new RotateSecretCommand({
            SecretId: name,
            ClientRequestToken: token,
            RotationLambdaARN: lambdaArn,
            RotationRules: { AutomaticallyAfterDays: 30 },
          }),
        );
      // THEN RotateSecret fails naming the step, and the steps after it never ran
      await expect(rotate(failingArn)).rejects.toMatchObject({
        name: 'InvalidRequestException',
        message: expect.stringContaining('step testSecret failed: TestStepError: failing testSecret on purpose'),
      });
      expect((await emulator.invocationLogs()).map((i) => (i.event as { Step: string }).Step)).toEqual(
        STEPS.slice(0, 3),
      );
      expect(await stagesOf(c.secrets, name)).toEqual({ [first]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
      const current = await c.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      expect(current.VersionId).toBe(first);
      // AND a retry with a working function finishes the same version
      await rotate(rotationArn);
      expect(versionWith(await stagesOf(c.secrets, name), 'AWSCURRENT')).toBe(token);
    });

    it('bootstraps a secret created without a value (Terraform rotate_immediately)', async () => {
      // GIVEN a secret without any version
      const name = unique('empty');
      await c.secrets.send(new CreateSecretCommand({ Name: name }));
      // WHEN rotation is configured without a token, as the provider does
      await c.secrets.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: rotationArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      // THEN all steps saw one token, which is now the only, current version
      const tokens = new Set(
        (await emulator.invocationLogs()).map((i) => (i.event as { ClientRequestToken: string }).ClientRequestToken),
      );
      expect(tokens.size).toBe(1);
      const [token] = [...tokens];
      const description = await c.secrets.send(new DescribeSecretCommand({ SecretId: name }));
      expect(description).toMatchObject({
        RotationEnabled: true,
        RotationLambdaARN: rotationArn,
        VersionIdsToStages: { [token]: ['AWSCURRENT'] },
      });
      expect((await c.secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe(
        JSON.stringify({ version: token }),
      );
    });

    it('keeps the whole rotation rules, as AWS does (Terraform reads Duration and ScheduleExpression back)', async () => {
      const { name } = await createSecretWithValue();
      const rules = { ScheduleExpression: 'rate(10 days)', Duration: '3h' };
      await c.secrets.send(
        new RotateSecretCommand({ SecretId: name, RotationLambdaARN: rotationArn, RotationRules: rules }),
      );
      const description = await c.secrets.send(new DescribeSecretCommand({ SecretId: name }));
      expect(description).toMatchObject({ RotationEnabled: true, RotationRules: rules });
    });

    it('refuses a new rotation while a failed one is pending, as AWS does, and resumes it by its token', async () => {
      // GIVEN a rotation that failed at testSecret
      const { name, versionId: first } = await createSecretWithValue();
      const token = '44444444-4444-4444-8444-444444444444';
      await expect(
        c.secrets.send(
          new RotateSecretCommand({
            SecretId: name,
            ClientRequestToken: token,
            RotationLambdaARN: failingArn,
            RotationRules: { AutomaticallyAfterDays: 30 },
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidRequestException' });
      // WHEN another rotation starts
      await expect(
        c.secrets.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: rotationArn })),
      ).rejects.toMatchObject({
        message: expect.stringContaining("A previous rotation isn't complete"),
      });
      // THEN the pending version keeps what createSecret stored, and the retry by token finishes it
      const pendingBefore = await c.secrets.send(
        new GetSecretValueCommand({ SecretId: name, VersionId: token, VersionStage: 'AWSPENDING' }),
      );
      await emulator.clearInvocationLogs();
      await c.secrets.send(
        new RotateSecretCommand({ SecretId: name, ClientRequestToken: token, RotationLambdaARN: rotationArn }),
      );
      expect((await emulator.invocationLogs()).map((i) => (i.event as { Step: string }).Step)).toEqual(STEPS);
      expect(await stagesOf(c.secrets, name)).toEqual({ [first]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
      const current = await c.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      expect(current.SecretString).toBe(pendingBefore.SecretString);
    });

    it('dates keys as AWS does, in whole seconds', async () => {
      // GIVEN a key made now
      const userName = unique('dated');
      await c.iam.send(new CreateUserCommand({ UserName: userName }));
      const { AccessKey } = await c.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      // WHEN it is listed
      const { AccessKeyMetadata } = await c.iam.send(new ListAccessKeysCommand({ UserName: userName }));
      // THEN its date has no milliseconds
      expect(AccessKey?.CreateDate?.getMilliseconds()).toBe(0);
      expect(AccessKeyMetadata?.[0].CreateDate?.getMilliseconds()).toBe(0);
    });

    it("sends the secret's ARN in every step's event, as Secrets Manager does", async () => {
      // GIVEN
      const { name } = await createSecretWithValue();
      // WHEN it rotates, first by RotateSecret and then by a retry with the token
      const { ARN, VersionId } = await c.secrets.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: rotationArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      await c.secrets.send(new RotateSecretCommand({ SecretId: name, ClientRequestToken: VersionId }));
      // THEN every step saw the ARN, not the name
      const events = (await emulator.invocationLogs()).map((invocation) => invocation.event as { SecretId: string });
      expect(events).toHaveLength(8);
      expect(events.map((event) => event.SecretId)).toEqual(Array(8).fill(ARN));
    });

    it('reuses the configured function when RotateSecret names none', async () => {
      const { name, versionId: first } = await createSecretWithValue();
      await c.secrets.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: rotationArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      await c.secrets.send(new RotateSecretCommand({ SecretId: name }));
      const stages = await stagesOf(c.secrets, name);
      expect(Object.keys(stages)).toHaveLength(3);
      expect(stages[first]).toEqual([]);
      expect(await emulator.invocationLogs()).toHaveLength(8);
    });
  });

  describe('fault injection', () => {
    afterEach(() => emulator.clearFaults());

    it('fails the nth matching JSON-protocol call, once', async () => {
      // GIVEN a secret and a fault on the second GetSecretValue
      const name = unique('faulty');
      await c.secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
      await emulator.injectFault({
        service: 'secretsmanager',
        action: 'GetSecretValue',
        nth: 2,
        code: 'InternalServiceError',
        message: 'injected',
        status: 500,
      });
      const get = () => c.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      // THEN the first call passes, the second fails as configured, the third passes
      await expect(get()).resolves.toMatchObject({ SecretString: 'x' });
      await expect(get()).rejects.toMatchObject({
        name: 'InternalServiceError',
        message: 'injected',
        $metadata: { httpStatusCode: 500 },
      });
      await expect(get()).resolves.toMatchObject({ SecretString: 'x' });
      expect(await emulator.faults()).toEqual([]);
    });

    it('fails query-protocol calls (iam, sts) with an XML error', async () => {
      await emulator.injectFault({
        service: 'iam',
        action: 'ListUsers',
        code: 'AccessDenied',
        message: 'no listing',
        status: 403,
      });
      await emulator.injectFault({
        service: 'sts',
        action: 'GetCallerIdentity',
        code: 'InvalidClientTokenId',
        status: 403,
      });
      await expect(c.iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: 'no listing',
      });
      await expect(c.sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      await expect(c.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
      await expect(c.sts.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    });

    it('lists pending faults until they fire or are cleared', async () => {
      await emulator.injectFault({ service: 'sts', action: 'GetCallerIdentity', nth: 3, code: 'Throttling' });
      expect(await emulator.faults()).toEqual([
        expect.objectContaining({ service: 'sts', nth: 3, seen: 0, status: 400 }),
      ]);
      await emulator.clearFaults();
      expect(await emulator.faults()).toEqual([]);
    });

    it("throttles every nth call of a service, any action, in IAM's XML format, until removed", async () => {
      // GIVEN one IAM call in three throttled
      const fault = await emulator.injectFault(throttlingFault('iam', 3));
      expect(fault).toMatchObject({
        service: 'iam',
        action: null,
        every: 3,
        nth: null,
        code: 'Throttling',
        status: 400,
        fired: 0,
      });
      // WHEN six IAM calls of two actions are made, one attempt each
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const call =
          i % 2 === 0
            ? c.iam.send(new ListUsersCommand({}))
            : c.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'harness-admin' }));
        outcomes.push(
          await call.then(
            () => 'ok',
            (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
              `${error.name} ${error.$metadata?.httpStatusCode}`,
          ),
        );
      }
      // THEN the third and the sixth failed as IAM throttles, and the fault says so
      expect(outcomes).toEqual(['ok', 'ok', 'Throttling 400', 'ok', 'ok', 'Throttling 400']);
      expect(await emulator.faults()).toEqual([expect.objectContaining({ id: fault.id, seen: 6, fired: 2 })]);
      // AND once removed it reports what it did, and IAM answers again
      expect(await emulator.removeFault(fault.id)).toMatchObject({ seen: 6, fired: 2 });
      expect(await emulator.faults()).toEqual([]);
      await expect(c.iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
      await expect(emulator.removeFault(fault.id)).rejects.toThrow(/no fault/);
    });

    it('throttles every nth call of one Secrets Manager action with a JSON ThrottlingException', async () => {
      // GIVEN a secret and every second GetSecretValue throttled
      const name = unique('throttled');
      await c.secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
      await emulator.injectFault(throttlingFault('secretsmanager', 2, 'GetSecretValue'));
      const get = () => c.secrets.send(new GetSecretValueCommand({ SecretId: name }));
      // THEN GetSecretValue fails every second time, DescribeSecret never
      await expect(get()).resolves.toMatchObject({ SecretString: 'x' });
      await expect(get()).rejects.toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      for (let i = 0; i < 3; i++)
        await expect(c.secrets.send(new DescribeSecretCommand({ SecretId: name }))).resolves.toBeDefined();
      await expect(get()).resolves.toMatchObject({ SecretString: 'x' });
      await expect(get()).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(await emulator.faults()).toEqual([
        expect.objectContaining({ action: 'GetSecretValue', seen: 4, fired: 2 }),
      ]);
    });

    it('the SDK retries a throttled call by itself, and the call log numbers its attempts', async () => {
      // GIVEN every second STS call throttled and a client that tries three times
      await emulator.injectFault(throttlingFault('sts', 2));
      const sts = new STSClient({ ...emulator.clientConfig(), maxAttempts: 3 });
      await emulator.clearCalls();
      // WHEN it makes two calls
      await sts.send(new GetCallerIdentityCommand({}));
      await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      // THEN the second succeeded on its second attempt, after the throttled first
      const calls = (await emulator.calls()).map(({ attempt, injectedFault, status }) => ({
        attempt,
        injectedFault,
        status,
      }));
      expect(calls).toEqual([
        { attempt: 1, injectedFault: false, status: 200 },
        { attempt: 1, injectedFault: true, status: 400 },
        { attempt: 2, injectedFault: false, status: 200 },
      ]);
    });

    it('refuses a fault with both nth and every, and a one-off fault without an action', async () => {
      await expect(
        emulator.injectFault({ service: 'iam', action: 'ListUsers', nth: 2, every: 3, code: 'Throttling' }),
      ).rejects.toThrow(/nth .* or every .*, not both/);
      await expect(emulator.injectFault({ service: 'iam', code: 'Throttling' })).rejects.toThrow(/fault needs action/);
      await expect(emulator.injectFault({ service: 'iam', every: 0, code: 'Throttling' })).rejects.toThrow(
        /every must be >= 1, got 0/,
      );
      expect(await emulator.faults()).toEqual([]);
    });

    it('faults calls the function makes, and records them', async () => {
      const functionArn = await createFunction(c, CALLER_IDENTITY_FUNCTION);
      await emulator.setFunctionEnv({ AWS_MAX_ATTEMPTS: '1' });
      await emulator.injectFault({
        service: 'sts',
        action: 'GetCallerIdentity',
        code: 'InvalidClientTokenId',
        status: 403,
      });
      await emulator.clearCalls();
      const { functionError, payload } = await invoke(c.lambda, functionArn);
      expect(functionError).toBe('Handled');
      expect(payload).toMatchObject({ errorType: 'InvalidClientTokenId' });
      expect((await emulator.calls())[1]).toMatchObject({
        service: 'sts',
        injectedFault: true,
        errorCode: 'InvalidClientTokenId',
        status: 403,
      });
      await emulator.setFunctionEnv({});
    });
  });

  describe('operations paths', () => {
    it("delivers a rule's event to an SNS topic target, transformed, so the topic's SQS subscription receives it", async () => {
      // GIVEN a rule on a custom source, targeting a topic with an input transformer, and a queue on the topic
      const { topicArn, messages } = await subscribedQueue(c);
      const rule = unique('rule');
      await eventBridge(emulator, 'PutRule', {
        Name: rule,
        EventPattern: JSON.stringify({ source: ['harness.test'], detail: { id: [{ prefix: 'run-' }] } }),
      });
      await eventBridge(emulator, 'PutTargets', {
        Rule: rule,
        Targets: [
          {
            Id: 'topic',
            Arn: topicArn,
            InputTransformer: {
              InputPathsMap: { id: '$.detail.id', time: '$.time' },
              InputTemplate: '"run <id> at <time>"',
            },
          },
        ],
      });
      // WHEN a matching and a non-matching event are put
      const put = (id: string) =>
        eventBridge(emulator, 'PutEvents', {
          Entries: [{ Source: 'harness.test', DetailType: 'test', Detail: JSON.stringify({ id }) }],
        });
      await put('other-1');
      await put('run-1');
      // THEN only the matching one arrives, as the template's text, with the time in ISO 8601 as AWS sends it
      expect(await messages(2)).toEqual([expect.stringMatching(/^run run-1 at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)]);
    });

    it("a failed rotation puts Secrets Manager's RotationFailed event on the default bus, shaped as AWS sends it", async () => {
      // GIVEN a rule like the stack's for one secret, whose target passes the whole event to a topic with a queue
      const { topicArn, messages } = await subscribedQueue(c);
      const name = unique('failing');
      const { ARN: secretArn } = await c.secrets.send(new CreateSecretCommand({ Name: name, SecretString: '{}' }));
      const rule = unique('rotation-failed');
      const pattern = {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed'],
          additionalEventData: { SecretId: [{ prefix: `${secretArn!.slice(0, -6)}` }] },
        },
      };
      await eventBridge(emulator, 'PutRule', { Name: rule, EventPattern: JSON.stringify(pattern) });
      await eventBridge(emulator, 'PutTargets', { Rule: rule, Targets: [{ Id: 'topic', Arn: topicArn }] });
      const failingArn = await createFunction(c, ROTATION_FUNCTION, { env: { FAIL_STEP: 'createSecret' } });
      // WHEN its rotation fails
      await expect(
        c.secrets.send(
          new RotateSecretCommand({
            SecretId: name,
            RotationLambdaARN: failingArn,
            RotationRules: { AutomaticallyAfterDays: 30 },
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidRequestException' });
      // THEN the rule delivered one event naming the secret's ARN
      const received = await messages(2);
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0])).toMatchObject({
        source: 'aws.secretsmanager',
        'detail-type': 'AWS Service Event via CloudTrail',
        account: '123456789012',
        region: 'us-east-1',
        detail: {
          eventSource: 'secretsmanager.amazonaws.com',
          eventName: 'RotationFailed',
          eventType: 'AwsServiceEvent',
          additionalEventData: { SecretId: secretArn },
        },
      });
    });

    it("writes the function's log lines to /aws/lambda/<name>, one stream per invocation, found by a quoted term", async () => {
      // GIVEN a function that logs a JSON line per invocation
      const functionArn = await createFunction(c, ROTATION_FUNCTION, { env: { FAIL_STEP: 'testSecret' } });
      const functionName = functionArn.split(':').pop()!;
      const tokens = ['aaaaaaaa-1111-4111-8111-111111111111', 'bbbbbbbb-2222-4222-8222-222222222222'];
      // WHEN it runs twice (the failing step also writes the error's stack to stderr)
      for (const token of tokens)
        await invoke(c.lambda, functionArn, { Step: 'testSecret', SecretId: 'x', ClientRequestToken: token });
      // THEN its log group has a stream per invocation, named as Lambda names them
      const logGroupName = `/aws/lambda/${functionName}`;
      const { logStreams } = await c.logs.send(new DescribeLogStreamsCommand({ logGroupName }));
      const streamName = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;
      expect(logStreams?.map((stream) => stream.logStreamName)).toEqual([
        expect.stringMatching(streamName),
        expect.stringMatching(streamName),
      ]);
      // AND a quoted term finds exactly the line with that token
      const { events } = await c.logs.send(
        new FilterLogEventsCommand({ logGroupName, filterPattern: `"${tokens[1]}"` }),
      );
      expect(events?.map((event) => event.message)).toEqual([JSON.stringify({ step: 'testSecret', token: tokens[1] })]);
      // AND stderr is there too, and no empty line
      const all = await c.logs.send(new FilterLogEventsCommand({ logGroupName }));
      expect(
        all.events?.some((event) => /TestStepError: failing testSecret on purpose/.test(event.message ?? '')),
      ).toBe(true);
      expect(all.events?.every((event) => (event.message ?? '').trim() !== '')).toBe(true);
    });
  });

  it('stop() leaves no process behind and can be called twice', async () => {
    const other = await startEmulator();
    expect(pidAlive(other.pid)).toBe(true);
    await other.stop();
    await other.stop();
    expect(pidAlive(other.pid)).toBe(false);
  });
});

describeWithMoto('emulator with warm function processes', () => {
  let emulator: Emulator;
  let c: Clients;

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true, maxConcurrentInvocations: 1 });
    c = clients(emulator);
  });
  afterAll(() => emulator?.stop());
  afterEach(() => emulator.setFunctionEnv({}));

  interface Counted {
    pid: number;
    invocations: number;
    remainingMs: number;
    extra: string | null;
  }
  const run = async (functionArn: string, event: object = {}): Promise<Counted> => {
    const { functionError, payload } = await invoke(c.lambda, functionArn, event);
    if (functionError !== undefined) throw new Error(`invocation failed: ${JSON.stringify(payload)}`);
    return payload as Counted;
  };

  it('one process serves invocation after invocation, keeping its module scope; each gets its own deadline and log', async () => {
    // GIVEN a function that counts its invocations in module scope
    const functionArn = await createFunction(c, WARM_COUNTER_FUNCTION, { timeout: 30 });
    await emulator.clearInvocationLogs();
    // WHEN it is invoked three times
    const results = [await run(functionArn), await run(functionArn), await run(functionArn)];
    // THEN the same process counted all three, each with the whole timeout ahead of it
    expect(results.map((result) => result.invocations)).toEqual([1, 2, 3]);
    expect(new Set(results.map((result) => result.pid)).size).toBe(1);
    for (const result of results) expect(result.remainingMs).toBeGreaterThan(25_000);
    // AND each invocation's log holds its own lines only
    const logs = (await emulator.invocationLogs()).map((invocation) => invocation.logs.trim());
    expect(logs).toEqual([1, 2, 3].map((n) => `invocation ${n} of process ${results[0].pid}`));
  });

  it('a changed function environment gets a new process, as a changed configuration gets new environments', async () => {
    const functionArn = await createFunction(c, WARM_COUNTER_FUNCTION);
    const first = await run(functionArn);
    await emulator.setFunctionEnv({ EXTRA: 'changed' });
    const second = await run(functionArn);
    expect(second).toMatchObject({ invocations: 1, extra: 'changed' });
    expect(second.pid).not.toBe(first.pid);
  });

  it('a failed invocation keeps the process; one that timed out is replaced', async () => {
    // GIVEN a warm process (3 s to run: starting node on a loaded machine can take more than one)
    const functionArn = await createFunction(c, WARM_COUNTER_FUNCTION, { timeout: 3 });
    const warm = await run(functionArn);
    // WHEN an invocation throws, THEN the next one still runs in the same process
    const failed = await invoke(c.lambda, functionArn, { fail: true });
    expect(failed).toMatchObject({
      functionError: 'Handled',
      payload: { errorMessage: 'failing invocation 2 on purpose' },
    });
    expect(await run(functionArn)).toMatchObject({ pid: warm.pid, invocations: 3 });
    // WHEN one runs past its timeout, THEN it is killed and the next starts afresh
    const timedOut = await invoke(c.lambda, functionArn, { sleepMs: 8_000 });
    expect(timedOut.payload).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(pidAlive(warm.pid)).toBe(false);
    expect(await run(functionArn)).toMatchObject({ invocations: 1 });
  });

  it('runs no more invocations at once than maxConcurrentInvocations; the others wait their turn', async () => {
    // GIVEN one slot and a function that sleeps
    const functionArn = await createFunction(c, WARM_COUNTER_FUNCTION, { timeout: 15 });
    const started = Date.now();
    // WHEN two invocations arrive together
    const both = await Promise.all([run(functionArn, { sleepMs: 2_000 }), run(functionArn, { sleepMs: 2_000 })]);
    // THEN they ran one after the other, in one warm process, each with its whole timeout once it started: a clock
    // started on arrival would leave the second at most 15 - 2 (waiting) - 2 (sleeping) = 11 s; its own leaves 13 s
    // less the time to start the process, which a loaded machine can stretch to a second or more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(both.map((result) => result.invocations).sort()).toEqual([1, 2]);
    expect(both[0].pid).toBe(both[1].pid);
    for (const result of both) expect(result.remainingMs).toBeGreaterThan(11_000);
  });

  it('refuses a maxConcurrentInvocations below one', async () => {
    await expect(startEmulator({ maxConcurrentInvocations: 0 })).rejects.toThrow(
      /maxConcurrentInvocations must be a whole number of 1 or more, got 0/,
    );
  });
});

describeWithMoto('emulator (IAM auth on)', () => {
  let emulator: Emulator;
  let admin: Clients;

  beforeAll(async () => {
    emulator = await startEmulator();
    await emulator.enableIamAuth();
    admin = clients(emulator);
  });
  afterAll(() => emulator?.stop());

  async function userKey(): Promise<{ userName: string; credentials: Credentials }> {
    const userName = unique('user');
    await admin.iam.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await admin.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return {
      userName,
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    };
  }

  it('authenticates a user key as that user; a deleted key is rejected', async () => {
    const { userName, credentials } = await userKey();
    const sts = clients(emulator, credentials).sts;
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toMatch(new RegExp(`:user/${userName}$`));

    await admin.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: credentials.accessKeyId }));
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  });

  it('answers ListServiceSpecificCredentials, which force_destroy of a user needs', async () => {
    const { userName } = await userKey();
    const listed = await admin.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: userName }));
    expect(listed.ServiceSpecificCredentials).toEqual([]);
  });

  it('rejects an Inactive key as AWS does, and accepts it again once reactivated', async () => {
    const { userName, credentials } = await userKey();
    const setStatus = (Status: 'Active' | 'Inactive') =>
      admin.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: credentials.accessKeyId, Status }));
    await setStatus('Inactive');
    await expect(clients(emulator, credentials).sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
    await setStatus('Active');
    await expect(clients(emulator, credentials).sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: expect.stringContaining(`:user/${userName}`),
    });
  });

  it('returns JSON-protocol auth errors as JSON', async () => {
    const { credentials } = await userKey(); // no policy at all
    await expect(
      clients(emulator, credentials).secrets.send(new DescribeSecretCommand({ SecretId: 'any' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('evaluates NotResource and the ? wildcard as IAM does: a Deny of every other secret beats any Allow', async () => {
    // GIVEN a user allowed every secret but denied all but one, named by its ARN pattern
    const { userName, credentials } = await userKey();
    const [fenced, similar, other] = await Promise.all(
      ['fenced/a', 'fenced/ab', 'other/b'].map(async (name) => {
        const { Name } = await admin.secrets.send(
          new CreateSecretCommand({ Name: `${name}-${unique('s')}`, SecretString: '{}' }),
        );
        return Name!;
      }),
    );
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'secretsmanager:*',
          NotResource: [`arn:aws:secretsmanager:us-east-1:123456789012:secret:${fenced}-??????`],
        },
      ],
    };
    await admin.iam.send(
      new PutUserPolicyCommand({ UserName: userName, PolicyName: 'fence', PolicyDocument: JSON.stringify(document) }),
    );
    const secrets = clients(emulator, credentials).secrets;
    // THEN only the named secret can be described
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: fenced }))).resolves.toMatchObject({
      Name: fenced,
    });
    for (const denied of [similar, other]) {
      await expect(secrets.send(new DescribeSecretCommand({ SecretId: denied }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    }
  });

  it('authorizes SNS calls against the topic they name, so a policy can allow publishing to one topic only', async () => {
    // GIVEN a user allowed to publish to one of two topics
    const { userName, credentials } = await userKey();
    const [allowed, other] = await Promise.all(
      [unique('allowed'), unique('other')].map(
        async (Name) => (await admin.sns.send(new CreateTopicCommand({ Name }))).TopicArn!,
      ),
    );
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: allowed }],
    };
    await admin.iam.send(
      new PutUserPolicyCommand({ UserName: userName, PolicyName: 'publish', PolicyDocument: JSON.stringify(document) }),
    );
    const sns = clients(emulator, credentials).sns;
    // THEN it publishes to that topic and is denied the other
    await expect(sns.send(new PublishCommand({ TopicArn: allowed, Message: 'hello' }))).resolves.toMatchObject({
      MessageId: expect.any(String),
    });
    // (moto answers AccessDenied where SNS says AuthorizationError)
    await expect(sns.send(new PublishCommand({ TopicArn: other, Message: 'hello' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('authorizes GetAccessKeyLastUsed against the user who owns the key, as IAM does', async () => {
    // GIVEN a caller allowed GetAccessKeyLastUsed on one user only
    const { userName: caller, credentials } = await userKey();
    const { userName: owner } = await userKey();
    const { userName: stranger } = await userKey();
    const keyOf = async (userName: string) =>
      (await admin.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata![0].AccessKeyId!;
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:GetAccessKeyLastUsed', Resource: `arn:aws:iam::123456789012:user/${owner}` },
      ],
    };
    await admin.iam.send(
      new PutUserPolicyCommand({ UserName: caller, PolicyName: 'last-used', PolicyDocument: JSON.stringify(document) }),
    );
    const iam = clients(emulator, credentials).iam;
    // THEN it reads the owner's key and is denied the other user's
    await expect(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: await keyOf(owner) }))).resolves.toMatchObject(
      { UserName: owner },
    );
    await expect(
      iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: await keyOf(stranger) })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('runs parallel writes one at a time inside moto: none fails, none answers HTTP 500', async () => {
    // moto's backends are not thread-safe; a write that failed with 500 after taking effect made terraform's retry of
    // CreatePolicy meet EntityAlreadyExists. GIVEN a signer whose authorization reads IAM while IAM is being written
    const { credentials } = await userKey();
    const sts = clients(emulator, credentials).sts;
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }],
    });
    await emulator.clearCalls();
    // WHEN groups, policies and signed calls all arrive at once, with no retries
    const names = Array.from({ length: 60 }, () => unique('parallel'));
    const results = await Promise.allSettled([
      ...names.map((name) => admin.iam.send(new CreateGroupCommand({ GroupName: name }))),
      ...names.map((name) => admin.iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: document }))),
      ...names.map(() => sts.send(new GetCallerIdentityCommand({}))),
    ]);
    // THEN every call succeeded once, and the emulator answered no server error
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect((await emulator.calls()).filter((call) => (call.status ?? 0) >= 500)).toEqual([]);
  });

  it('answers NoSuchEntity, not AccessDenied, for a user that does not exist but the policy names', async () => {
    // GIVEN a caller allowed ListAccessKeys on a user name that nobody has
    const { userName: caller, credentials } = await userKey();
    const ghost = unique('ghost');
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:ListAccessKeys', Resource: `arn:aws:iam::123456789012:user/${ghost}` },
      ],
    };
    await admin.iam.send(
      new PutUserPolicyCommand({ UserName: caller, PolicyName: 'ghost', PolicyDocument: JSON.stringify(document) }),
    );
    const iam = clients(emulator, credentials).iam;
    // THEN IAM says the user is missing, and another missing user stays denied
    await expect(iam.send(new ListAccessKeysCommand({ UserName: ghost }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await expect(iam.send(new ListAccessKeysCommand({ UserName: unique('other') }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it("moves the function's clock by HARNESS_CLOCK_OFFSET_MS, and its signed calls still pass", async () => {
    // GIVEN a function that calls STS, and a clock eight days ahead
    const offset = 8 * 86_400_000;
    const roleArn = await createRole(admin.iam);
    // By name: under IAM auth, moto checks the signature of a path holding an ARN (colons) against the decoded path.
    const functionName = (await createFunction(admin, CLOCK_FUNCTION, { roleArn })).split(':').pop()!;
    await emulator.setFunctionEnv({ [CLOCK_OFFSET_ENV]: String(offset) });
    try {
      // WHEN it runs
      const before = Date.now();
      const { functionError, payload } = await invoke(admin.lambda, functionName);
      const after = Date.now();
      // THEN Date.now() and new Date() are shifted, a Date from a value is not, and the signed STS call passed
      expect(functionError).toBeUndefined();
      const result = payload as { now: number; newDate: number; fromValue: number; arn: string; nowAfterCall: number };
      expect(result.now).toBeGreaterThanOrEqual(before + offset);
      expect(result.now).toBeLessThanOrEqual(after + offset);
      expect(result.newDate).toBeGreaterThanOrEqual(before + offset);
      expect(result.nowAfterCall).toBeGreaterThanOrEqual(result.now);
      expect(result.fromValue).toBe(0);
      expect(result.arn).toContain(`:assumed-role/${roleArn.split('/').pop()}/`);
    } finally {
      await emulator.setFunctionEnv({});
    }
    // AND without the offset the clock is real again
    const { payload } = await invoke(admin.lambda, functionName);
    expect(Math.abs((payload as { now: number }).now - Date.now())).toBeLessThan(60_000);
  });

  it("enforces the function role's policy on the exact secret ARN", async () => {
    // GIVEN a secret and a rotation function whose role may touch only that secret, minus finishSecret's call
    const name = unique('guarded');
    const { ARN: secretArn } = await admin.secrets.send(new CreateSecretCommand({ Name: name, SecretString: '{}' }));
    const actions = ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue'];
    const policy = (extra: string[]) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: [...actions, ...extra], Resource: secretArn }],
    });
    const weakRole = await createRole(admin.iam, policy([]));
    const fullRole = await createRole(admin.iam, policy(['secretsmanager:UpdateSecretVersionStage']));
    const token = '33333333-3333-4333-8333-333333333333';
    const rotate = async (roleArn: string) =>
      admin.secrets.send(
        new RotateSecretCommand({
          SecretId: name,
          ClientRequestToken: token,
          RotationLambdaARN: await createFunction(admin, ROTATION_FUNCTION, { roleArn }),
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
    // THEN without UpdateSecretVersionStage, finishSecret is denied; with it, the retried rotation completes
    await expect(rotate(weakRole)).rejects.toMatchObject({
      message: expect.stringMatching(/step finishSecret failed: AccessDeniedException/),
    });
    await expect(rotate(fullRole)).resolves.toBeDefined();
    expect(versionWith(await stagesOf(admin.secrets, name), 'AWSCURRENT')).toBe(token);
  });
});
