// App synthesis at fleet sizes: the precompiled app (node dist/main.js) with a generated config, no cdktf CLI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fleetConfig } from './fleet-config';
import { firstErrorLine, measureNode } from './measure';
import { median } from './stats';

// The stack folder main.ts writes (its STACK_NAME); not imported, so the bench process never loads cdktf for it.
const STACK_FOLDER = path.join('stacks', 'iam-key-rotation');

export type SynthRow =
  | {
      readonly users: number;
      readonly ok: true;
      readonly runs: number;
      /** Median of the runs. */
      readonly wallMs: number;
      /** Median of the runs, kilobytes. */
      readonly peakRssKb: number | undefined;
      readonly tfJsonBytes: number;
      readonly resources: number;
      readonly dataSources: number;
    }
  | {
      readonly users: number;
      readonly ok: false;
      readonly wallMs: number;
      readonly peakRssKb?: number;
      readonly error: string;
    };

// A synth slower than this is measured once: its noise is small next to it, and the run keeps to its time budget.
const REPEAT_BELOW_MS = 20_000;

export interface SynthOptions {
  readonly projectRoot: string;
  readonly workDir: string;
  /** Runs per size (fewer for a size slower than 20 s). */
  readonly runs: number;
  readonly progress: (message: string) => void;
}

export function measureSynth(users: number, options: SynthOptions): SynthRow {
  const configPath = path.join(options.workDir, `fleet-${users}.config.json`);
  fs.writeFileSync(configPath, JSON.stringify(fleetConfig({ users }), null, 2));
  const wallTimes: number[] = [];
  const peaks: number[] = [];
  let stackJson = '';
  for (let run = 1; run <= options.runs && (run === 1 || wallTimes[0]! < REPEAT_BELOW_MS); run++) {
    const outdir = path.join(options.workDir, `cdktf.out-${users}`);
    fs.rmSync(outdir, { recursive: true, force: true });
    const measured = measureNode(['dist/main.js'], {
      cwd: options.projectRoot,
      env: { ...process.env, IAM_KEY_ROTATION_CONFIG: configPath, CDKTF_OUTDIR: outdir },
    });
    if (measured.exitCode !== 0) {
      const error = firstErrorLine(measured.stderr || measured.stdout);
      options.progress(`synth ${users} users: failed after ${(measured.wallMs / 1000).toFixed(1)} s: ${error}`);
      return { users, ok: false, wallMs: measured.wallMs, peakRssKb: measured.peakRssKb, error };
    }
    options.progress(`synth ${users} users, run ${run}/${options.runs}: ${(measured.wallMs / 1000).toFixed(2)} s`);
    wallTimes.push(measured.wallMs);
    if (measured.peakRssKb !== undefined) peaks.push(measured.peakRssKb);
    stackJson = fs.readFileSync(path.join(outdir, STACK_FOLDER, 'cdk.tf.json'), 'utf8');
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  const { resources, dataSources } = countBlocks(stackJson);
  return {
    users,
    ok: true,
    runs: wallTimes.length,
    wallMs: median(wallTimes),
    peakRssKb: peaks.length > 0 ? median(peaks) : undefined,
    tfJsonBytes: Buffer.byteLength(stackJson),
    resources,
    dataSources,
  };
}

type Blocks = Record<string, Record<string, unknown>>;

/** Resources and data sources in a Terraform JSON configuration. */
export function countBlocks(terraformJson: string): { resources: number; dataSources: number } {
  const document = JSON.parse(terraformJson) as { resource?: Blocks; data?: Blocks };
  const count = (blocks: Blocks | undefined): number =>
    Object.values(blocks ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
  return { resources: count(document.resource), dataSources: count(document.data) };
}
