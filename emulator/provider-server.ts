// One AWS provider process for all the terraform commands run in a folder. Terraform starts the provider twice per
// command (about 3 s of CPU each here: the 700 MB binary's start and its schema); a provider started once in its debug
// mode and named in TF_REATTACH_PROVIDERS serves every later command instead. Same binary, same gRPC calls: only
// who starts and stops the process changes, which is why only the emulator's deployments use it.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';

const PROVIDER_SOURCE = path.join('registry.terraform.io', 'hashicorp', 'aws');
const REATTACH_LINE = /TF_REATTACH_PROVIDERS='([^']+)'/;
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
// Enough of the provider's output to explain a failed start.
const OUTPUT_TAIL_CHARS = 8_000;
// The long-lived provider rebuilds its schema for every command: collecting less often costs memory (under 1 GB
// here) and saves a third of its CPU.
const PROVIDER_GOGC = '400';

/** The AWS provider `terraform init` installed into `workDir`, or undefined before init. */
export function installedAwsProvider(workDir: string): string | undefined {
  const root = path.join(workDir, '.terraform', 'providers', PROVIDER_SOURCE);
  if (!fs.existsSync(root)) return undefined;
  for (const version of fs.readdirSync(root).sort().reverse()) {
    for (const platform of fs.readdirSync(path.join(root, version))) {
      const folder = path.join(root, version, platform);
      const binary = fs.readdirSync(folder).find((file) => file.startsWith('terraform-provider-aws'));
      if (binary !== undefined) return path.join(folder, binary);
    }
  }
  return undefined;
}

export interface ProviderServer {
  /** The value of TF_REATTACH_PROVIDERS that points terraform at this process. */
  readonly reattach: string;
  stop(): Promise<void>;
}

/**
 * Starts `binary` in debug mode. The shell in front of it stops it when its stdin closes, so a provider outlives
 * neither `stop()` nor the Node process that started it, however that process ends. Its output goes to a file, not a
 * pipe: a caller blocked in execFileSync would not drain a pipe, and a provider writing to a full one hangs.
 */
export function startProviderServer(binary: string, cwd: string, env: NodeJS.ProcessEnv): Promise<ProviderServer> {
  const logFile = path.join(cwd, '.terraform', 'provider-server.log');
  fs.writeFileSync(logFile, '');
  const child: ChildProcessByStdio<Writable, null, null> = spawn(
    'sh',
    [
      '-c',
      '"$1" -debug >"$2" 2>&1 & provider=$!; cat >/dev/null; kill "$provider"; wait "$provider"',
      'sh',
      binary,
      logFile,
    ],
    // Terraform runs its providers in its own folder: the configuration's relative paths (the function's zip) resolve
    // against it.
    { cwd, env, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    child.stdin.end();
    await exited;
  };
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      const output = fs.readFileSync(logFile, 'utf8');
      const match = REATTACH_LINE.exec(output);
      if (match !== null) return resolve({ reattach: match[1], stop });
      const why =
        exitCode !== undefined
          ? `it exited with ${exitCode}`
          : Date.now() - started > START_TIMEOUT_MS
            ? `it printed no reattach line in ${START_TIMEOUT_MS} ms`
            : undefined;
      if (why === undefined) return void setTimeout(poll, POLL_MS);
      void stop();
      reject(
        new Error(
          `the AWS provider ${binary} did not start in debug mode: ${why}\n${output.slice(-OUTPUT_TAIL_CHARS)}`,
        ),
      );
    };
    poll();
  });
}

/** The provider of one terraform folder: started at its first command after `init`, kept until `stop()`. */
export class ReattachedProvider {
  private server: Promise<ProviderServer> | undefined;

  /** `env` is the provider's own environment for all its commands (its credentials, endpoints). */
  constructor(
    private readonly workDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** What to add to the environment of `terraform <args>`: nothing for init, or before init installed the provider. */
  async envFor(args: readonly string[]): Promise<Record<string, string>> {
    return args[0] === 'init' ? {} : this.attach();
  }

  /** TF_REATTACH_PROVIDERS for the commands after init, starting the provider at the first call; nothing before init. */
  async attach(): Promise<Record<string, string>> {
    if (this.server === undefined) {
      const binary = installedAwsProvider(this.workDir);
      if (binary === undefined) return {};
      // A second ConfigureProvider in one process fails while AWS_CA_BUNDLE is set ("unable to add custom RootCAs
      // HTTPClient", hashicorp/terraform-provider-aws#23182); the emulator speaks plain HTTP on loopback.
      const { AWS_CA_BUNDLE: _caBundle, ...env } = this.env;
      this.server = startProviderServer(binary, this.workDir, { ...env, GOGC: PROVIDER_GOGC });
    }
    return { TF_REATTACH_PROVIDERS: (await this.server).reattach };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await (await server.catch(() => undefined))?.stop();
  }
}
