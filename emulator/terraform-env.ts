// Runs terraform offline where a provider mirror exists: the demo, the emulator deployment and the tests use it.
import * as fs from 'fs';
import * as path from 'path';

/**
 * The AWS provider mirror: $IAM_KEY_ROTATION_PROVIDER_MIRROR (`none`: the public registry), else /opt/tf-plugins
 * when it exists, else none. A configured folder that does not exist is an error, not a silent download.
 */
export const PROVIDER_MIRROR_ENV = 'IAM_KEY_ROTATION_PROVIDER_MIRROR';
export const NO_PROVIDER_MIRROR = 'none';
const DEFAULT_PROVIDER_MIRROR = '/opt/tf-plugins';

export function providerMirror(): string | undefined {
  const configured = process.env[PROVIDER_MIRROR_ENV];
  if (configured === NO_PROVIDER_MIRROR) return undefined;
  if (configured !== undefined && configured !== '') {
    if (!fs.existsSync(configured)) {
      throw new Error(
        `${PROVIDER_MIRROR_ENV}=${configured} does not exist; set it to a provider mirror folder, or to '${NO_PROVIDER_MIRROR}' for the public registry`,
      );
    }
    return path.resolve(configured);
  }
  return fs.existsSync(DEFAULT_PROVIDER_MIRROR) ? DEFAULT_PROVIDER_MIRROR : undefined;
}

/**
 * Environment for terraform child processes run in `workDir`: no telemetry, and, when a provider mirror exists,
 * a CLI config (written into workDir) that installs the AWS provider from it, so `terraform init` needs no
 * network. Without a mirror, terraform installs from the public registry as usual.
 */
export function terraformEnv(workDir: string): Record<string, string> {
  const env: Record<string, string> = { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const mirror = providerMirror();
  if (mirror === undefined) return env;
  const cliConfig = path.join(workDir, 'terraform.rc');
  fs.writeFileSync(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
disable_checkpoint = true
`,
  );
  return { ...env, TF_CLI_CONFIG_FILE: cliConfig, TF_CLI_ARGS_providers_lock: `-fs-mirror=${mirror}` };
}
