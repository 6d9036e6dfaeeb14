// The emulator deployments' one provider process per folder (emulator/provider-server.ts): it serves several
// terraform commands, each configuring it again, and it outlives neither its stop() nor the folder's use.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ReattachedProvider, installedAwsProvider } from '../../emulator/provider-server';
import { terraformEnv } from '../../emulator/terraform-env';
import { describeWithTerraform } from '../support/tools';

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** A root whose plan configures the provider and reads a data source that needs no AWS call. */
const ROOT = {
  provider: {
    aws: {
      region: 'us-east-1',
      access_key: 'test',
      secret_key: 'test',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
    },
  },
  data: { aws_partition: { current: {} } },
  output: { partition: { value: '${data.aws_partition.current.partition}' } },
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWithTerraform('one AWS provider process for the terraform commands of a folder', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const terraform = (extraEnv: Record<string, string>, ...args: string[]): string =>
    execFileSync('terraform', [...args, '-no-color'], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-server-'));
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(ROOT));
    // The CA bundle a corporate machine sets: a second configuration in one process must still work.
    env = {
      ...process.env,
      ...terraformEnv(dir),
      TF_INPUT: '0',
      ...(fs.existsSync(CA_BUNDLE) ? { AWS_CA_BUNDLE: CA_BUNDLE } : {}),
    };
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('serves several commands, each configuring it again, and stops with stop()', async () => {
    const provider = new ReattachedProvider(dir, env);
    // Before init there is nothing to start: terraform would start its own.
    expect(installedAwsProvider(dir)).toBeUndefined();
    expect(await provider.attach()).toEqual({});
    terraform({}, 'init', '-input=false');
    expect(await provider.envFor(['init', '-input=false'])).toEqual({});

    const reattach = await provider.envFor(['plan']);
    const pid = (JSON.parse(reattach.TF_REATTACH_PROVIDERS) as Record<string, { Pid: number }>)[
      'registry.terraform.io/hashicorp/aws'
    ].Pid;
    try {
      for (let run = 0; run < 2; run += 1) {
        expect(terraform(reattach, 'apply', '-input=false', '-auto-approve')).toContain('partition = "aws"');
      }
      expect(isRunning(pid)).toBe(true);
      expect(await provider.attach()).toEqual(reattach);
    } finally {
      await provider.stop();
    }
    expect(isRunning(pid)).toBe(false);
  }, 120_000);
});
