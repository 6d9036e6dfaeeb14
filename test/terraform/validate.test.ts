// The synthesized example is plain Terraform that terraform itself accepts (offline through the provider mirror).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { STACK_NAME, buildApp } from '../../main';
import { fixtureZip } from '../lib/fixtures';
import { requireTool, TERRAFORM_INSTALL_HINT, terraformEnv } from '../support/tools';

const haveTerraform = requireTool('terraform', TERRAFORM_INSTALL_HINT);
const describeWithTerraform = haveTerraform ? describe : describe.skip;

describeWithTerraform('terraform', () => {
  jest.setTimeout(60_000);

  test('init and validate the synthesized example', () => {
    // GIVEN
    const app = buildApp({
      configPath: path.join(__dirname, '..', '..', 'rotation.config.json'),
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'tf-app-')),
      functionZipPath: fixtureZip(),
      env: {},
    });
    const outdir = Testing.fullSynth(app.node.findChild(STACK_NAME) as TerraformStack);
    const stackDir = path.join(outdir, 'stacks', STACK_NAME);
    const env = { ...process.env, ...terraformEnv(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-cli-'))) };
    const terraform = (...args: string[]): string =>
      execFileSync('terraform', args, { cwd: stackDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // WHEN
    terraform('init', '-input=false', '-backend=false', '-no-color');
    const result = JSON.parse(terraform('validate', '-json')) as { valid: boolean; error_count: number; diagnostics: unknown[] };
    // THEN
    expect(result).toMatchObject({ valid: true, error_count: 0 });
  });
});
