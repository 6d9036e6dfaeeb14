import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { STACK_OUTPUTS } from '../../lib';
import { BuildAppOptions, STACK_NAME, buildApp } from '../../main';
import { fixtureZip } from './fixtures';

Testing.setupJest();

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_CONFIG = path.join(ROOT, 'rotation.config.json');

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The example app's stack, synthesized to JSON (no files written but the empty outdir). */
function synthExample(options: Partial<BuildAppOptions> = {}): string {
  const app = buildApp({ configPath: EXAMPLE_CONFIG, outdir: tempDir('app-'), functionZipPath: fixtureZip(), env: {}, ...options });
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
    for (const [name, description] of Object.entries(STACK_OUTPUTS)) expect(json.output[name].description).toBe(description);
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
    fs.writeFileSync(configPath, JSON.stringify({ users: [{ name: 'carol' }], schedule: { automaticallyAfterDays: 0 } }));
    expect(() => synthExample({ configPath })).toThrow(/`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 0/);
  });
});

describe('test-only emulator endpoint', () => {
  test('is off by default: no endpoints, no fake credentials, no skipped checks', () => {
    expect(synthExample()).toHaveProviderWithProperties(AwsProvider, { region: 'us-east-1' });
    const provider = (JSON.parse(synthExample()) as { provider: { aws: Record<string, unknown>[] } }).provider.aws[0];
    expect(Object.keys(provider)).toEqual(['region']);
  });

  test('points every service at IAM_KEY_ROTATION_TEST_ENDPOINT with dummy credentials', () => {
    const endpoint = 'http://127.0.0.1:4566';
    const synthesized = synthExample({ env: { IAM_KEY_ROTATION_TEST_ENDPOINT: endpoint } });
    const services = ['cloudwatch', 'events', 'iam', 'kms', 'lambda', 'logs', 'scheduler', 'secretsmanager', 'sns', 'sts'];
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
    const synthesized = synthExample({ env: { IAM_KEY_ROTATION_TEST_ENDPOINT: 'http://localhost:5000', AWS_ACCESS_KEY_ID: 'x' } });
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
    for (const outdir of outdirs) buildApp({ configPath: EXAMPLE_CONFIG, outdir, functionZipPath: fixtureZip(), env: {} }).synth();
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
        expect(a.toString()).not.toContain(ROOT);
        expect(a.toString()).not.toContain(os.tmpdir());
      }
    }
    expect(fs.readFileSync(path.join(outdirs[0], first[1])).equals(fs.readFileSync(fixtureZip()))).toBe(true);
  });
});
