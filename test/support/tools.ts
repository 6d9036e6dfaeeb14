// Shared by the suites that need external tools (terraform, moto): skip locally with a hint, fail in CI.
import { execFileSync } from 'child_process';
import { emulatorAvailability, MOTO_INSTALL_HINT } from '../../emulator/emulator';
import { terraformEnv } from '../../emulator/terraform-env';

export type Tool = 'terraform' | 'moto';

export const TERRAFORM_INSTALL_HINT = 'https://developer.hashicorp.com/terraform/install (1.5 or later)';

const PROBES: Record<Tool, [string, string[]]> = {
  terraform: ['terraform', ['version']],
  moto: ['python3', ['-c', 'import moto']],
};

/**
 * True when the tool is usable. When it is not: throws in CI (CI=true), so a missing tool fails the build
 * instead of silently skipping tests; elsewhere warns with `hint` and returns false so the suite can skip.
 */
export function requireTool(name: Tool, hint: string): boolean {
  const [command, args] = PROBES[name];
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    const message = `${name} is not available (${[command, ...args].join(' ')} failed). Install it: ${hint}`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`Skipping tests that need ${name}. ${message}`);
    return false;
  }
}

/**
 * True when python3 with the pinned moto can run the emulator; otherwise throws in CI and warns elsewhere, like
 * requireTool.
 */
export function motoAvailable(): boolean {
  const { available, reason } = emulatorAvailability();
  if (available) return true;
  const message = `local AWS emulator unavailable: ${reason}. Install: ${MOTO_INSTALL_HINT}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`Skipping emulator tests. ${message}`);
  return false;
}

/**
 * Runs terraform in `stackDir` and returns its stdout: offline through the provider mirror when there is one (its CLI
 * config is written into `workDir`), with no telemetry, and `extraEnv` on top.
 */
export function terraformIn(
  stackDir: string,
  workDir: string,
  extraEnv: Record<string, string> = {},
): (...args: string[]) => string {
  const env = { ...process.env, ...terraformEnv(workDir), ...extraEnv };
  return (...args) =>
    execFileSync('terraform', args, { cwd: stackDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

type Suite = (name: string, body: () => void) => void;
type Case = (name: string, body: jest.ProvidesCallback, timeout?: number) => void;

// Each probe starts a process (terraform, python importing moto): once per test file, however many suites ask.
let terraformUsable: boolean | undefined;
const haveTerraform = (): boolean => (terraformUsable ??= requireTool('terraform', TERRAFORM_INSTALL_HINT));
let motoUsable: boolean | undefined;
const haveMoto = (): boolean => (motoUsable ??= motoAvailable());

/** `describe` where terraform is usable; elsewhere `describe.skip` after a hint, and in CI a failure (requireTool). */
export const describeWithTerraform: Suite = (name, body) => (haveTerraform() ? describe : describe.skip)(name, body);

/** `describe` where the emulator (python3 with the pinned moto) runs; otherwise like describeWithTerraform. */
export const describeWithMoto: Suite = (name, body) => (haveMoto() ? describe : describe.skip)(name, body);

/** `describe` for suites that deploy with terraform to the emulator: both must be usable. */
export const describeWithEmulator: Suite = (name, body) =>
  (haveTerraform() && haveMoto() ? describe : describe.skip)(name, body);

/** `test` where terraform is usable, for the one terraform step of a suite that otherwise needs nothing. */
export const testWithTerraform: Case = (name, body, timeout) =>
  (haveTerraform() ? test : test.skip)(name, body, timeout);
