// The daily sweep and its notifications on the local emulator: terraform applies a stack with four previous-key
// policies, the emulator runs the deployed zip with a moved clock, and an SQS queue subscribed to the stack's topic
// receives what an operator would.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, DeleteUserCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CancelRotateSecretCommand, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { SubscribeCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SWEEP_EVENT, USER_TAG_KEY } from '../../core/contract';
import type { SweepSummary } from '../../lambda/sweep/sweep';
import { RotationState } from '../../emulator/aws-state';
import { EmulatorDeployment } from '../../emulator/deployment';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { describeWithEmulator } from '../support/tools';

// A sweep takes a second or two; waiting for a notification up to ten.
jest.setTimeout(60_000);

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
type User = (typeof USERS)[number];
/** Harness-only: shifts the clock inside the function's process (emulator/runner.js). */
const CLOCK_OFFSET = 'HARNESS_CLOCK_OFFSET_MS';

describeWithEmulator('the sweep on the local emulator', () => {
  let emulator: Emulator;
  let deployment: EmulatorDeployment;
  let state: RotationState;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let outdir: string;
  let secrets: Record<string, string>;
  let functionName: string;
  let queueUrl: string;
  /** Every secret access key the test saw: none may appear in a message or a result. */
  const secretKeys = new Set<string>();

  async function sweepAt(offsetMs: number, extraEnv: Record<string, string> = {}): Promise<SweepSummary> {
    await emulator.setFunctionEnv({ [CLOCK_OFFSET]: String(offsetMs), ...extraEnv });
    const response = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(SWEEP_EVENT) }),
    );
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError !== undefined) throw new Error(`the sweep failed: ${payload}`);
    for (const key of secretKeys) expect(payload).not.toContain(key);
    return JSON.parse(payload) as SweepSummary;
  }

  /** The notifications the topic delivered since the last call: SNS's envelope unwrapped. */
  async function notifications(atLeast: number): Promise<{ subject: string; message: string }[]> {
    const received: { subject: string; message: string }[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of messages) {
        const envelope = JSON.parse(message.Body ?? '{}') as { Subject?: string; Message?: string };
        received.push({ subject: envelope.Subject ?? '', message: envelope.Message ?? '' });
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      if (received.length >= atLeast && messages.length === 0) break;
    }
    for (const { message } of received) for (const key of secretKeys) expect(message).not.toContain(key);
    return received;
  }

  async function keyStates(user: User): Promise<Record<string, string>> {
    return Object.fromEntries((await state.keys(user)).map((key) => [key.AccessKeyId ?? '', key.Status ?? '']));
  }

  async function currentAndPrevious(user: User): Promise<{ current: string; previous: string }> {
    const current = await state.currentValue(secrets[user]);
    if (current === undefined) throw new Error(`${user} has no AWSCURRENT key`);
    secretKeys.add(current.secretkey);
    const previous = Object.keys(await keyStates(user)).find((id) => id !== current.accesskey);
    if (previous === undefined) throw new Error(`${user} has no previous key`);
    return { current: current.accesskey, previous };
  }

  const codesBySecret = (summary: SweepSummary): Record<string, string[]> => {
    const codes: Record<string, string[]> = {};
    for (const finding of summary.findings) (codes[finding.user] ??= []).push(`${finding.severity}:${finding.code}`);
    return codes;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-sweep-'));
    deployment = new EmulatorDeployment(emulator, { outdir, configPath: path.join(__dirname, 'sweep.config.json') });
    state = new RotationState(emulator);
    lambda = new LambdaClient(emulator.clientConfig());
    sqs = new SQSClient(emulator.clientConfig());
    await deployment.init();
    await deployment.apply();
    const outputs = JSON.parse((await deployment.terraform(['output', '-json'])).stdout) as Record<
      string,
      { value: unknown }
    >;
    secrets = outputs.secret_arns.value as Record<string, string>;
    functionName = (outputs.rotation_function_arn.value as string).split(':').pop() ?? '';
    const topicArn = outputs.notification_topic_arn.value as string;

    ({ QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'operators' })));
    const { Attributes: attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await new SNSClient(emulator.clientConfig()).send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attributes?.QueueArn }),
    );

    // One rotation each, so that every user has a previous key; a consumer goes on using alice's and bob's.
    for (const user of USERS) {
      const before = await state.currentValue(secrets[user]);
      if (before !== undefined) secretKeys.add(before.secretkey);
      await state.rotate(secrets[user]);
      if (before !== undefined && (user === 'alice' || user === 'bob')) await state.checkKey(before);
    }
  }, 240_000);

  afterAll(async () => {
    state?.close();
    lambda?.destroy();
    sqs?.destroy();
    await emulator?.stop();
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('within the grace period the sweep changes nothing and sends nothing', async () => {
    const before = await Promise.all(USERS.map(keyStates));

    const summary = await sweepAt(DAY);

    expect(summary).toMatchObject({ secrets: 4, checked: 4, deactivated: 0, errors: 0, warnings: 0, notices: 0 });
    expect(await Promise.all(USERS.map(keyStates))).toEqual(before);
    expect(await notifications(0)).toEqual([]);
  });

  test('after the grace: unused keys deactivated, a key in use held (or deactivated by policy), keep kept, and one message says so', async () => {
    // GIVEN
    const keys = Object.fromEntries(
      await Promise.all(USERS.map(async (user) => [user, await currentAndPrevious(user)] as const)),
    );

    // WHEN
    const summary = await sweepAt(8 * DAY);

    // THEN
    expect(codesBySecret(summary)).toEqual({
      alice: ['warning:previous-key-in-use'],
      bob: ['warning:previous-key-deactivated-in-use'],
      carol: ['info:previous-key-deactivated'],
    });
    expect(await keyStates('alice')).toEqual({ [keys.alice.current]: 'Active', [keys.alice.previous]: 'Active' });
    expect(await keyStates('bob')).toEqual({ [keys.bob.current]: 'Active', [keys.bob.previous]: 'Inactive' });
    expect(await keyStates('carol')).toEqual({ [keys.carol.current]: 'Active', [keys.carol.previous]: 'Inactive' });
    expect(await keyStates('dave')).toEqual({ [keys.dave.current]: 'Active', [keys.dave.previous]: 'Active' });

    const [notification, ...more] = await notifications(1);
    expect(more).toEqual([]);
    expect(notification.subject).toBe('iam-key-rotation: 2 warnings, 1 notice');
    const lines = notification.message.split('\n');
    expect(lines[0]).toMatch(
      /^iam-key-rotation daily sweep of ikr-sweep \(account \d{12}, us-east-1\) on \d{4}-\d\d-\d\d: 2 warnings, 1 notice\./,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^WARNING ikr-sweep\/alice \(user alice\) \[previous-key-in-use\]: The previous key AKIA…\w{4} was used on \S+ by sts in us-east-1, after the rotation on \S+, so it stays Active past its 7-day grace period\./,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^WARNING ikr-sweep\/bob \(user bob\) \[previous-key-deactivated-in-use\]: Deactivated the previous key/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^INFO ikr-sweep\/carol \(user carol\) \[previous-key-deactivated\]: Deactivated the previous key AKIA…\w{4}: 8 days since the rotation, unused since\./,
      ),
    );
  });

  test('the key still in use is reported again the next day, and nothing else is', async () => {
    const summary = await sweepAt(9 * DAY);

    expect(codesBySecret(summary)).toEqual({ alice: ['warning:previous-key-in-use'] });
    const [notification] = await notifications(1);
    expect(notification.message).toContain('[previous-key-in-use]: The previous key');
    expect(notification.message).toMatch(/by sts in us-east-1, after the rotation on \S+, so it stays Active/);
  });

  /** The sweep's IAM calls; each failing call is a finding about its secret, never a change. */
  test.each([
    ['ListAccessKeys', 'error:check-failed'],
    ['GetAccessKeyLastUsed', 'warning:previous-key-last-use-unknown'],
    ['UpdateAccessKey', 'error:deactivation-failed'],
  ])(
    'with every %s failing the sweep changes nothing, reports %s for carol, and the next sweep deactivates',
    async (action, code) => {
      // GIVEN carol rotated again, her new previous key past its grace, and IAM failing every call of one kind
      await state.rotate(secrets.carol);
      const carol = await currentAndPrevious('carol');
      const everything = (): Promise<unknown[]> =>
        Promise.all(USERS.map(async (user) => [await keyStates(user), await state.labels(secrets[user])]));
      const before = await everything();
      for (let fault = 0; fault < 8; fault += 1) {
        await emulator.injectFault({ service: 'iam', action, code: 'ServiceFailure', status: 500 });
      }

      // WHEN
      const failed = await sweepAt(8 * DAY, { AWS_MAX_ATTEMPTS: '1' });

      // THEN
      expect(failed.deactivated).toBe(0);
      expect(codesBySecret(failed).carol).toEqual([code]);
      expect(await everything()).toEqual(before);
      const [failure] = await notifications(1);
      expect(failure.message).toContain(`ikr-sweep/carol (user carol) [${code.split(':')[1]}]`);

      // AND WHEN the next sweep runs without the faults
      await emulator.clearFaults();
      const retried = await sweepAt(8 * DAY);
      expect(codesBySecret(retried).carol).toEqual(['info:previous-key-deactivated']);
      expect(await keyStates('carol')).toEqual({ [carol.current]: 'Active', [carol.previous]: 'Inactive' });
      await notifications(1);
    },
  );

  test('a failed deactivation says what failed and that the next sweep retries', async () => {
    await state.rotate(secrets.carol);
    await emulator.injectFault({ service: 'iam', action: 'UpdateAccessKey', code: 'ServiceFailure', status: 500 });

    const failed = await sweepAt(8 * DAY, { AWS_MAX_ATTEMPTS: '1' });

    expect(failed.findings.find((finding) => finding.user === 'carol')?.message).toMatch(
      /^Could not deactivate the previous key \(ServiceFailureException: Injected ServiceFailure\), so it stays Active\. The next sweep retries/,
    );
    await emulator.clearFaults();
    expect((await sweepAt(8 * DAY)).deactivated).toBe(1);
    await notifications(2);
  });

  test('a rotation that fails is notified at once, and the sweep reports it stuck', async () => {
    // GIVEN dave's rotation failing in finishSecret
    await emulator.setFunctionEnv({ AWS_MAX_ATTEMPTS: '1' });
    await emulator.injectFault({
      service: 'secretsmanager',
      action: 'UpdateSecretVersionStage',
      code: 'InternalServiceError',
      status: 500,
    });
    await expect(state.rotate(secrets.dave)).rejects.toThrow(/finishSecret/);
    await emulator.clearFaults();

    // THEN the stack's rule delivered Secrets Manager's RotationFailed event to the topic
    const [failure] = await notifications(1);
    expect(failure.message).toContain(secrets.dave);
    expect(failure.message).toContain(`/aws/lambda/${functionName}`);

    // AND an hour later the sweep calls the rotation stuck
    const summary = await sweepAt(2 * HOUR);
    expect(codesBySecret(summary).dave).toEqual(['error:rotation-stuck']);
    await notifications(1);
  });

  test('reports an unknown Active key, rotation turned off, a missing user, an unknown secret and overdue rotations; ignores a foreign secret', async () => {
    // GIVEN bob's Inactive previous key replaced by a key made outside the rotation
    const admin = state.iam;
    const bob = await currentAndPrevious('bob');
    await admin.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.previous }));
    const stranger = await admin.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    secretKeys.add(stranger.AccessKey?.SecretAccessKey ?? '');
    // carol's rotation turned off by hand, dave's IAM user deleted
    await state.secretsManager.send(new CancelRotateSecretCommand({ SecretId: secrets.carol }));
    for (const key of await state.keys('dave'))
      await admin.send(new DeleteAccessKeyCommand({ UserName: 'dave', AccessKeyId: key.AccessKeyId }));
    await admin.send(new DeleteUserCommand({ UserName: 'dave' }));
    // a secret under the stack's prefix that the config does not list, and another team's secret for alice
    for (const [name, user] of [
      ['ikr-sweep/ghost', 'ghost'],
      ['other-team/alice', 'alice'],
    ]) {
      await state.secretsManager.send(
        new CreateSecretCommand({ Name: name, Tags: [{ Key: USER_TAG_KEY, Value: user }] }),
      );
    }

    // WHEN the sweep runs forty days on: every rotation is overdue by then
    const summary = await sweepAt(40 * DAY);

    // THEN
    const codes = codesBySecret(summary);
    expect(summary.secrets).toBe(5);
    expect(codes.alice).toEqual(['error:rotation-overdue', 'warning:previous-key-in-use']);
    expect(codes.bob).toEqual(['error:rotation-overdue', 'error:unknown-active-key']);
    expect(codes.carol).toEqual(['error:rotation-disabled']);
    expect(codes.dave).toEqual(['error:rotation-stuck', 'error:user-missing']);
    // the role may read only the configured secrets: the unknown one cannot even be checked
    expect(codes.ghost).toEqual(['error:check-failed']);
    expect(summary.findings.find((finding) => finding.user === 'ghost')?.message).toMatch(
      /if the config does not list user ghost, the secret was made outside the stack/,
    );
    expect(summary.findings.some((finding) => finding.secret.startsWith('other-team/'))).toBe(false);
    const [notification] = await notifications(1);
    expect(notification.subject).toBe('iam-key-rotation: 7 errors, 1 warning');
    expect(notification.message).toContain(
      'ERROR ikr-sweep/bob (user bob) [unknown-active-key]: User bob has an Active key AKIA…',
    );
    expect(notification.message).toContain(
      'ERROR ikr-sweep/dave (user dave) [user-missing]: IAM user dave does not exist',
    );
  });
});
