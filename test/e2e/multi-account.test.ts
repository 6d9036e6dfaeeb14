// A target's stack on the local emulator: terraform assumes the target's role (moto hands out credentials of the
// role's account) and the provider's account guard holds; a plan with provider_role = "plan" assumes the plan role, and
// after an apply, the plan role with the example's policy (examples/plan-role/) refreshes the whole stack with moto's
// IAM checks on. One stack, one init, one apply.
import * as fs from 'node:fs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp, targetStackName } from '../../main';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { fixtureZip } from '../lib/fixtures';
import { ReattachedProvider } from '../../emulator/provider-server';
import { describeWithEmulator, terraformIn } from '../support/tools';

jest.setTimeout(180_000);

/** Not moto's default account (123456789012), which the emulator's own credentials belong to. */
const TARGET_ACCOUNT = '210987654321';
const TARGET = 'sandbox';
const DEPLOY_ROLE = `arn:aws:iam::${TARGET_ACCOUNT}:role/deployer`;
const PLAN_ROLE = `arn:aws:iam::${TARGET_ACCOUNT}:role/planner`;
const PLAN_ROLE_DIR = path.join(__dirname, '..', '..', 'examples', 'plan-role');

/** The caller identity a saved plan read, and the variables it keeps (terraform show -json). */
interface PlanJson {
  readonly variables: Record<string, { value: unknown }>;
  readonly prior_state?: {
    values: { root_module: { resources?: { address: string; values: Record<string, unknown> }[] } };
  };
}

describeWithEmulator('a target stack on the local emulator', () => {
  let emulator: Emulator;
  let terraform: (...args: string[]) => string;
  let terraformAs: (role: string) => (...args: string[]) => string;
  let stackFile: string;
  let dir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-e2e-'));
    const configPath = path.join(dir, 'rotation.config.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        region: 'us-east-1',
        targets: [
          {
            name: TARGET,
            accountId: TARGET_ACCOUNT,
            roleArn: DEPLOY_ROLE,
            planRoleArn: PLAN_ROLE,
            users: [{ name: 'ci', createUser: true }],
          },
        ],
      }),
    );
    const outdir = path.join(dir, 'cdktf.out');
    buildApp({ configPath, outdir, functionZipPath: fixtureZip(), env: { ...process.env, ...emulator.env() } }).synth();
    const stackDir = path.join(outdir, 'stacks', targetStackName(TARGET));
    stackFile = path.join(stackDir, 'cdk.tf.json');
    terraformIn(stackDir, dir, emulator.env())('init', '-input=false', '-no-color');
    // One provider process for every later command (emulator/provider-server.ts), stopped with the emulator.
    const provider = new ReattachedProvider(stackDir, { ...process.env, ...emulator.env() });
    emulator.onStop(() => provider.stop());
    const env = { ...emulator.env(), ...(await provider.attach()) };
    terraform = terraformIn(stackDir, dir, env);
    terraformAs = (role) => terraformIn(stackDir, dir, { ...env, TF_VAR_provider_role: role });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  /** `terraform plan`'s exit code and output, with `args` on top. */
  function plan(run = terraform, ...args: string[]): { code: number; output: string } {
    try {
      return { code: 0, output: run('plan', '-input=false', '-no-color', '-detailed-exitcode', ...args) };
    } catch (error) {
      const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
      return { code: status, output: `${stdout}\n${stderr}` };
    }
  }

  test("plans through the target's role, whose account is the allowed one", () => {
    // The emulator's own credentials are account 123456789012: only the assumed role's pass the account guard.
    const { code, output } = plan();
    expect(output).not.toMatch(/^Error:/m);
    expect(code).toBe(2);
    expect(output).toMatch(
      new RegExp(`data\\.aws_caller_identity\\.\\S+: Read complete after \\d+s \\[id=${TARGET_ACCOUNT}\\]`),
    );
    expect(output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
  });

  test("refuses to plan when the role's account is not the allowed one", () => {
    // GIVEN the stack as if its role belonged to another account than the one the provider allows
    const original = fs.readFileSync(stackFile, 'utf8');
    const json = JSON.parse(original) as { provider: { aws: { allowed_account_ids: string[] }[] } };
    json.provider.aws[0].allowed_account_ids = ['111111111111'];
    fs.writeFileSync(stackFile, JSON.stringify(json));
    try {
      // WHEN
      const { code, output } = plan();
      // THEN
      expect(code).toBe(1);
      expect(output).toContain(`AWS account ID not allowed: ${TARGET_ACCOUNT}`);
    } finally {
      fs.writeFileSync(stackFile, original);
    }
  });

  test('with TF_VAR_provider_role=plan, plans as the plan role, and the saved plan keeps it (its apply would run read-only)', () => {
    // WHEN
    const planFile = path.join(dir, 'as-planner.tfplan');
    const { code, output } = plan(terraformAs('plan'), `-out=${planFile}`);
    // THEN
    expect(output).not.toMatch(/^Error:/m);
    expect(code).toBe(2);
    const json = JSON.parse(terraform('show', '-json', '-no-color', planFile)) as PlanJson;
    expect(json.variables.provider_role).toEqual({ value: 'plan' });
    const identity = json.prior_state?.values.root_module.resources?.find((resource) =>
      resource.address.startsWith('data.aws_caller_identity.'),
    );
    expect(identity?.values.arn).toBe(`arn:aws:sts::${TARGET_ACCOUNT}:assumed-role/planner/iam-key-rotation-${TARGET}`);
  });

  test('a provider_role outside deploy and plan is refused, naming the closed set', () => {
    const { code, output } = plan(terraformAs('admin'));
    expect(code).toBe(1);
    expect(output).toContain('Invalid value for variable');
    expect(output).toContain('The provider_role must be deploy or plan.');
  });

  test("after an apply, the plan role with the example policy refreshes every resource under moto's IAM checks, and cannot read a key", async () => {
    // GIVEN the stack applied through the deploy role, and the plan role in the target account with the example's
    // policy. moto checks actions, not resources (every request's resource is "*"), so the ARNs become "*" here:
    // this proves the list of actions, and the explicit Deny.
    terraform('apply', '-input=false', '-no-color', '-auto-approve');
    const example = fs.readFileSync(path.join(PLAN_ROLE_DIR, 'plan-role-policy.json'), 'utf8');
    const policy = JSON.parse(example) as { Statement: { Action: string[]; Resource: unknown }[] };
    for (const statement of policy.Statement) {
      statement.Resource = '*';
      // moto names an action after the request's signing name, which for CloudWatch is `monitoring`, not IAM's prefix.
      statement.Action = [
        ...statement.Action,
        ...statement.Action.filter((action) => action.startsWith('cloudwatch:')).map((action) =>
          action.replace('cloudwatch:', 'monitoring:'),
        ),
      ];
    }
    const inTarget = await emulator.roleCredentials(DEPLOY_ROLE);
    const iam = new IAMClient(emulator.clientConfig(inTarget));
    const trust = fs
      .readFileSync(path.join(PLAN_ROLE_DIR, 'plan-role-trust-policy.json'), 'utf8')
      .replace('PR_ROLE_ARN', emulator.adminCredentials.arn);
    await iam.send(new CreateRoleCommand({ RoleName: 'planner', AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'planner', PolicyName: 'plan', PolicyDocument: JSON.stringify(policy) }),
    );
    // The deploy role, whose session these credentials are, exists too under IAM checks: it may do anything.
    const allowAll = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'deploy', PolicyDocument: allowAll }));
    iam.destroy();
    await emulator.enableIamAuth();

    // WHEN
    const { code, output } = plan(terraformAs('plan'));

    // THEN every read the refresh made was allowed
    expect(output).not.toMatch(/^Error:|AccessDenied/m);
    expect([0, 2]).toContain(code);
    expect(output).toMatch(/Refreshing state\.\.\./);
    // and the plan role cannot read the secret it can describe
    const sts = new STSClient(emulator.clientConfig());
    const { Credentials: session } = await sts.send(
      new AssumeRoleCommand({ RoleArn: PLAN_ROLE, RoleSessionName: 'reader' }),
    );
    sts.destroy();
    const secrets = new SecretsManagerClient({
      ...emulator.clientConfig({
        accessKeyId: session?.AccessKeyId ?? '',
        secretAccessKey: session?.SecretAccessKey ?? '',
        sessionToken: session?.SessionToken,
      }),
      maxAttempts: 1,
    });
    // (a value the target account's own credentials can read, so that only the plan role's policy can refuse it)
    const owner = new SecretsManagerClient(emulator.clientConfig(inTarget));
    try {
      const name = 'iam-key-rotation/ci';
      await owner.send(new PutSecretValueCommand({ SecretId: name, SecretString: '{"username":"ci"}' }));
      await expect(owner.send(new GetSecretValueCommand({ SecretId: name }))).resolves.toMatchObject({
        SecretString: '{"username":"ci"}',
      });
      await expect(secrets.send(new DescribeSecretCommand({ SecretId: name }))).resolves.toMatchObject({ Name: name });
      await expect(secrets.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toThrow();
    } finally {
      secrets.destroy();
      owner.destroy();
    }
  });
});
