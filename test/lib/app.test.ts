import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamKeyRotationStack, STACK_OUTPUTS } from '../../lib';
import { BuildAppOptions, STACK_NAME, buildApp } from '../../main';
import { fixtureZip } from './fixtures';
import { PROJECT_ROOT } from '../support/paths';

Testing.setupJest();

const EXAMPLE_CONFIG = path.join(PROJECT_ROOT, 'rotation.config.json');

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The example app's stack, synthesized to JSON (no files written but the empty outdir). */
function synthExample(options: Partial<BuildAppOptions> = {}): string {
  const app = buildApp({
    configPath: EXAMPLE_CONFIG,
    outdir: tempDir('app-'),
    functionZipPath: fixtureZip(),
    env: {},
    ...options,
  });
  return Testing.synth(app.node.findChild(STACK_NAME) as TerraformStack);
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('buildApp', () => {
  test('builds the one stack from the config, with a relative local backend and the documented outputs', () => {
    const json = JSON.parse(synthExample()) as {
      terraform: { backend: { local: { path: string } } };
      output: Record<string, { description: string }>;
      provider: { aws: { region: string }[] };
    };
    expect(json.terraform.backend.local.path).toBe('terraform.tfstate');
    expect(Object.keys(json.output).sort()).toEqual(Object.keys(STACK_OUTPUTS).sort());
    for (const [name, description] of Object.entries(STACK_OUTPUTS))
      expect(json.output[name].description).toBe(description);
    expect(json.provider.aws).toEqual([{ region: 'us-east-1' }]);
  });

  test('reads the config named by IAM_KEY_ROTATION_CONFIG', () => {
    const dir = tempDir('config-');
    const configPath = path.join(dir, 'other.json');
    fs.writeFileSync(configPath, JSON.stringify({ users: [{ name: 'carol' }] }));
    const synthesized = synthExample({ configPath: undefined, env: { IAM_KEY_ROTATION_CONFIG: configPath } });
    expect(synthesized).toContain('iam-key-rotation/carol');
    expect(synthesized).not.toContain('iam-key-rotation/alice');
  });

  test('an invalid config stops the app with the problems', () => {
    const dir = tempDir('config-');
    const configPath = path.join(dir, 'bad.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({ users: [{ name: 'carol' }], schedule: { automaticallyAfterDays: 0 } }),
    );
    expect(() => synthExample({ configPath })).toThrow(
      /`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 0/,
    );
  });
});

describe('state backend', () => {
  /** The app's stack for a config with this `backend`, as parsed JSON. */
  function synthWithBackend(backend: unknown): { terraform: { backend: Record<string, Record<string, unknown>> } } {
    const configPath = path.join(tempDir('config-'), 'rotation.config.json');
    fs.writeFileSync(configPath, JSON.stringify({ region: 'eu-west-1', users: [{ name: 'carol' }], backend }));
    return JSON.parse(synthExample({ configPath }));
  }

  test('is a local file next to cdk.tf.json when the config names none', () => {
    expect(JSON.parse(synthExample()).terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
  });

  test('is the S3 bucket of the config, with every setting it gives', () => {
    // GIVEN
    const s3 = {
      bucket: 'platform-terraform-state',
      key: 'iam-key-rotation/123456789012/eu-west-1.tfstate',
      region: 'us-east-1',
      useLockfile: true,
      dynamodbTable: 'terraform-locks',
      encrypt: true,
      kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:alias/terraform-state',
    };
    // WHEN
    const json = synthWithBackend({ s3 });
    // THEN
    expect(json.terraform.backend).toEqual({
      s3: {
        bucket: 'platform-terraform-state',
        key: 'iam-key-rotation/123456789012/eu-west-1.tfstate',
        region: 'us-east-1',
        use_lockfile: true,
        dynamodb_table: 'terraform-locks',
        encrypt: true,
        kms_key_id: 'arn:aws:kms:us-east-1:123456789012:alias/terraform-state',
      },
    });
  });

  test('encrypts the S3 state by default and adds no setting the config leaves out', () => {
    const json = synthWithBackend({ s3: { bucket: 'state', key: 'iam-key-rotation.tfstate' } });
    expect(json.terraform.backend).toEqual({ s3: { bucket: 'state', key: 'iam-key-rotation.tfstate', encrypt: true } });
  });

  test('keeps an explicit encrypt false and useLockfile false', () => {
    const json = synthWithBackend({ s3: { bucket: 'state', key: 'k', encrypt: false, useLockfile: false } });
    expect(json.terraform.backend.s3).toEqual({ bucket: 'state', key: 'k', encrypt: false, use_lockfile: false });
  });

  test('an invalid backend in the stack props fails the synth, naming the prop', () => {
    // GIVEN
    const app = new App({ outdir: tempDir('app-') });
    const backend = { s3: { bucket: 'state', key: 'states/' } };
    // WHEN / THEN
    expect(
      () =>
        new IamKeyRotationStack(app, 'keys', {
          rotation: { users: [{ name: 'carol' }], functionZipPath: fixtureZip() },
          backend,
        }),
    ).toThrow(/^`backend\.s3\.key` must be an object key that does not start or end with "\/", got "states\/"$/);
  });

  test('a reference in the backend fails the synth: Terraform reads the backend before any variable', () => {
    // GIVEN
    const app = new App({ outdir: tempDir('app-') });
    const scope = new TerraformStack(app, 'other');
    const bucket = new TerraformVariable(scope, 'bucket', { type: 'string' }).stringValue;
    // WHEN / THEN
    expect(
      () =>
        new IamKeyRotationStack(app, 'keys', {
          rotation: { users: [{ name: 'carol' }], functionZipPath: fixtureZip() },
          backend: { s3: { bucket, key: 'k' } },
        }),
    ).toThrow(
      /^`backend\.s3\.bucket` must be a literal: Terraform reads the backend before any variable or resource, got "\$\{TfToken\[TOKEN\.\d+\]\}"$/,
    );
  });
});

describe('the emulator endpoint (an app setting)', () => {
  test("is not part of the construct library's exports", () => {
    const exported = Object.keys(require('../../lib') as Record<string, unknown>);
    expect(exported.filter((name) => /endpoint|emulator/i.test(name))).toEqual([]);
    expect(exported).toEqual(
      expect.arrayContaining(['IamAccessKeyRotation', 'IamKeyRotationStack', 'loadRotationConfig']),
    );
  });

  test('is off by default: no endpoints, no fake credentials, no skipped checks', () => {
    expect(synthExample()).toHaveProviderWithProperties(AwsProvider, { region: 'us-east-1' });
    const provider = (JSON.parse(synthExample()) as { provider: { aws: Record<string, unknown>[] } }).provider.aws[0];
    expect(Object.keys(provider)).toEqual(['region']);
  });

  test('points every service at IAM_KEY_ROTATION_TEST_ENDPOINT with dummy credentials', () => {
    const endpoint = 'http://127.0.0.1:4566';
    const synthesized = synthExample({ env: { IAM_KEY_ROTATION_TEST_ENDPOINT: endpoint } });
    const services = [
      'cloudwatch',
      'events',
      'iam',
      'kms',
      'lambda',
      'logs',
      'scheduler',
      'secretsmanager',
      'sns',
      'sts',
    ];
    expect(synthesized).toHaveProviderWithProperties(AwsProvider, {
      access_key: 'test',
      secret_key: 'test',
      endpoints: [Object.fromEntries(services.map((service) => [service, endpoint]))],
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
      skip_region_validation: true,
    });
  });

  test('keeps credentials from the environment when AWS_ACCESS_KEY_ID is set', () => {
    const synthesized = synthExample({
      env: { IAM_KEY_ROTATION_TEST_ENDPOINT: 'http://localhost:5000', AWS_ACCESS_KEY_ID: 'x' },
    });
    const provider = (JSON.parse(synthesized) as { provider: { aws: Record<string, unknown>[] } }).provider.aws[0];
    expect(provider).not.toHaveProperty('access_key');
    expect(provider).toHaveProperty('skip_credentials_validation', true);
  });

  test('rejects a value that is not a URL', () => {
    expect(() => synthExample({ env: { IAM_KEY_ROTATION_TEST_ENDPOINT: '127.0.0.1:4566' } })).toThrow(
      /IAM_KEY_ROTATION_TEST_ENDPOINT must be an http\(s\) URL/,
    );
  });
});

describe('the example stack', () => {
  test('matches the snapshot (asset hashes masked)', () => {
    const masked = synthExample().replace(/[0-9A-F]{32}/g, '<asset-hash>');
    expect(JSON.parse(masked)).toMatchSnapshot();
  });
});

describe('synthesis', () => {
  test('is deterministic: two synths give byte-identical output without absolute paths', () => {
    // GIVEN
    const outdirs = [tempDir('synth-a-'), tempDir('synth-b-')];
    // WHEN
    for (const outdir of outdirs)
      buildApp({ configPath: EXAMPLE_CONFIG, outdir, functionZipPath: fixtureZip(), env: {} }).synth();
    // THEN
    const [first, second] = outdirs.map(listFiles);
    expect(first).toEqual(second);
    expect(first).toEqual([
      'manifest.json',
      expect.stringMatching(/^stacks\/iam-key-rotation\/assets\/[\w-]+\/[0-9A-F]{32}\/lambda\.zip$/),
      'stacks/iam-key-rotation/cdk.tf.json',
    ]);
    for (const file of first) {
      const [a, b] = outdirs.map((outdir) => fs.readFileSync(path.join(outdir, file)));
      expect(a.equals(b)).toBe(true);
      if (file.endsWith('.json')) {
        expect(a.toString()).not.toContain(outdirs[0]);
        expect(a.toString()).not.toContain(PROJECT_ROOT);
        expect(a.toString()).not.toContain(os.tmpdir());
      }
    }
    expect(fs.readFileSync(path.join(outdirs[0], first[1])).equals(fs.readFileSync(fixtureZip()))).toBe(true);
  });
});
