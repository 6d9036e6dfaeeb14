import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as childProcess from 'child_process';
import { PROVIDER_MIRROR_ENV, terraformEnv } from '../../emulator/terraform-env';
import { requireTool } from '../support/tools';

jest.mock('child_process', () => ({ execFileSync: jest.fn() }));
const execFileSync = jest.mocked(childProcess.execFileSync);

describe('requireTool', () => {
  const savedCi = process.env.CI;
  beforeEach(() => {
    execFileSync.mockImplementation(() => {
      throw new Error('spawnSync ENOENT');
    });
  });
  afterEach(() => {
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
    jest.restoreAllMocks();
  });

  test('a present tool is reported present', () => {
    execFileSync.mockReturnValue(Buffer.from(''));
    expect(requireTool('terraform', 'hint')).toBe(true);
    expect(execFileSync).toHaveBeenCalledWith('terraform', ['version'], expect.anything());
  });

  test('a missing tool fails in CI, naming it and the install hint', () => {
    process.env.CI = 'true';
    expect(() => requireTool('terraform', 'see terraform.io')).toThrow(
      /terraform is not available .*Install it: see terraform\.io/,
    );
  });

  test('a missing tool is skipped with a warning elsewhere', () => {
    delete process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(requireTool('moto', 'pip install moto[server]==5.2.1')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('pip install moto[server]==5.2.1'));
  });
});

describe('terraformEnv', () => {
  const saved = process.env[PROVIDER_MIRROR_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PROVIDER_MIRROR_ENV];
    else process.env[PROVIDER_MIRROR_ENV] = saved;
  });

  test('with a mirror: a CLI config that installs the AWS provider from it, and the lock flag', () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-'));
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'work-'));
    process.env[PROVIDER_MIRROR_ENV] = mirror;
    const env = terraformEnv(workDir);
    expect(env).toEqual({
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_CLI_CONFIG_FILE: path.join(workDir, 'terraform.rc'),
      TF_CLI_ARGS_providers_lock: `-fs-mirror=${mirror}`,
    });
    const config = fs.readFileSync(env.TF_CLI_CONFIG_FILE, 'utf8');
    expect(config).toContain(`path    = "${mirror}"`);
    expect(config).toContain('exclude = ["registry.terraform.io/hashicorp/aws"]');
    expect(config).toContain('disable_checkpoint = true');
  });

  test("with 'none': the public registry as usual", () => {
    process.env[PROVIDER_MIRROR_ENV] = 'none';
    expect(terraformEnv(os.tmpdir())).toEqual({ CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' });
  });

  test('a configured mirror that does not exist is an error naming the variable', () => {
    process.env[PROVIDER_MIRROR_ENV] = '/nonexistent/mirror';
    expect(() => terraformEnv(os.tmpdir())).toThrow(
      /IAM_KEY_ROTATION_PROVIDER_MIRROR=\/nonexistent\/mirror does not exist.*'none'/,
    );
  });
});
