// The rotation function's bundle size and cold initialisation, side by side with a stand-in for the seed's
// Python function (boto3 imported, its clients created).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from './stats';

const LAMBDA_INIT = path.join(__dirname, 'lambda-cold-init.cjs');
const SEED_INIT = path.join(__dirname, 'seed-cold-init.py');
/** What the Lambda runtime provides: a region, and credentials the clients are created with (not used here). */
const FUNCTION_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface BundleSize {
  readonly bundleBytes: number;
  readonly zipBytes: number;
}

export function bundleSize(projectRoot: string): BundleSize {
  return {
    bundleBytes: fs.statSync(path.join(projectRoot, 'dist', 'lambda', 'index.js')).size,
    zipBytes: fs.statSync(path.join(projectRoot, 'dist', 'lambda.zip')).size,
  };
}

export interface ColdStarts {
  readonly runs: number;
  /** Medians, milliseconds: module load and client creation, timed inside the process. */
  readonly lambdaInitMs: number;
  readonly seedInitMs: number;
  /** Medians, milliseconds: the whole process, interpreter start and exit included, timed by the parent. */
  readonly lambdaProcessMs: number;
  readonly seedProcessMs: number;
  readonly boto3Version: string;
}

interface InitRun {
  readonly initMs: number;
  readonly processMs: number;
}

function runInit(command: string, args: readonly string[], cwd: string): InitRun {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...FUNCTION_ENV }, encoding: 'utf8' });
  const processMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr || result.error?.message}`,
    );
  }
  const { initMs } = JSON.parse(result.stdout) as { initMs: number };
  return { initMs, processMs };
}

/**
 * `runs` cold starts of each, alternating (so both see the same machine load), after one discarded warm-up each
 * that fills the file cache as a reused Lambda host would have it.
 */
export function measureColdStarts(projectRoot: string, runs: number, progress: (message: string) => void): ColdStarts {
  const bundle = path.join(projectRoot, 'dist', 'lambda', 'index.js');
  const lambda = (): InitRun => runInit(process.execPath, [LAMBDA_INIT, bundle], projectRoot);
  const seed = (): InitRun => runInit('python3', [SEED_INIT], projectRoot);
  lambda();
  seed();
  const lambdaRuns: InitRun[] = [];
  const seedRuns: InitRun[] = [];
  for (let run = 1; run <= runs; run++) {
    lambdaRuns.push(lambda());
    seedRuns.push(seed());
    if (run % 5 === 0 || run === runs) progress(`cold starts: ${run}/${runs} of each`);
  }
  const boto3 = spawnSync('python3', ['-c', 'import boto3, sys; sys.stdout.write(boto3.__version__)'], {
    encoding: 'utf8',
  });
  return {
    runs,
    lambdaInitMs: median(lambdaRuns.map((run) => run.initMs)),
    seedInitMs: median(seedRuns.map((run) => run.initMs)),
    lambdaProcessMs: median(lambdaRuns.map((run) => run.processMs)),
    seedProcessMs: median(seedRuns.map((run) => run.processMs)),
    boto3Version: boto3.status === 0 ? boto3.stdout : 'unknown',
  };
}
