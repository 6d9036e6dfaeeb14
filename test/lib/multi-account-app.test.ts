// The app with `targets` in its config: one stack per target, each with its own provider (role, account guard,
// region) and state; a config without targets keeps its one stack.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { BuildAppOptions, STACK_NAME, buildApp, targetStackName } from '../../main';
import { checkedBlock } from '../support/doc-snippets';
import { fixtureZip } from './fixtures';
import { PROJECT_ROOT } from '../support/paths';

const MULTI_ACCOUNT_EXAMPLE = path.join(PROJECT_ROOT, 'examples', 'multi-account.config.json');
const SINGLE_EXAMPLE = path.join(PROJECT_ROOT, 'rotation.config.json');
const EXAMPLE_TARGETS = ['shared-services', 'prod-eu', 'prod-us'];

interface StackJson {
  readonly provider: { aws: Record<string, unknown>[] };
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly locals?: Record<string, unknown>;
  readonly terraform: { backend: Record<string, Record<string, unknown>> };
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
}

const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function appFor(configPath: string, options: Partial<BuildAppOptions> = {}): App {
  return buildApp({ configPath, outdir: tempDir('targets-app-'), functionZipPath: fixtureZip(), env: {}, ...options });
}

function stackIds(app: App): string[] {
  return app.node.children
    .filter((child): child is TerraformStack => child instanceof TerraformStack)
    .map((stack) => stack.node.id);
}

function synthStack(app: App, id: string): StackJson {
  return JSON.parse(Testing.synth(app.node.findChild(id) as TerraformStack)) as StackJson;
}

/** The values of one attribute of every resource of a type, sorted. */
function attributes(json: StackJson, type: string, attribute: string): unknown[] {
  return Object.values(json.resource[type] ?? {})
    .map((resource) => resource[attribute])
    .sort();
}

function writeConfig(document: unknown): string {
  const file = path.join(tempDir('targets-config-'), 'rotation.config.json');
  fs.writeFileSync(file, JSON.stringify(document));
  return file;
}

describe('the multi-account example', () => {
  const app = appFor(MULTI_ACCOUNT_EXAMPLE);
  const stacks = Object.fromEntries(EXAMPLE_TARGETS.map((name) => [name, synthStack(app, targetStackName(name))]));

  test('has one stack per target, named after it', () => {
    expect(stackIds(app)).toEqual([
      'iam-key-rotation-shared-services',
      'iam-key-rotation-prod-eu',
      'iam-key-rotation-prod-us',
    ]);
  });

  test.each([
    ['shared-services', '210987654321', 'eu-west-1'],
    ['prod-eu', '345678901234', 'eu-west-1'],
    ['prod-us', '345678901234', 'us-east-1'],
  ])(
    "%s: the provider assumes the target's role, in its region, and refuses any other account",
    (name, accountId, region) => {
      expect(stacks[name].provider.aws).toEqual([
        {
          region,
          assume_role: [
            { role_arn: '${local.provider_role_arns[var.provider_role]}', session_name: `iam-key-rotation-${name}` },
          ],
          allowed_account_ids: [accountId],
          skip_requesting_account_id: false,
        },
      ]);
    },
  );

  test.each([
    ['shared-services', '210987654321'],
    ['prod-eu', '345678901234'],
    ['prod-us', '345678901234'],
  ])(
    '%s: the role is the deploy role by default, the plan role with provider_role = "plan", both literals',
    (name, accountId) => {
      expect(stacks[name].locals).toEqual({
        provider_role_arns: {
          deploy: `arn:aws:iam::${accountId}:role/platform/iam-key-rotation-deployer`,
          plan: `arn:aws:iam::${accountId}:role/platform/iam-key-rotation-planner`,
        },
      });
      expect(stacks[name].variable).toEqual({
        provider_role: {
          type: 'string',
          default: 'deploy',
          nullable: false,
          description: expect.stringContaining('TF_VAR_provider_role=plan'),
          validation: [
            {
              condition: '${contains(["deploy", "plan"], var.provider_role)}',
              error_message: 'The provider_role must be deploy or plan.',
            },
          ],
        },
      });
    },
  );

  test.each(EXAMPLE_TARGETS)('%s: keeps its state under its own key in the shared bucket', (name) => {
    expect(stacks[name].terraform.backend).toEqual({
      s3: {
        bucket: 'acme-platform-terraform-state',
        key: `iam-key-rotation/fleet/${name}.tfstate`,
        region: 'eu-west-1',
        use_lockfile: true,
        encrypt: true,
      },
    });
  });

  test("each stack rotates its own target's users, with the target's overrides", () => {
    expect(attributes(stacks['shared-services'], 'aws_secretsmanager_secret', 'name')).toEqual([
      'iam-key-rotation/artifact-publisher',
      'iam-key-rotation/ci-deployer',
    ]);
    expect(attributes(stacks['prod-eu'], 'aws_secretsmanager_secret', 'name')).toEqual([
      'iam-key-rotation/backup-exporter',
      'iam-key-rotation/vendor-sync',
    ]);
    // prod-us shares prod-eu's account: its own rotation name keeps the two functions' roles apart.
    expect(attributes(stacks['prod-us'], 'aws_secretsmanager_secret', 'name')).toEqual([
      'iam-key-rotation-us/payments-export-us',
    ]);
    expect(attributes(stacks['prod-us'], 'aws_iam_role', 'name')).toEqual(['iam-key-rotation-us']);
    expect(attributes(stacks['prod-eu'], 'aws_iam_role', 'name')).toEqual(['iam-key-rotation']);
    expect(attributes(stacks['prod-eu'], 'aws_iam_role', 'tags')).toEqual([
      { project: 'iam-key-rotation', owner: 'platform', environment: 'production' },
    ]);
    expect(attributes(stacks['shared-services'], 'aws_iam_role', 'tags')).toEqual([
      { project: 'iam-key-rotation', owner: 'platform' },
    ]);
    expect(attributes(stacks['prod-us'], 'aws_sns_topic_subscription', 'endpoint')).toEqual([
      'platform-oncall@example.com',
      'us-operations@example.com',
    ]);
  });

  test('synthesizes one folder per stack', () => {
    // GIVEN
    const outdir = tempDir('targets-out-');
    // WHEN
    appFor(MULTI_ACCOUNT_EXAMPLE, { outdir }).synth();
    // THEN
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(EXAMPLE_TARGETS.map(targetStackName).sort());
  });

  test("keeps the emulator settings in every stack, the target's own settings winning", () => {
    const endpoint = 'http://127.0.0.1:4566';
    const emulated = appFor(MULTI_ACCOUNT_EXAMPLE, { env: { IAM_KEY_ROTATION_TEST_ENDPOINT: endpoint } });
    for (const name of EXAMPLE_TARGETS) {
      const [provider] = synthStack(emulated, targetStackName(name)).provider.aws;
      expect(provider).toMatchObject({
        access_key: 'test',
        endpoints: [expect.objectContaining({ iam: endpoint, sts: endpoint, secretsmanager: endpoint })],
        skip_credentials_validation: true,
        assume_role: [expect.objectContaining({ session_name: `iam-key-rotation-${name}` })],
        allowed_account_ids: [expect.stringMatching(/^\d{12}$/)],
        // The emulator alone skips the account lookup; the account guard needs it.
        skip_requesting_account_id: false,
      });
    }
  });
});

describe('a target', () => {
  test('deploys what the same config without targets deploys, but for the provider and the state', () => {
    // GIVEN the single-deployment example, and the same keys as the one target of another config
    const single = JSON.parse(fs.readFileSync(SINGLE_EXAMPLE, 'utf8')) as Record<string, unknown>;
    const { users, region, ...defaults } = single;
    const oneTarget = writeConfig({
      ...defaults,
      targets: [
        { name: 'main', accountId: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/deployer', region, users },
      ],
    });
    // WHEN
    const fromSingle = synthStack(appFor(SINGLE_EXAMPLE), STACK_NAME);
    const fromTarget = synthStack(appFor(oneTarget), targetStackName('main'));
    // THEN the resources are the same, metadata paths aside (they name the stack)
    const withoutPaths = (json: StackJson): string => JSON.stringify(json.resource).replace(/"path":"[^"]*"/g, '');
    expect(withoutPaths(fromTarget)).toEqual(withoutPaths(fromSingle));
    expect(fromTarget.provider.aws[0]).toMatchObject({ region: 'us-east-1', allowed_account_ids: ['123456789012'] });
    expect(fromTarget.terraform.backend).toEqual(fromSingle.terraform.backend);
  });

  test('passes its external id to the provider', () => {
    const config = writeConfig({
      region: 'eu-west-1',
      targets: [
        {
          name: 'vendor',
          accountId: '123456789012',
          roleArn: 'arn:aws:iam::123456789012:role/deployer',
          externalId: 'acme-42',
          users: [{ name: 'ci' }],
        },
      ],
    });
    expect(synthStack(appFor(config), targetStackName('vendor')).provider.aws[0].assume_role).toEqual([
      {
        role_arn: '${local.provider_role_arns[var.provider_role]}',
        session_name: 'iam-key-rotation-vendor',
        external_id: 'acme-42',
      },
    ]);
  });

  test('without planRoleArn, only the deploy role: a plan asking for the plan role is refused, never given the deploy role', () => {
    // GIVEN a target that predates planRoleArn
    const config = writeConfig({
      region: 'eu-west-1',
      targets: [
        {
          name: 'legacy',
          accountId: '123456789012',
          roleArn: 'arn:aws:iam::123456789012:role/deployer',
          users: [{ name: 'ci' }],
        },
      ],
    });
    // WHEN
    const json = synthStack(appFor(config), targetStackName('legacy'));
    // THEN
    expect(json.locals).toEqual({ provider_role_arns: { deploy: 'arn:aws:iam::123456789012:role/deployer' } });
    expect(json.variable?.provider_role.validation).toEqual([
      {
        condition: '${contains(["deploy"], var.provider_role)}',
        error_message:
          'The provider_role must be deploy: target legacy has no planRoleArn, and a plan never assumes the deploy role in its stead.',
      },
    ]);
  });
});

describe('a config without targets', () => {
  test('still builds its one stack, iam-key-rotation, with no role to assume', () => {
    const app = appFor(SINGLE_EXAMPLE);
    expect(stackIds(app)).toEqual([STACK_NAME]);
    const json = synthStack(app, STACK_NAME);
    expect(json.provider.aws).toEqual([{ region: 'us-east-1' }]);
    // No variable: TF_VAR_provider_role=plan changes nothing, the plan runs with the credentials it is given.
    expect(json.variable).toBeUndefined();
  });
});

test('an invalid targets config stops the app, naming the target and the key', () => {
  const config = writeConfig({
    region: 'eu-west-1',
    targets: [
      {
        name: 'prod-eu',
        accountId: '123456789012',
        roleArn: 'arn:aws:iam::123456789012:role/d',
        users: [{ name: 'a b' }],
      },
    ],
  });
  expect(() => appFor(config)).toThrow(/\n {2}- `targets\[0\] \(prod-eu\)\.users\[0\]\.name` must be 1-64 characters/);
});

test('docs/multi-account.md shows the multi-account example as it is', () => {
  const shown = checkedBlock('docs/multi-account.md', 'multi-account-example');
  expect(shown.lang).toBe('json');
  expect(JSON.parse(shown.text)).toEqual(JSON.parse(fs.readFileSync(MULTI_ACCOUNT_EXAMPLE, 'utf8')));
});
