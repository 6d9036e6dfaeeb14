// Runs the real bin (dist/cli/index.js) as a child process, as an operator or credential_process would.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../support/paths';

export const CLI_BIN = path.join(PROJECT_ROOT, 'dist', 'cli', 'index.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Builds the bin unless it is there (npm test builds it first; a lone `npx jest test/cli` may not have). */
export function ensureCliBuilt(): void {
  if (!fs.existsSync(CLI_BIN))
    execFileSync('node', [path.join(PROJECT_ROOT, 'scripts', 'build-cli.mjs')], { cwd: PROJECT_ROOT, stdio: 'ignore' });
}

/** A clean environment: nothing of the caller's AWS identity, no instance metadata lookups, and `env` on top. */
export function cliEnv(env: Record<string, string>, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
}

/** Runs the bin with `args`; `stdinFile`, when given, is piped to its standard input (else it is empty). */
export function runCli(args: readonly string[], env: Record<string, string>, stdinFile?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdinFile === undefined) child.stdin.end();
    else fs.createReadStream(stdinFile).pipe(child.stdin);
  });
}
