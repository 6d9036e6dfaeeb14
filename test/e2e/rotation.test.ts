// The whole product on the local emulator: terraform applies the example stack, the emulator invokes the
// very zip terraform deployed, and every check reads IAM, STS and Secrets Manager state.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ATTEMPT_TAG_KEY, type PreviousKeyAction, SWEEP_EVENT, USER_TAG_KEY } from '../../core/contract';
import { RotationState } from '../../emulator/aws-state';
import { EmulatorDeployment } from '../../emulator/deployment';
import { type Emulator, type InvocationRecord, startEmulator } from '../../emulator/emulator';
import { describeWithEmulator } from '../support/tools';
import {
  EXAMPLE_FIRST_PLAN_ACCESS_COUNTS,
  type PlanJson,
  accessAttributeCounts,
  unknownAccessAttributes,
} from '../support/policy-unknowns';
import { DESCRIBE_SECRETS_FUNCTION, zipHandler } from '../emulator/test-functions';
import {
  expectConvergedAfter,
  expectLiveKeyIntact,
  expectRotationFinished,
  type UserSnapshot,
} from '../support/invariants';

/** The calls the fault matrix must cover at least (docs/design.md, invariant 3). */
const REQUIRED_FAULT_CALLS = [
  'DescribeSecret',
  'GetSecretValue',
  'ListAccessKeys',
  'CreateAccessKey',
  'PutSecretValue',
  'DeleteAccessKey',
  'GetCallerIdentity',
  'UpdateSecretVersionStage',
  'UpdateAccessKey',
];
/** SDK retries off, so that one injected fault is one failed call. */
const SINGLE_ATTEMPT = { AWS_MAX_ATTEMPTS: '1' };

interface PlannedFault {
  readonly step: string;
  readonly service: string;
  readonly action: string;
  /** Which call of this service/action within one rotation. */
  readonly nth: number;
}

const rotationFailure = (step: string) => new RegExp(`Rotation failed: step ${step} failed`);
const stepOf = (invocation: InvocationRecord) => (invocation.event as { Step: string }).Step;
const tokenOf = (invocation: InvocationRecord) =>
  (invocation.event as { ClientRequestToken: string }).ClientRequestToken;

describeWithEmulator('rotation end to end on the local emulator', () => {
  let emulator: Emulator;
  let deployment: EmulatorDeployment;
  let state: RotationState;
  let firstPlan: PlanJson;
  let outdir: string;
  let secrets: Record<string, string>;
  let functionArn: string;
  let roleArn: string;
  let planJson = '';
  let stateText = '';
  /** Every secret access key seen in AWSCURRENT values: none may leak anywhere. */
  const issuedSecretKeys = new Set<string>();
  const faultMatrix: string[] = [];

  async function observe(user: string): Promise<UserSnapshot> {
    const now = await expectLiveKeyIntact(state, secrets[user], user);
    issuedSecretKeys.add(now.current.secretkey);
    return now;
  }

  async function rotateAndConverge(
    user: string,
    action: PreviousKeyAction,
  ): Promise<{ before: UserSnapshot; after: UserSnapshot }> {
    const before = await observe(user);
    await state.rotate(secrets[user]);
    const after = await expectRotationFinished(state, secrets[user], user, before, action);
    issuedSecretKeys.add(after.current.secretkey);
    return { before, after };
  }

  /** The token of the rotation the emulator ran last. */
  async function lastRotationToken(): Promise<string> {
    const invocations = await emulator.invocationLogs();
    return tokenOf(invocations[invocations.length - 1]);
  }

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-e2e-'));
    deployment = new EmulatorDeployment(emulator, { outdir });
    state = new RotationState(emulator);
    await deployment.init();
    // The first plan, on an empty account, is the one applied.
    expect(await deployment.planExitCode()).toBe(2);
    firstPlan = JSON.parse(await deployment.planJson()) as PlanJson;
    await deployment.applyPlan();
    ({ secretArns: secrets, functionArn, roleArn } = await deployment.outputs());
  }, 180_000);

  afterAll(async () => {
    state?.close();
    await emulator?.stop();
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
    if (faultMatrix.length > 0) {
      process.stdout.write(`\nFault matrix (step | call #n in the rotation | outcome):\n${faultMatrix.join('\n')}\n\n`);
    }
  });

  test('the first plan shows every policy, key policy, resource policy and invoke permission whole', () => {
    expect(unknownAccessAttributes(firstPlan)).toEqual([]);
    expect(accessAttributeCounts(firstPlan)).toMatchObject(EXAMPLE_FIRST_PLAN_ACCESS_COUNTS);
  });

  test('the apply bootstraps each user: one key, stored as AWSCURRENT, authenticating as the user', async () => {
    expect(Object.keys(secrets).sort()).toEqual(['alice', 'bob']);
    for (const user of ['alice', 'bob']) {
      const { current, keys } = await observe(user);
      expect(Object.keys(current).sort()).toEqual(['accesskey', 'secretkey', 'username']);
      expect([...keys.keys()]).toEqual([current.accesskey]);
    }
  });

  test('two more rotations per user: a new key each time, the previous one kept, the one before deleted', async () => {
    for (const user of ['alice', 'bob']) {
      const first = await observe(user);
      const { after: second } = await rotateAndConverge(user, 'deactivate-after-grace');
      // the example config's default previous-key policy: the old key works until the sweep, after its grace period
      expect(second.keys.get(first.current.accesskey)).toBe('Active');

      const { after: third } = await rotateAndConverge(user, 'deactivate-after-grace');
      expect([...third.keys.keys()].sort()).toEqual([second.current.accesskey, third.current.accesskey].sort());
      expect(await state.checkKey(first.current)).toEqual({ errorCode: 'InvalidClientTokenId' });
      expect(await state.checkKey(second.current)).toEqual({
        arn: expect.stringMatching(new RegExp(`:user/${user}$`)),
      });
    }
  }, 60_000);

  test('terraform plan after the rotations shows no changes', async () => {
    expect(await deployment.planExitCode()).toBe(0);
    planJson = await deployment.planJson();
    stateText = deployment.stateText();
  }, 120_000);

  test('previousKeyAction "deactivate" leaves the previous key Inactive, and STS rejects it', async () => {
    await emulator.setFunctionEnv({ PREVIOUS_KEY_ACTION: 'deactivate' });
    const { before, after } = await rotateAndConverge('alice', 'deactivate');
    expect(after.keys.get(before.current.accesskey)).toBe('Inactive');
    expect(await state.checkKey(before.current)).toEqual({ errorCode: 'InvalidClientTokenId' });
  }, 30_000);

  test('fault matrix: one failure at every call of every step, then the retried rotation converges', async () => {
    // GIVEN the calls one rotation makes (deactivate, so UpdateAccessKey is among them), one attempt each
    await emulator.setFunctionEnv({ PREVIOUS_KEY_ACTION: 'deactivate', ...SINGLE_ATTEMPT });
    const plan = await recordRotationCalls('alice');
    for (const required of REQUIRED_FAULT_CALLS) expect(plan.map((call) => call.action)).toContain(required);

    for (const fault of plan) {
      // WHEN that call fails once
      const before = await observe('alice');
      await emulator.injectFault({
        service: fault.service,
        action: fault.action,
        nth: fault.nth,
        code: 'InternalFailure',
        status: 500,
      });
      await expect(state.rotate(secrets.alice)).rejects.toThrow(rotationFailure(fault.step));
      // THEN the live key still works and the user holds at most two keys, even now
      const failed = await observe('alice');
      expect(await emulator.faults()).toEqual([]);
      // AND Secrets Manager's retry of the same rotation converges and finishes: the previous key Inactive, no
      // AWSPENDING left, no attempt marker
      await state.rotate(secrets.alice, await lastRotationToken());
      const after = await expectRotationFinished(state, secrets.alice, 'alice', before, 'deactivate');
      issuedSecretKeys.add(after.current.secretkey);
      const moved =
        failed.current.accesskey !== before.current.accesskey ? 'AWSCURRENT already moved' : 'AWSCURRENT untouched';
      faultMatrix.push(
        `${fault.step} | ${fault.service}:${fault.action} #${fault.nth} | fails; ${moved}; keys held: ${failed.keys.size}; retry converges`,
      );
    }
  }, 300_000);

  test('interrupted createSecret (store and clean-up both fail): the retry deletes the orphan', async () => {
    // GIVEN the put of the new key fails and so does deleting it again
    const plan = await recordRotationCalls('alice');
    const putIndex = plan.findIndex((call) => call.action === 'PutSecretValue');
    const deletesBeforePut = plan.slice(0, putIndex).filter((call) => call.action === 'DeleteAccessKey').length;
    const before = await observe('alice');
    await emulator.injectFault({
      service: 'secretsmanager',
      action: 'PutSecretValue',
      code: 'InternalFailure',
      status: 500,
    });
    await emulator.injectFault({
      service: 'iam',
      action: 'DeleteAccessKey',
      nth: deletesBeforePut + 1,
      code: 'InternalFailure',
      status: 500,
    });
    // WHEN it rotates
    await expect(state.rotate(secrets.alice)).rejects.toThrow(rotationFailure('createSecret'));
    // THEN the orphan holds the second slot, the live key is intact
    const failed = await observe('alice');
    const orphans = [...failed.keys.keys()].filter((id) => id !== failed.current.accesskey);
    expect(orphans).toHaveLength(1);
    // AND the attempt's record on the secret, which Terraform ignores, says it ended
    const { Tags } = await state.secretsManager.send(new DescribeSecretCommand({ SecretId: secrets.alice }));
    expect(Tags).toContainEqual({ Key: ATTEMPT_TAG_KEY, Value: expect.stringMatching(/ ended$/) });
    expect(await deployment.planExitCode()).toBe(0);
    // AND the retried rotation deletes the orphan and converges
    await state.rotate(secrets.alice, await lastRotationToken());
    const after = await expectRotationFinished(state, secrets.alice, 'alice', before, 'deactivate');
    issuedSecretKeys.add(after.current.secretkey);
    expect(after.keys.has(orphans[0])).toBe(false);
    const { Tags: tagsAfter } = await state.secretsManager.send(new DescribeSecretCommand({ SecretId: secrets.alice }));
    expect(tagsAfter?.map((tag) => tag.Key)).not.toContain(ATTEMPT_TAG_KEY);
    faultMatrix.push(
      'createSecret | secretsmanager:PutSecretValue #1 + iam:DeleteAccessKey (clean-up) | fails; orphan left; retry deletes it, converges',
    );
  }, 90_000);

  test('a secret outside the stack, tagged with a managed user, cannot make the function mint a key', async () => {
    // GIVEN someone creates a secret of their own tagged alice and points its rotation at our function
    await emulator.setFunctionEnv({ PREVIOUS_KEY_ACTION: 'deactivate' });
    const aliceKeys = await snapshotKeys('alice');
    const { ARN: foreignArn } = await state.secretsManager.send(
      new CreateSecretCommand({ Name: 'attacker/alice-key', Tags: [{ Key: USER_TAG_KEY, Value: 'alice' }] }),
    );
    await emulator.clearCalls();
    // WHEN it rotates with the function
    const rotation = state.secretsManager.send(
      new RotateSecretCommand({
        SecretId: foreignArn,
        RotationLambdaARN: functionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    // THEN the function refuses it, naming the secret and why, and makes no call as its role
    await expect(rotation).rejects.toThrow(
      new RegExp(
        `step createSecret failed: UnmanagedSecretError: .*secret ${foreignArn} is not one of this stack's secrets: its name matches none of iam-key-rotation/\\*`,
      ),
    );
    const roleCalls = (await emulator.calls()).filter((call) =>
      call.principal?.includes(`:assumed-role/${roleArn.split('/').pop()}/`),
    );
    expect(roleCalls.filter((call) => call.service !== 'logs')).toEqual([]);
    expect(await snapshotKeys('alice')).toEqual(aliceKeys);
    expect(await state.currentValue(foreignArn!)).toBeUndefined();
    // AND the stack's own secret rotates in the same run
    await rotateAndConverge('alice', 'deactivate');
  }, 30_000);

  test('the role is denied every secret outside the stack, even one another policy lends it', async () => {
    // GIVEN a policy on the role that allows describing every secret, and a probe function running as the role
    const roleName = roleArn.split('/').pop()!;
    const lambda = new LambdaClient(emulator.clientConfig());
    await state.iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'lends-every-secret',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: '*' }],
        }),
      }),
    );
    try {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'probe-as-rotation-role',
          Runtime: 'nodejs22.x',
          Role: roleArn,
          Handler: 'index.handler',
          Code: { ZipFile: zipHandler(DESCRIBE_SECRETS_FUNCTION) },
          Timeout: 10,
        }),
      );
      const { ARN: foreignArn } = await state.secretsManager.send(
        new DescribeSecretCommand({ SecretId: 'attacker/alice-key' }),
      );
      // WHEN the role describes its own secret and the foreign one
      // (by name: moto checks the signature of a path holding an ARN against the path it decoded)
      const { Payload } = await lambda.send(
        new InvokeCommand({
          FunctionName: 'probe-as-rotation-role',
          Payload: JSON.stringify({ secretIds: [secrets.alice, foreignArn] }),
        }),
      );
      // THEN the explicit Deny wins over the lent Allow
      expect(JSON.parse(Buffer.from(Payload ?? []).toString())).toEqual(['ok', 'AccessDeniedException']);
    } finally {
      await state.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'lends-every-secret' }));
      lambda.destroy();
    }
  }, 30_000);

  test("a secret made under the prefix, tagged alice and lent to the role, binds no user: no key minted, alice's current key stays Active", async () => {
    // GIVEN someone who may create secrets under the prefix makes iam-key-rotation/zz-rogue tagged alice, whose
    // AWSPREVIOUS names alice's real current key, and lends the role access: a resource policy, and (moto evaluates no
    // resource policies) the same grant as a role policy
    await emulator.setFunctionEnv({ PREVIOUS_KEY_ACTION: 'deactivate' });
    const alice = await observe('alice');
    const aliceKeys = await snapshotKeys('alice');
    const roleName = roleArn.split('/').pop()!;
    const rogueValue = (accesskey: string): string =>
      JSON.stringify({ username: 'alice', accesskey, secretkey: 'unknown-to-the-attacker' });
    const { ARN: rogueArn } = await state.secretsManager.send(
      new CreateSecretCommand({
        Name: 'iam-key-rotation/zz-rogue',
        Tags: [{ Key: USER_TAG_KEY, Value: 'alice' }],
        SecretString: rogueValue(alice.current.accesskey),
      }),
    );
    await state.secretsManager.send(
      new PutSecretValueCommand({ SecretId: rogueArn, SecretString: rogueValue('AKIAROGUEROGUEROGUE1') }),
    );
    const lend = { Effect: 'Allow', Action: 'secretsmanager:*', Resource: rogueArn };
    await state.secretsManager.send(
      new PutResourcePolicyCommand({
        SecretId: rogueArn,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ ...lend, Principal: { AWS: roleArn }, Resource: '*' }],
        }),
      }),
    );
    await state.iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'lends-the-rogue-secret',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [lend] }),
      }),
    );
    const deployedPolicy = decodeURIComponent(
      (await state.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'rotate-access-keys' })))
        .PolicyDocument ?? '',
    );
    const asRole = new SecretsManagerClient(emulator.clientConfig(await emulator.roleCredentials(roleArn)));
    const lambda = new LambdaClient(emulator.clientConfig());
    try {
      // THEN as deployed, the Deny names alice's and bob's secrets exactly: the lent grant gives the role nothing
      await expect(asRole.send(new DescribeSecretCommand({ SecretId: 'iam-key-rotation/zz-rogue' }))).rejects.toThrow();
      await expect(
        asRole.send(new DescribeSecretCommand({ SecretId: 'iam-key-rotation/alice' })),
      ).resolves.toMatchObject({ Name: 'iam-key-rotation/alice' });

      // WHEN the Deny is the prefix, as at fleet size (where the handler's binding check is the fence that holds)
      const fleetPolicy = JSON.parse(deployedPolicy) as { Statement: { Sid?: string; NotResource?: string[] }[] };
      const deny = fleetPolicy.Statement.find((statement) => statement.Sid === 'DenySecretsOutsideTheStack')!;
      deny.NotResource = [deny.NotResource![0].replace(/:secret:.*$/, ':secret:iam-key-rotation/*')];
      await state.iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: 'rotate-access-keys',
          PolicyDocument: JSON.stringify(fleetPolicy),
        }),
      );
      await expect(
        asRole.send(new DescribeSecretCommand({ SecretId: 'iam-key-rotation/zz-rogue' })),
      ).resolves.toMatchObject({ Name: 'iam-key-rotation/zz-rogue' });
      // AND the rogue secret rotates with the function, and the daily sweep runs (previous-key policy: deactivate)
      const rotation = state.secretsManager.send(
        new RotateSecretCommand({
          SecretId: rogueArn,
          RotationLambdaARN: functionArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      await expect(rotation).rejects.toThrow(
        /step createSecret failed: UnmanagedSecretError: .*\(name iam-key-rotation\/zz-rogue, tag iam-key-rotation:user=alice\) does not bind its user/,
      );
      const response = await lambda.send(
        new InvokeCommand({ FunctionName: functionArn.split(':').pop(), Payload: JSON.stringify(SWEEP_EVENT) }),
      );
      const summary = JSON.parse(new TextDecoder().decode(response.Payload)) as {
        findings: { code: string; secret: string }[];
        deactivated: number;
      };

      // THEN no key was minted and alice's AWSCURRENT key is still Active: the sweep skipped the rogue secret, saying so
      expect(response.FunctionError).toBeUndefined();
      expect(summary.findings).toContainEqual(
        expect.objectContaining({ code: 'secret-unbound', secret: 'iam-key-rotation/zz-rogue' }),
      );
      const keysAfter = await snapshotKeys('alice');
      expect(Object.keys(keysAfter).sort()).toEqual(Object.keys(aliceKeys).sort());
      expect(keysAfter[alice.current.accesskey]).toBe('Active');
      await expectLiveKeyIntact(state, secrets.alice, 'alice');
    } finally {
      await state.iam.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: 'rotate-access-keys',
          PolicyDocument: deployedPolicy,
        }),
      );
      await state.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'lends-the-rogue-secret' }));
      await state.secretsManager.send(
        new DeleteSecretCommand({ SecretId: rogueArn, ForceDeleteWithoutRecovery: true }),
      );
      asRole.destroy();
      lambda.destroy();
    }
  }, 60_000);

  test('an unmanaged active key: the rotation fails clearly and both keys stay untouched', async () => {
    // GIVEN bob's keys were replaced by hand with two the secret does not know, and his value names only him
    const { keys: managed } = await observe('bob');
    for (const accessKeyId of managed.keys()) {
      await state.iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: accessKeyId }));
    }
    for (let i = 0; i < 2; i += 1) await state.iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    const unmanaged = await snapshotKeys('bob');
    await state.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secrets.bob, SecretString: JSON.stringify({ username: 'bob' }) }),
    );
    // WHEN it rotates
    const rotation = state.rotate(secrets.bob);
    // THEN it fails naming an unmanaged key, and IAM holds exactly the same two Active keys
    await expect(rotation).rejects.toThrow(/step createSecret failed: UnmanagedKeyError: .*AKIA/);
    expect(await snapshotKeys('bob')).toEqual(unmanaged);
  }, 30_000);

  test('a secret value naming another user: the rotation fails and no key is made for that user', async () => {
    // GIVEN someone who can write alice's secret points it at bob
    const bobKeys = await snapshotKeys('bob');
    const aliceKeys = await snapshotKeys('alice');
    const forged = { username: 'bob', accesskey: 'AKIAFORGEDFORGEDFORG', secretkey: 'not-a-real-secret-key' };
    await state.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secrets.alice, SecretString: JSON.stringify(forged) }),
    );
    // WHEN alice's secret rotates
    await expect(state.rotate(secrets.alice)).rejects.toThrow(/step createSecret failed: UserMismatchError/);
    // THEN neither user's keys changed
    expect(await snapshotKeys('bob')).toEqual(bobKeys);
    expect(await snapshotKeys('alice')).toEqual(aliceKeys);
  }, 30_000);

  test('no secret access key appears in the state, the plan, terraform output or any function log', async () => {
    for (const secretKey of await everyStoredSecretKey()) issuedSecretKeys.add(secretKey);
    expect(issuedSecretKeys.size).toBeGreaterThanOrEqual(10);
    const functionOutput = (await emulator.invocationLogs()).map(
      (invocation) => `${invocation.logs}\n${invocation.payload}`,
    );
    expect(functionOutput.length).toBeGreaterThan(50);
    const places: Record<string, string> = {
      'terraform state': stateText,
      'plan JSON': planJson,
      'terraform output': deployment.transcript.join('\n'),
      'function logs': functionOutput.join('\n'),
    };
    for (const [place, text] of Object.entries(places)) {
      expect(text.length).toBeGreaterThan(0);
      for (const secretKey of issuedSecretKeys) {
        if (text.includes(secretKey)) throw new Error(`a secret access key appears in the ${place}`);
      }
    }
  }, 30_000);

  test('terraform destroy succeeds', async () => {
    await deployment.destroy();
    expect(JSON.parse(deployment.stateText()).resources).toEqual([]);
  }, 120_000);

  /** Runs one rotation and returns its calls, each with the step that made it and its rank within the rotation. */
  async function recordRotationCalls(user: string): Promise<PlannedFault[]> {
    const invocationsBefore = (await emulator.invocationLogs()).length;
    const before = await observe(user);
    await emulator.clearCalls();
    await state.rotate(secrets[user]);
    const calls = (await emulator.calls()).filter((call) => call.action !== 'RotateSecret');
    const invocations = (await emulator.invocationLogs()).slice(invocationsBefore);
    await expectConvergedAfter(state, secrets[user], user, before);

    const seen = new Map<string, number>();
    return calls.map((call) => {
      const invocation = invocations.find(
        (i) => call.time >= i.startedAt && call.time <= i.startedAt + i.durationMs / 1000,
      );
      if (invocation === undefined) throw new Error(`call ${call.service}:${call.action} was made outside any step`);
      const key = `${call.service}:${call.action}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      return { step: stepOf(invocation), service: call.service, action: call.action, nth };
    });
  }

  async function snapshotKeys(user: string): Promise<Record<string, string>> {
    const keys = await state.keys(user);
    return Object.fromEntries(keys.map((key) => [key.AccessKeyId ?? '', key.Status ?? '']));
  }

  /** The secretkey of every version of every managed secret, labelled or not. */
  async function everyStoredSecretKey(): Promise<string[]> {
    const found: string[] = [];
    for (const secretId of Object.values(secrets)) {
      const listed = await state.secretsManager.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }),
      );
      for (const version of listed.Versions ?? []) {
        const value = await state.secretsManager
          .send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.VersionId }))
          .catch(() => undefined);
        const secretKey = value?.SecretString
          ? (JSON.parse(value.SecretString) as { secretkey?: unknown }).secretkey
          : undefined;
        if (typeof secretKey === 'string' && secretKey.length >= 20) found.push(secretKey);
      }
    }
    return found;
  }
});
