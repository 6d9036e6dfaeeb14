// The operator CLI (dist/cli/index.js, the package's bin) as the demo shows it: run against the emulator, and as the
// credential_process of an AWS profile that an SDK client uses.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Emulator } from '../emulator/emulator';

const PROJECT_ROOT = path.resolve(__dirname, '..');
export const CLI_BIN = path.join(PROJECT_ROOT, 'dist', 'cli', 'index.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What an SDK client using a credential_process profile authenticated as. */
export interface ProfileIdentity {
  readonly arn: string;
  readonly accessKeyId: string;
}

export class CliSession {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    emulator: Emulator,
    private readonly workDir: string,
  ) {
    this.env = { ...process.env, ...emulator.env(), AWS_EC2_METADATA_DISABLED: 'true' };
  }

  /** `iam-key-rotation <args>`; resolves with its exit code whatever it is. */
  run(args: readonly string[]): Promise<CliRun> {
    return execNode([CLI_BIN, ...args], this.env);
  }

  /**
   * Writes an AWS config file with `[profile <name>]` whose credential_process is `iam-key-rotation credentials
   * <secret>`, then has an SDK client in another process (an operator's program) call STS GetCallerIdentity with it.
   */
  async identityThroughProfile(profile: string, secretId: string): Promise<ProfileIdentity> {
    const configFile = path.join(this.workDir, 'aws-config');
    fs.writeFileSync(
      configFile,
      `[profile ${profile}]\ncredential_process = node ${CLI_BIN} credentials ${secretId}\n`,
    );
    const program = `
      const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sts'))});
      const sts = new STSClient({ profile: ${JSON.stringify(profile)} });
      sts.send(new GetCallerIdentityCommand({})).then(async (identity) => {
        console.log(JSON.stringify({ arn: identity.Arn, accessKeyId: (await sts.config.credentials()).accessKeyId }));
      });`;
    // The operator's own key stays out: the profile must be what authenticates. The credential process inherits
    // this env, and with it the emulator's endpoint and admin key, with which it reads the secret.
    const result = await execNode(['-e', program], {
      ...this.env,
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: path.join(this.workDir, 'no-credentials-file'),
    });
    if (result.code !== 0)
      throw new Error(`the SDK client with profile ${profile} failed (exit ${result.code}): ${result.stderr.trim()}`);
    return JSON.parse(result.stdout) as ProfileIdentity;
  }
}

function execNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile('node', [...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}
