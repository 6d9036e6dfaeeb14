// The plain Terraform module's example (examples/terraform-module) against the emulator: the module built into a temp
// root next to a copy of the example, so that its `source = "../../dist/terraform-module"` resolves as in the
// repository, and an override file that points the example's provider at the emulator (the example stays as a team
// would write it).
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildTerraformModule } from '../lib/terraform-module/build';
import { type TerraformResult, runTerraform } from './deployment';
import type { Emulator } from './emulator';
import { emulatorProviderBlock } from '../app/provider-endpoint';
import { ReattachedProvider } from './provider-server';
import { terraformEnv } from './terraform-env';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join('examples', 'terraform-module');

export class ModuleDeployment {
  /** The example's copy, where terraform runs. */
  readonly exampleDir: string;
  readonly transcript: string[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly running = new Set<ChildProcess>();
  private readonly provider: ReattachedProvider;

  /** `workDir` (empty) gets dist/terraform-module and examples/terraform-module. */
  constructor(emulator: Emulator, workDir: string) {
    buildTerraformModule({
      zipPath: path.join(PROJECT_ROOT, 'dist', 'lambda.zip'),
      outDir: path.join(workDir, 'dist', 'terraform-module'),
    });
    this.exampleDir = path.join(workDir, EXAMPLE);
    fs.cpSync(path.join(PROJECT_ROOT, EXAMPLE), this.exampleDir, { recursive: true });
    const env = { ...process.env, ...emulator.env() };
    fs.writeFileSync(
      path.join(this.exampleDir, 'emulator_override.tf.json'),
      JSON.stringify({ provider: { aws: emulatorProviderBlock(env, emulator.region) } }, null, 2),
    );
    this.env = { ...env, ...terraformEnv(this.exampleDir), TF_INPUT: '0' };
    this.provider = new ReattachedProvider(this.exampleDir, this.env);
    emulator.onStop(() => this.provider.stop());
  }

  terraform(args: readonly string[], okCodes: readonly number[] = [0]): Promise<TerraformResult> {
    return runTerraform(
      {
        cwd: this.exampleDir,
        env: this.env,
        running: this.running,
        transcript: this.transcript,
        provider: this.provider,
      },
      args,
      okCodes,
    );
  }

  /** Overrides arguments of the example's module call (a `module_override.tf.json`), as a team would change them. */
  overrideModule(settings: Record<string, unknown>): void {
    fs.writeFileSync(
      path.join(this.exampleDir, 'module_override.tf.json'),
      JSON.stringify({ module: { rotation: settings } }, null, 2),
    );
  }

  async outputs(): Promise<Record<string, unknown>> {
    const raw = JSON.parse((await this.terraform(['output', '-json'])).stdout) as Record<string, { value: unknown }>;
    return Object.fromEntries(Object.entries(raw).map(([name, { value }]) => [name, value]));
  }

  stateText(): string {
    return fs.readFileSync(path.join(this.exampleDir, 'terraform.tfstate'), 'utf8');
  }
}
