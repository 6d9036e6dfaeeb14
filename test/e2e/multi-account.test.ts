// A target's stack on the local emulator: terraform assumes the target's role (moto hands out credentials of the
// role's account) and the provider's account guard holds. One stack, one init, two plans.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp, targetStackName } from '../../main';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { fixtureZip } from '../lib/fixtures';
import { motoAvailable, requireTool, TERRAFORM_INSTALL_HINT, terraformIn } from '../support/tools';

const available = requireTool('terraform', TERRAFORM_INSTALL_HINT) && motoAvailable();
const describeWithEmulator = available ? describe : describe.skip;
jest.setTimeout(180_000);

/** Not moto's default account (123456789012), which the emulator's own credentials belong to. */
const TARGET_ACCOUNT = '210987654321';
const TARGET = 'sandbox';

describeWithEmulator('a target stack on the local emulator', () => {
  let emulator: Emulator;
  let terraform: (...args: string[]) => string;
  let stackFile: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targets-e2e-'));
    const configPath = path.join(dir, 'rotation.config.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        region: 'us-east-1',
        targets: [{ name: TARGET, accountId: TARGET_ACCOUNT, roleArn: `arn:aws:iam::${TARGET_ACCOUNT}:role/deployer`, users: [{ name: 'ci', createUser: true }] }],
      }),
    );
    const outdir = path.join(dir, 'cdktf.out');
    buildApp({ configPath, outdir, functionZipPath: fixtureZip(), env: { ...process.env, ...emulator.env() } }).synth();
    const stackDir = path.join(outdir, 'stacks', targetStackName(TARGET));
    stackFile = path.join(stackDir, 'cdk.tf.json');
    terraform = terraformIn(stackDir, dir, emulator.env());
    terraform('init', '-input=false', '-no-color');
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  /** `terraform plan`'s exit code and output. */
  function plan(): { code: number; output: string } {
    try {
      return { code: 0, output: terraform('plan', '-input=false', '-no-color', '-detailed-exitcode') };
    } catch (error) {
      const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
      return { code: status, output: `${stdout}\n${stderr}` };
    }
  }

  test('plans through the target\'s role, whose account is the allowed one', () => {
    // The emulator's own credentials are account 123456789012: only the assumed role's pass the account guard.
    const { code, output } = plan();
    expect(output).not.toMatch(/^Error:/m);
    expect(code).toBe(2);
    expect(output).toMatch(new RegExp(`data\\.aws_caller_identity\\.\\S+: Read complete after \\d+s \\[id=${TARGET_ACCOUNT}\\]`));
    expect(output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
  });

  test('refuses to plan when the role\'s account is not the allowed one', () => {
    // GIVEN the stack as if its role belonged to another account than the one the provider allows
    const json = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { provider: { aws: { allowed_account_ids: string[] }[] } };
    json.provider.aws[0].allowed_account_ids = ['111111111111'];
    fs.writeFileSync(stackFile, JSON.stringify(json));
    // WHEN
    const { code, output } = plan();
    // THEN
    expect(code).toBe(1);
    expect(output).toContain(`AWS account ID not allowed: ${TARGET_ACCOUNT}`);
  });
});
