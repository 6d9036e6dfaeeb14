// The plain Terraform module (npm run build:module) as a team without CDKTF uses it: its example validates, applies to
// the local emulator, the deployed zip rotates a secret, and the next plan is clean. One init, one apply, one plan.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { USER_TAG_KEY } from '../../core/contract';
import { RotationState } from '../../emulator/aws-state';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { ModuleDeployment } from '../../emulator/module-deployment';
import {
  EXAMPLE_FIRST_PLAN_ACCESS_COUNTS,
  type PlanJson,
  accessAttributeCounts,
  unknownAccessAttributes,
} from '../support/policy-unknowns';
import { describeWithEmulator } from '../support/tools';
import { expectLiveKeyIntact, expectRotationFinished } from '../support/invariants';

describeWithEmulator('the plain Terraform module on the local emulator', () => {
  let emulator: Emulator;
  let workDir: string;
  let deployment: ModuleDeployment;
  let state: RotationState;
  let secrets: Record<string, string>;
  const secretKeys = new Set<string>();

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-module-'));
    deployment = new ModuleDeployment(emulator, workDir);
    state = new RotationState(emulator);
    // The example's existing user, which the module looks up.
    await state.iam.send(new CreateUserCommand({ UserName: 'ci-deployer' }));
    await deployment.terraform(['init', '-input=false']);
  }, 60_000);

  afterAll(async () => {
    state?.close();
    await emulator?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('terraform validate accepts the example', async () => {
    expect((await deployment.terraform(['validate'])).stdout).toMatch(/The configuration is valid/);
  }, 60_000);

  test('the first plan shows every policy, key policy, resource policy and invoke permission whole', async () => {
    expect(
      (await deployment.terraform(['plan', '-detailed-exitcode', '-input=false', '-out=first.tfplan'], [2])).code,
    ).toBe(2);
    const plan = JSON.parse((await deployment.terraform(['show', '-json', 'first.tfplan'])).stdout) as PlanJson;
    expect(unknownAccessAttributes(plan)).toEqual([]);
    expect(accessAttributeCounts(plan)).toMatchObject(EXAMPLE_FIRST_PLAN_ACCESS_COUNTS);
  }, 60_000);

  test('the apply bootstraps each user: its secret <name>/<user> holds one key, authenticating as the user', async () => {
    // The plan reviewed above is the one applied.
    await deployment.terraform(['apply', '-input=false', 'first.tfplan']);
    const outputs = await deployment.outputs();
    secrets = outputs.secret_arns as Record<string, string>;
    expect(Object.keys(secrets).sort()).toEqual(['alice', 'bob', 'ci-deployer']);
    expect(outputs.rotation_function_arn).toMatch(/:function:iam-key-rotation$/);
    for (const user of ['alice', 'bob', 'ci-deployer']) {
      expect(secrets[user]).toMatch(new RegExp(`:secret:iam-key-rotation/${user}-`));
      const { current, keys } = await expectLiveKeyIntact(state, secrets[user], user);
      secretKeys.add(current.secretkey);
      expect([...keys.keys()]).toEqual([current.accesskey]);
      expect((await state.labels(secrets[user])).tags[USER_TAG_KEY]).toBe(user);
    }
  }, 120_000);

  test('a rotation runs the deployed zip: a new key, the previous one kept for its grace period', async () => {
    const before = await expectLiveKeyIntact(state, secrets.alice, 'alice');
    const invocationsBefore = (await emulator.invocationLogs()).length;
    await state.rotate(secrets.alice);
    const after = await expectRotationFinished(state, secrets.alice, 'alice', before, 'deactivate-after-grace');
    secretKeys.add(after.current.secretkey);
    // The four steps, each an invocation of the function Terraform deployed from the module's zip.
    expect((await emulator.invocationLogs()).length - invocationsBefore).toBe(4);
  }, 60_000);

  test('the next plan is clean: the rotations are not drift', async () => {
    expect((await deployment.terraform(['plan', '-detailed-exitcode', '-input=false'], [0, 2])).code).toBe(0);
  }, 60_000);

  test("switched to a created key with a reader: the secrets move to the module's key, the reader gets a resource policy, rotation still works", async () => {
    const account = String((await deployment.outputs()).rotation_role_arn).split(':')[4];
    const reader = `arn:aws:iam::${account}:root`;
    deployment.overrideModule({ encryption: 'customer-managed', readers: [reader] });
    await deployment.terraform(['apply', '-auto-approve', '-input=false']);
    const { KmsKeyId } = await state.secretsManager.send(new DescribeSecretCommand({ SecretId: secrets.bob }));
    expect(KmsKeyId).toMatch(/:key\//);
    const { ResourcePolicy } = await state.secretsManager.send(new GetResourcePolicyCommand({ SecretId: secrets.bob }));
    // The readers read AWSCURRENT and AWSPREVIOUS only; the rotation role stays exempt (the reader here is the account's root).
    const exempt = { ArnNotEquals: { 'aws:PrincipalArn': expect.stringMatching(/:role\/iam-key-rotation$/) } };
    expect(JSON.parse(ResourcePolicy ?? '{}')).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [reader] },
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        },
        {
          Sid: 'ReadersReadOnlyCurrentAndPrevious',
          Effect: 'Deny',
          Principal: { AWS: [reader] },
          Condition: { ...exempt, StringNotEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] } },
        },
        {
          Sid: 'ReadersReadNoVersionById',
          Effect: 'Deny',
          Principal: { AWS: [reader] },
          Condition: { ...exempt, Null: { 'secretsmanager:VersionId': 'false' } },
        },
      ],
    });
    const before = await expectLiveKeyIntact(state, secrets.bob, 'bob');
    await state.rotate(secrets.bob);
    secretKeys.add(
      (await expectRotationFinished(state, secrets.bob, 'bob', before, 'deactivate-after-grace')).current.secretkey,
    );
    expect((await deployment.terraform(['plan', '-detailed-exitcode', '-input=false'], [0, 2])).code).toBe(0);
  }, 90_000);

  test('no secret access key is in the state or anything terraform printed', () => {
    const written = [deployment.stateText(), ...deployment.transcript].join('\n');
    for (const secretKey of secretKeys) expect(written).not.toContain(secretKey);
    expect(secretKeys.size).toBeGreaterThanOrEqual(4);
  });
});
