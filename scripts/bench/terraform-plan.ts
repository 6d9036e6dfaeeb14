// `terraform plan` of a fleet stack against the emulator: the users exist in IAM (created here through the
// API, as a real fleet's users exist before the stack), the stack's own resources do not: every resource is
// to add, and each user's data lookup is a real call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { EmulatorDeployment } from '../../emulator/deployment';
import type { Emulator } from '../../emulator/emulator';
import { fleetConfig } from './fleet-config';
import { timed } from './measure';
import { seconds } from './progress';

export interface PlanFigures {
  readonly users: number;
  readonly initMs: number;
  readonly planMs: number;
  /** Terraform's summary line, e.g. `Plan: 812 to add, 0 to change, 0 to destroy.` */
  readonly summary: string;
  /** The AWS provider terraform init selected (its lock file). */
  readonly providerVersion: string;
}

export interface PlanOptions {
  readonly users: number;
  readonly workDir: string;
  readonly progress: (message: string) => void;
}

export async function measurePlan(emulator: Emulator, options: PlanOptions): Promise<PlanFigures> {
  const config = fleetConfig({ users: options.users, name: 'bench-plan', userPrefix: 'bench-planned' });
  const iam = new IAMClient(emulator.clientConfig());
  try {
    for (const user of config.users) await iam.send(new CreateUserCommand({ UserName: user.name }));
  } finally {
    iam.destroy();
  }
  options.progress(`plan stack: ${options.users} IAM users created in the emulator; synthesizing`);
  const configPath = path.join(options.workDir, `plan-${options.users}.config.json`);
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const deployment = new EmulatorDeployment(emulator, { outdir: path.join(options.workDir, 'plan-stack'), configPath });
  options.progress('plan stack: terraform init');
  const initMs = await timed(() => deployment.init());
  options.progress(`plan stack: init ${seconds(initMs)}; terraform plan`);
  let stdout = '';
  const planMs = await timed(async () => {
    ({ stdout } = await deployment.terraform(
      ['plan', '-input=false', '-detailed-exitcode', '-out=plan.tfplan'],
      [0, 2],
    ));
  });
  const summary = stdout.split('\n').find((line) => line.startsWith('Plan: ')) ?? 'No changes.';
  options.progress(`plan stack: plan ${seconds(planMs)}: ${summary}`);
  return { users: options.users, initMs, planMs, summary, providerVersion: lockedAwsProvider(deployment.stackDir) };
}

function lockedAwsProvider(stackDir: string): string {
  const lock = fs.readFileSync(path.join(stackDir, '.terraform.lock.hcl'), 'utf8');
  return /provider "registry\.terraform\.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(lock)?.[1] ?? 'unknown';
}
