// What the figures were measured on.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { MOTO_VERSION } from '../../emulator/emulator';

export interface Machine {
  readonly cpus: string;
  readonly memory: string;
  readonly os: string;
  readonly node: string;
  readonly terraform: string;
  readonly moto: string;
  readonly python: string;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((cpu) => cpu.model.trim()))].join(', ');
  return {
    cpus: `${cpus.length} × ${models}`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    terraform: terraformVersion(),
    moto: motoVersion(),
    python: output('python3', ['--version']).replace(/^Python /, '') || 'not found',
  };
}

function terraformVersion(): string {
  const text = output('terraform', ['version', '-json'], { CHECKPOINT_DISABLE: '1' });
  try {
    return (JSON.parse(text) as { terraform_version?: string }).terraform_version ?? 'unknown';
  } catch {
    return 'not found';
  }
}

function motoVersion(): string {
  const found = output('python3', ['-c', 'import moto, sys; sys.stdout.write(moto.__version__)']);
  if (found === '') return 'not found';
  return found === MOTO_VERSION ? found : `${found} (the emulator needs ${MOTO_VERSION})`;
}

function output(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : '';
}
