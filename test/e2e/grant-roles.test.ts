// A fleet split over grant roles, on the local emulator with IAM's policy checks on: terraform applies a stack whose
// users need more than one role's managed policies (here: one policy per role), the first rotations run through the
// grant roles the function assumes, the sweep walks them all, and a grant role cannot touch another role's users. The
// secrets also have readers, whose resource policies leave the rotation's own access as it was.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateAccessKeyCommand, CreateRoleCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetResourcePolicyCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SWEEP_EVENT, grantRoleIndex } from '../../core/contract';
import type { SweepSummary } from '../../lambda/sweep/sweep';
import { RotationState } from '../../emulator/aws-state';
import { EmulatorDeployment } from '../../emulator/deployment';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { describeWithEmulator } from '../support/tools';
import { type PlanJson, accessAttributeCounts, unknownAccessAttributes } from '../support/policy-unknowns';

jest.setTimeout(60_000);

const NAME = 'ikr-keys';
/**
 * Ten users whose long secret names fill more than one policy: with one policy per role, grant roles must take them. The
 * names are the default `<prefix><user>` under a long prefix, so the function's environment derives them (a custom
 * name is listed in MANAGED_SECRETS, and ten this long would not fit in Lambda's 4 KB).
 */
const PREFIX = `fleet/${'k'.repeat(480)}/`;
const APP_READER = 'arn:aws:iam::123456789012:role/app-reader';
const AUDIT_READER = 'arn:aws:iam::123456789012:role/audit-reader';
const USERS = Array.from({ length: 10 }, (_, index) => {
  const number = String(index + 1).padStart(2, '0');
  return {
    name: `fleet-${number}`,
    createUser: true,
    secretName: `${PREFIX}fleet-${number}`,
    ...(index === 0 ? { readers: [AUDIT_READER] } : {}),
  };
});

describeWithEmulator('grant roles on the local emulator', () => {
  let emulator: Emulator;
  let deployment: EmulatorDeployment;
  let state: RotationState;
  let lambda: LambdaClient;
  let outdir: string;
  let secrets: Record<string, string>;
  let grantRoleCount: number;
  let firstPlan: PlanJson;

  const roleOf = (secretName: string): number => grantRoleIndex(secretName, grantRoleCount) + 1;

  const grantRoleArn = (number: number): string => `arn:aws:iam::123456789012:role/${NAME}-keys-${number}`;

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-key-roles-'));
    const configPath = path.join(outdir, 'rotation.config.json');
    const config = {
      region: 'us-east-1',
      name: NAME,
      secretNamePrefix: PREFIX,
      managedPoliciesPerRole: 1,
      readers: [APP_READER],
      encryption: 'customer-managed',
      schedule: { automaticallyAfterDays: 30 },
      users: USERS,
    };
    const admin = new IAMClient(emulator.clientConfig());
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
    });
    for (const arn of [APP_READER, AUDIT_READER])
      await admin.send(new CreateRoleCommand({ RoleName: arn.split('/')[1], AssumeRolePolicyDocument: trust }));
    admin.destroy();
    fs.writeFileSync(configPath, JSON.stringify(config));
    deployment = new EmulatorDeployment(emulator, { outdir: path.join(outdir, 'out'), configPath });
    state = new RotationState(emulator);
    lambda = new LambdaClient(emulator.clientConfig());
    await deployment.init();
    expect(await deployment.planExitCode()).toBe(2);
    firstPlan = JSON.parse(await deployment.planJson()) as PlanJson;
    await deployment.applyPlan();
    ({ secretArns: secrets } = await deployment.outputs());
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAME }));
    grantRoleCount = Number(configuration.Environment?.Variables?.KEY_ROLE_COUNT);
  }, 240_000);

  afterAll(async () => {
    state?.close();
    lambda?.destroy();
    await emulator?.stop();
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("the first plan shows every policy whole: grant roles, their trust and policies, the created key, the readers' policies", () => {
    expect(unknownAccessAttributes(firstPlan)).toEqual([]);
    expect(accessAttributeCounts(firstPlan)).toMatchObject({
      aws_iam_role: 1 + grantRoleCount,
      aws_kms_key: 2,
      aws_secretsmanager_secret_policy: USERS.length,
    });
  });

  test('the users are spread over several grant roles', () => {
    expect(grantRoleCount).toBeGreaterThanOrEqual(2);
    expect(new Set(USERS.map(({ secretName }) => roleOf(secretName))).size).toBeGreaterThanOrEqual(2);
  });

  test("each secret's resource policy lets its readers read it, AWSCURRENT and AWSPREVIOUS only, and nothing else", async () => {
    const secretsManager = new SecretsManagerClient(emulator.clientConfig());
    try {
      for (const [index, { name, secretName }] of USERS.entries()) {
        const { ResourcePolicy: policy } = await secretsManager.send(
          new GetResourcePolicyCommand({ SecretId: secrets[name] }),
        );
        const readers = { AWS: index === 0 ? [APP_READER, AUDIT_READER] : [APP_READER] };
        // The Denies leave the grant role that rotates this secret alone.
        const exempt = { ArnNotEquals: { 'aws:PrincipalArn': grantRoleArn(roleOf(secretName)) } };
        expect(JSON.parse(policy ?? '{}')).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReadersReadTheSecret',
              Effect: 'Allow',
              Principal: readers,
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: '*',
            },
            {
              Sid: 'ReadersReadOnlyCurrentAndPrevious',
              Effect: 'Deny',
              Principal: readers,
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: {
                Null: { 'secretsmanager:VersionStage': 'false' },
                StringNotEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] },
                ...exempt,
              },
            },
            {
              Sid: 'ReadersReadNoVersionById',
              Effect: 'Deny',
              Principal: readers,
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: { Null: { 'secretsmanager:VersionId': 'false' }, ...exempt },
            },
          ],
        });
      }
    } finally {
      secretsManager.destroy();
    }
  });

  test('the first rotations, run through the grant roles at apply, left each user one key that authenticates', async () => {
    for (const { name } of USERS) {
      const current = await state.currentValue(secrets[name]);
      expect(current?.username).toBe(name);
      expect(await state.checkKey(current as { accesskey: string; secretkey: string })).toEqual({
        arn: `arn:aws:iam::123456789012:user/${name}`,
      });
      expect(await state.keys(name)).toHaveLength(1);
    }
  });

  test('a scheduled rotation and the sweep work through the grant roles', async () => {
    for (const { name } of USERS.slice(0, 3)) await state.rotate(secrets[name]);
    const response = await lambda.send(new InvokeCommand({ FunctionName: NAME, Payload: JSON.stringify(SWEEP_EVENT) }));
    const summary = JSON.parse(new TextDecoder().decode(response.Payload)) as SweepSummary;
    expect(response.FunctionError).toBeUndefined();
    expect(summary).toMatchObject({ secrets: USERS.length, checked: USERS.length, errors: 0 });
    for (const { name } of USERS.slice(0, 3)) expect(await state.keys(name)).toHaveLength(2);
  });

  test("only the function's role may assume a grant role", async () => {
    const sts = new STSClient({ ...emulator.clientConfig(), maxAttempts: 1 });
    try {
      await expect(
        sts.send(new AssumeRoleCommand({ RoleArn: grantRoleArn(1), RoleSessionName: 'intruder' })),
      ).rejects.toThrow(/not authorized/);
    } finally {
      sts.destroy();
    }
  });

  test('a grant role acts on its own users and secrets only', async () => {
    const own = USERS[0];
    const other = USERS.find(
      ({ secretName }) => roleOf(secretName) !== roleOf(own.secretName),
    ) as (typeof USERS)[number];
    const credentials = await emulator.roleCredentials(grantRoleArn(roleOf(own.secretName)));
    const iam = new IAMClient({ ...emulator.clientConfig(credentials), maxAttempts: 1 });
    const secretsManager = new SecretsManagerClient({ ...emulator.clientConfig(credentials), maxAttempts: 1 });
    try {
      await expect(iam.send(new ListAccessKeysCommand({ UserName: own.name }))).resolves.toBeDefined();
      await expect(iam.send(new ListAccessKeysCommand({ UserName: other.name }))).rejects.toThrow(
        /not authorized|AccessDenied/,
      );
      await expect(iam.send(new CreateAccessKeyCommand({ UserName: other.name }))).rejects.toThrow(
        /not authorized|AccessDenied/,
      );
      await expect(secretsManager.send(new GetSecretValueCommand({ SecretId: secrets[other.name] }))).rejects.toThrow();
    } finally {
      iam.destroy();
      secretsManager.destroy();
    }
    expect(await state.keys(other.name)).toHaveLength(other === USERS[1] || other === USERS[2] ? 2 : 1);
  });
});
