// Wall time of work and of fresh processes, with their peak memory (maximum resident set size).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const GNU_TIME = '/usr/bin/time';
const MAX_RSS_PRELOAD = path.join(__dirname, 'max-rss-preload.cjs');
const MAX_RSS_MARKER = 'BENCH_MAX_RSS_KB=';
/** Enough of a failed command's output to show why. */
const OUTPUT_LIMIT_BYTES = 64 * 1024 * 1024;

export interface Measured {
  readonly exitCode: number;
  readonly wallMs: number;
  /** Kilobytes; undefined when it could not be read. */
  readonly peakRssKb: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** How peak memory is read on this machine: GNU time where it exists, else Node's own resource usage. */
export function memoryProbe(): 'gnu-time' | 'node-resource-usage' {
  return isGnuTime() ? 'gnu-time' : 'node-resource-usage';
}

export function describeMemoryProbe(): string {
  return memoryProbe() === 'gnu-time'
    ? `\`${GNU_TIME} -f %M\` (GNU time: the process's maximum resident set size)`
    : '`process.resourceUsage().maxRSS` read at exit by a preloaded module (scripts/bench/max-rss-preload.cjs)';
}

let gnuTime: boolean | undefined;
function isGnuTime(): boolean {
  gnuTime ??= spawnSync(GNU_TIME, ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU') ?? false;
  return gnuTime;
}

/** Wall time of some asynchronous work, in milliseconds. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Runs `node <args>` and measures it. */
export function measureNode(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Measured {
  if (isGnuTime()) return measureWithGnuTime(process.execPath, args, options);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--require', MAX_RSS_PRELOAD, ...args], {
    ...options,
    encoding: 'utf8',
    maxBuffer: OUTPUT_LIMIT_BYTES,
  });
  const wallMs = performance.now() - started;
  const marker = result.stderr.split('\n').find((line) => line.startsWith(MAX_RSS_MARKER));
  return {
    exitCode: result.status ?? -1,
    wallMs,
    peakRssKb: marker === undefined ? undefined : Number(marker.slice(MAX_RSS_MARKER.length)),
    stdout: result.stdout,
    stderr: result.stderr
      .split('\n')
      .filter((line) => !line.startsWith(MAX_RSS_MARKER))
      .join('\n'),
  };
}

function measureWithGnuTime(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Measured {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-bench-time-'));
  const report = path.join(reportDir, 'time.txt');
  try {
    const started = performance.now();
    const result = spawnSync(GNU_TIME, ['-f', '%M', '-o', report, command, ...args], {
      ...options,
      encoding: 'utf8',
      maxBuffer: OUTPUT_LIMIT_BYTES,
    });
    const wallMs = performance.now() - started;
    // After a failure GNU time writes "Command exited with non-zero status N" first: the figure is the last line.
    const lastLine = fs.readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
    return {
      exitCode: result.status ?? -1,
      wallMs,
      peakRssKb: /^\d+$/.test(lastLine) ? Number(lastLine) : undefined,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  } finally {
    fs.rmSync(reportDir, { recursive: true, force: true });
  }
}

/**
 * The line that says why a command failed: its first line, with the next one when the first only announces a list
 * ("Validation failed with the following errors:").
 */
export function firstErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return '(no output)';
  const [first, second] = lines;
  return first!.endsWith(':') && second !== undefined ? `${first} ${second}` : first!;
}
