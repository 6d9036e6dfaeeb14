// Synthesizes the example app for the emulator and drives terraform on it. Shared by the end-to-end
// tests and `npm run demo`.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp, STACK_NAME } from '../main';
import { ReattachedProvider } from './provider-server';
import { terraformEnv } from './terraform-env';
import type { Emulator } from './emulator';

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DeploymentOptions {
  /** Where cdktf.out goes; the stack folder is `<outdir>/stacks/iam-key-rotation`. */
  readonly outdir: string;
  /** @default - rotation.config.json at the project root */
  readonly configPath?: string;
}

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Where and how terraform runs: its folder and environment, the processes running, everything they printed. */
export interface TerraformContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly running: Set<ChildProcess>;
  readonly transcript: string[];
  /** One provider process for every command after init. @default - terraform starts its own, twice per command */
  readonly provider?: ReattachedProvider;
}

/** Runs terraform in `context.cwd`; fails with its output unless the exit code is one of `okCodes`. */
export async function runTerraform(
  context: TerraformContext,
  args: readonly string[],
  okCodes: readonly number[] = [0],
): Promise<TerraformResult> {
  const env = { ...context.env, ...(await context.provider?.envFor(args)) };
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', [...args, '-no-color'], { cwd: context.cwd, env });
    context.running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      context.running.delete(child);
      context.transcript.push(stdout, stderr);
      const result = { code: code ?? -1, stdout, stderr };
      if (okCodes.includes(result.code)) resolve(result);
      else reject(new Error(`terraform ${args.join(' ')} exited ${result.code}:\n${stderr || stdout}`));
    });
  });
}

/** The example stack synthesized against an emulator, and terraform run in its folder. */
export class EmulatorDeployment {
  readonly stackDir: string;
  /** Everything terraform printed, for the secret-leak scans. */
  readonly transcript: string[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly running = new Set<ChildProcess>();
  private readonly provider: ReattachedProvider;

  constructor(emulator: Emulator, options: DeploymentOptions) {
    const appEnv = { ...process.env, ...emulator.env() };
    buildApp({
      outdir: options.outdir,
      env: appEnv,
      configPath: options.configPath ?? path.join(PROJECT_ROOT, 'rotation.config.json'),
    }).synth();
    this.stackDir = path.join(options.outdir, 'stacks', STACK_NAME);
    this.env = { ...appEnv, ...terraformEnv(this.stackDir), TF_INPUT: '0' };
    this.provider = new ReattachedProvider(this.stackDir, this.env);
    emulator.onStop(() => this.provider.stop());
  }

  /** Runs terraform; fails with its output unless the exit code is one of `okCodes`. */
  terraform(args: readonly string[], okCodes: readonly number[] = [0]): Promise<TerraformResult> {
    return runTerraform(
      {
        cwd: this.stackDir,
        env: this.env,
        running: this.running,
        transcript: this.transcript,
        provider: this.provider,
      },
      args,
      okCodes,
    );
  }

  init(): Promise<TerraformResult> {
    return this.terraform(['init', '-input=false']);
  }

  apply(): Promise<TerraformResult> {
    return this.terraform(['apply', '-auto-approve', '-input=false']);
  }

  /** Applies the plan the last `planExitCode()` saved, so what was reviewed is what is applied. */
  applyPlan(): Promise<TerraformResult> {
    return this.terraform(['apply', '-input=false', 'plan.tfplan']);
  }

  /** `terraform plan -detailed-exitcode`: 0 no changes, 2 changes. */
  async planExitCode(): Promise<number> {
    return (await this.terraform(['plan', '-detailed-exitcode', '-input=false', '-out=plan.tfplan'], [0, 2])).code;
  }

  /** The saved plan of the last `planExitCode()` as JSON text. */
  async planJson(): Promise<string> {
    return (await this.terraform(['show', '-json', 'plan.tfplan'])).stdout;
  }

  destroy(): Promise<TerraformResult> {
    return this.terraform(['destroy', '-auto-approve', '-input=false']);
  }

  async outputs(): Promise<{
    secretArns: Record<string, string>;
    functionArn: string;
    roleArn: string;
    notificationTopicArn: string;
  }> {
    const raw = JSON.parse((await this.terraform(['output', '-json'])).stdout) as Record<string, { value: unknown }>;
    return {
      secretArns: raw.secret_arns.value as Record<string, string>,
      functionArn: raw.rotation_function_arn.value as string,
      roleArn: raw.rotation_role_arn.value as string,
      notificationTopicArn: raw.notification_topic_arn.value as string,
    };
  }

  /** Interrupts any terraform still running (it stops its provider plugins itself) and waits for it to exit. */
  async interrupt(): Promise<void> {
    const exits = [...this.running].map((child) => new Promise((resolve) => child.once('close', resolve)));
    for (const child of this.running) child.kill('SIGTERM');
    await Promise.all(exits);
  }

  stateText(): string {
    return fs.readFileSync(path.join(this.stackDir, 'terraform.tfstate'), 'utf8');
  }
}
