// What the demo needs besides node_modules: terraform on PATH and python3 with the pinned moto.
// Unlike the test suites (test/support/tools.ts), a missing tool is an error here, never a skip.
import { spawnSync } from 'node:child_process';
import { emulatorAvailability, MOTO_INSTALL_HINT, MOTO_VERSION } from '../emulator/emulator';

const TERRAFORM_INSTALL_HINT =
  'install Terraform from https://developer.hashicorp.com/terraform/install and put it on PATH';

export class MissingPrerequisites extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the demo cannot run:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'MissingPrerequisites';
  }
}

export interface Prerequisites {
  readonly terraformVersion: string;
}

/** Throws MissingPrerequisites naming every missing tool and how to install it. */
export function checkPrerequisites(): Prerequisites {
  const problems: string[] = [];
  const terraformVersion = installedTerraformVersion();
  if (terraformVersion === undefined)
    problems.push(`terraform is not available (terraform version failed): ${TERRAFORM_INSTALL_HINT}`);
  const emulator = emulatorAvailability();
  if (!emulator.available) {
    problems.push(
      `the local AWS emulator needs python3 with moto ${MOTO_VERSION}: ${emulator.reason}. Install: ${MOTO_INSTALL_HINT}`,
    );
  }
  if (terraformVersion === undefined || problems.length > 0) throw new MissingPrerequisites(problems);
  return { terraformVersion };
}

function installedTerraformVersion(): string | undefined {
  const probe = spawnSync('terraform', ['version', '-json'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  try {
    return (JSON.parse(probe.stdout) as { terraform_version?: string }).terraform_version ?? 'unknown version';
  } catch {
    return 'unknown version';
  }
}
