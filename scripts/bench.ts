// `npm run bench`: measures, side by side in one run, app synthesis at fleet sizes, the rotation function's bundle
// and cold start against the seed's, AWS calls and wall time per rotation and a 100-user terraform plan in the
// emulator, and the throttled fleet rotation; prints each section's figures on stdout as it completes, progress on
// stderr, and writes BENCHMARKS.md. Expects `npm run build` first (dist/main.js, dist/lambda.zip).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Emulator, startEmulator } from '../emulator/emulator';
import { providerMirror } from '../emulator/terraform-env';
import { bundleSize, measureColdStarts } from './bench/cold-start';
import { describeMachine } from './bench/machine';
import { describeMemoryProbe, firstErrorLine, memoryProbe } from './bench/measure';
import { Progress } from './bench/progress';
import {
  type Outcome,
  renderColdStart,
  renderFleet,
  renderHeader,
  renderPlan,
  renderRotations,
  renderSynth,
} from './bench/report';
import { measureRotations } from './bench/rotations';
import { measureSynth, type SynthRow } from './bench/synth';
import { measurePlan } from './bench/terraform-plan';
import { measureThrottledFleet } from './bench/throttled-fleet';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const REPORT_FILE = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

const SETTINGS = {
  synthUsers: integersFromEnv('BENCH_SYNTH_USERS', [1, 100, 1000, 5000]),
  synthRuns: integersFromEnv('BENCH_SYNTH_RUNS', [3])[0]!,
  coldStartRuns: integersFromEnv('BENCH_COLD_RUNS', [15])[0]!,
  timedRotations: 10,
  planUsers: 100,
  fleet: { secrets: 200, throttleEvery: 3 },
  // Keeps the whole run inside its 15 minutes should the fleet rotation hang.
  fleetTimeoutMs: 8 * 60_000,
} as const;

/** Smaller runs while working on the bench, e.g. BENCH_SYNTH_USERS=1,100 BENCH_SYNTH_RUNS=1. */
function integersFromEnv(name: string, fallback: readonly number[]): number[] {
  const text = process.env[name];
  if (text === undefined || text === '') return [...fallback];
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1))
    throw new Error(`${name} must list whole numbers of at least 1, got ${text}`);
  return values;
}

function outcome<T>(work: () => T): Outcome<T> {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    return { ok: false, error: firstErrorLine((error as Error).message) };
  }
}

async function outcomeOf<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: firstErrorLine((error as Error).message) };
  }
}

function commands(): string[] {
  const time =
    memoryProbe() === 'gnu-time'
      ? '/usr/bin/time -f %M -o <work>/time.txt node'
      : 'node --require scripts/bench/max-rss-preload.cjs';
  const mirror = providerMirror();
  return [
    'npm run bench   # npm run build && tsx scripts/bench.ts',
    '',
    `# app synthesis: N in ${SETTINGS.synthUsers.join(' ')}, ${SETTINGS.synthRuns} runs each`,
    `IAM_KEY_ROTATION_CONFIG=<work>/fleet-N.config.json CDKTF_OUTDIR=<work>/cdktf.out-N ${time} dist/main.js`,
    '',
    `# cold start: ${SETTINGS.coldStartRuns} runs each, alternating (AWS_REGION, AWS_DEFAULT_REGION and dummy credentials set)`,
    'node scripts/bench/lambda-cold-init.cjs dist/lambda/index.js',
    'python3 scripts/bench/seed-cold-init.py',
    '',
    '# emulator: python3 emulator/launcher.py (startEmulator), IAM signature checks on; in each synthesized stack folder,',
    `# with ${mirror === undefined ? 'the public registry' : `TF_CLI_CONFIG_FILE installing the AWS provider from ${mirror}`}:`,
    'terraform init -input=false -no-color',
    'terraform apply -auto-approve -input=false -no-color                      # 1-user stack',
    `# then RotateSecret (AWS SDK) ${2 + SETTINGS.timedRotations} times: 1 key, 2 keys, ${SETTINGS.timedRotations} timed`,
    `terraform plan -input=false -detailed-exitcode -out=plan.tfplan -no-color  # ${SETTINGS.planUsers}-user stack`,
    '',
    '# throttled fleet rotation (emulator/throttled-fleet.ts)',
    `runThrottledFleet({ secrets: ${SETTINGS.fleet.secrets}, throttleEvery: ${SETTINGS.fleet.throttleEvery} })`,
  ];
}

async function main(): Promise<number> {
  const progress = new Progress();
  const date = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-bench-'));
  const sections: string[][] = [];
  const emit = (lines: string[]): void => {
    sections.push(lines);
    process.stdout.write(`${lines.join('\n')}\n`);
  };
  let failures = 0;
  const count = <T>(result: Outcome<T>): Outcome<T> => {
    if (!result.ok) failures++;
    return result;
  };
  try {
    progress.step(`work folder ${workDir}`);
    const machine = describeMachine();

    const synthRows: SynthRow[] = [];
    for (const users of SETTINGS.synthUsers) {
      progress.step(`synthesizing ${users.toLocaleString('en-US')} users`);
      // A failed synth is a figure (a row saying why); only a failure of the bench itself counts against the run.
      const row = count(
        outcome(() =>
          measureSynth(users, {
            projectRoot: PROJECT_ROOT,
            workDir,
            runs: SETTINGS.synthRuns,
            progress: progress.step,
          }),
        ),
      );
      synthRows.push(row.ok ? row.value : { users, ok: false, wallMs: 0, error: `the bench failed: ${row.error}` });
    }
    emit(renderSynth(synthRows, describeMemoryProbe()));

    progress.step('rotation function: bundle size and cold starts');
    const bundle = count(outcome(() => bundleSize(PROJECT_ROOT)));
    const coldStarts = count(outcome(() => measureColdStarts(PROJECT_ROOT, SETTINGS.coldStartRuns, progress.step)));
    emit(renderColdStart(bundle, coldStarts));

    progress.step('starting the emulator');
    const started = await outcomeOf(() => startEmulator());
    let emulator: Emulator | undefined;
    try {
      if (started.ok) {
        emulator = started.value;
        await emulator.setFunctionEnv({ [SDK_NODE_WARNING_SWITCH]: 'true' });
        await emulator.enableIamAuth();
      }
      const inEmulator = <T>(work: (running: Emulator) => Promise<T>): Promise<Outcome<T>> =>
        emulator === undefined
          ? Promise.resolve({ ok: false, error: started.ok ? 'no emulator' : started.error })
          : outcomeOf(() => work(emulator!));
      const rotations = count(
        await inEmulator((running) =>
          measureRotations(running, { workDir, timedRotations: SETTINGS.timedRotations, progress: progress.step }),
        ),
      );
      emit(renderRotations(rotations));
      const plan = count(
        await inEmulator((running) =>
          measurePlan(running, { users: SETTINGS.planUsers, workDir, progress: progress.step }),
        ),
      );
      const mirror = providerMirror();
      emit(renderPlan(plan, mirror === undefined ? 'the public registry' : `the filesystem mirror ${mirror}`));
    } finally {
      progress.step('stopping the emulator');
      await emulator?.stop();
    }

    progress.step(
      `throttled fleet rotation: ${SETTINGS.fleet.secrets} secrets, one IAM call in ${SETTINGS.fleet.throttleEvery} throttled`,
    );
    const fleet = await measureThrottledFleet({ ...SETTINGS.fleet, timeoutMs: SETTINGS.fleetTimeoutMs });
    const violations = fleet.status === 'measured' ? fleet.result.violations.length : 0;
    if (fleet.status === 'failed' || violations > 0) failures++;
    progress.step(
      `throttled fleet rotation: ${fleet.status}${violations > 0 ? `, ${violations} invariant violation(s)` : ''}`,
    );
    emit(renderFleet(fleet, SETTINGS.fleet));

    const header = renderHeader({
      date,
      elapsedMs: progress.elapsedMs(),
      loadAverage: { start: loadAtStart, end: os.loadavg()[0]! },
      machine,
      commands: commands(),
    });
    fs.writeFileSync(REPORT_FILE, `${[header, ...sections].map((lines) => lines.join('\n')).join('\n')}`);
    progress.step(
      `wrote ${path.relative(process.cwd(), REPORT_FILE) || REPORT_FILE}${failures > 0 ? `; ${failures} measurement(s) failed` : ''}`,
    );
    return failures > 0 ? 1 : 0;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
