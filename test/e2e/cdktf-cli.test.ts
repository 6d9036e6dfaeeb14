// The command platform teams run: `cdktf deploy` / `cdktf destroy` on the project, against the emulator.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { STACK_NAME } from '../../main';
import { RotationState } from '../../emulator/aws-state';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { terraformEnv } from '../../emulator/terraform-env';
import { describeWithEmulator } from '../support/tools';
import { expectLiveKeyIntact } from '../support/invariants';
import { PROJECT_ROOT } from '../support/paths';

describeWithEmulator('cdktf deploy and destroy on the local emulator', () => {
  let emulator: Emulator;
  let state: RotationState;
  let outdir: string;
  const output: string[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    state = new RotationState(emulator);
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-cdktf-'));
  }, 60_000);

  afterAll(async () => {
    state?.close();
    await emulator?.stop();
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  /** Runs the project's cdktf CLI as a user would, offline (docs/contributing.md, "Offline: a provider mirror"). */
  function cdktf(args: string[]): Promise<void> {
    const env = {
      ...process.env,
      ...emulator.env(),
      ...terraformEnv(outdir),
      DISABLE_VERSION_CHECK: '1',
      CI: 'true', // plain, non-interactive output
    };
    return new Promise((resolve, reject) => {
      const child = spawn('npx', ['cdktf', ...args, '--output', outdir], { cwd: PROJECT_ROOT, env });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        output.push(text);
        if (code === 0) resolve();
        else reject(new Error(`cdktf ${args.join(' ')} exited ${code}:\n${text.slice(-4000)}`));
      });
    });
  }

  test('cdktf deploy bootstraps every user; cdktf destroy removes the stack', async () => {
    // WHEN the stack is deployed the way platform teams do it
    const outputsFile = path.join(outdir, 'outputs.json');
    await cdktf(['deploy', STACK_NAME, '--auto-approve', '--outputs-file', outputsFile]);

    // THEN every user got a working first key through the immediate rotation
    const outputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as Record<
      string,
      { secret_arns: Record<string, string> }
    >;
    const secretArns = outputs[STACK_NAME].secret_arns;
    expect(Object.keys(secretArns).sort()).toEqual(['alice', 'bob']);
    const secretKeys: string[] = [];
    for (const [user, secretArn] of Object.entries(secretArns)) {
      const { current, keys } = await expectLiveKeyIntact(state, secretArn, user);
      expect(keys.size).toBe(1);
      secretKeys.push(current.secretkey);
    }

    // WHEN it is destroyed
    await cdktf(['destroy', STACK_NAME, '--auto-approve']);

    // THEN the users are gone and the secrets scheduled for deletion
    for (const [user, secretArn] of Object.entries(secretArns)) {
      await expect(state.iam.send(new GetUserCommand({ UserName: user }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
      const secret = await state.secretsManager.send(new DescribeSecretCommand({ SecretId: secretArn }));
      expect(secret.DeletedDate).toBeDefined();
    }
    // AND the CLI never printed a secret access key
    const printed = output.join('\n');
    expect(printed).toContain(STACK_NAME);
    for (const secretKey of secretKeys) expect(printed.includes(secretKey)).toBe(false);
  }, 240_000);
});
