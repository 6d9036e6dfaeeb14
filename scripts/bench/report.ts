// BENCHMARKS.md: one section per measurement, each a table with what it measured and how.
import type { BundleSize, ColdStarts } from './cold-start';
import type { Machine } from './machine';
import type { PlanFigures } from './terraform-plan';
import type { RotationFigures } from './rotations';
import { SEED_CALLS_BY_ACTION } from './seed-calls';
import type { FleetFigures } from './throttled-fleet';
import type { SynthRow } from './synth';
import { slope } from './stats';

/** A section's figures, or why they could not be measured. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const SYNTH_TARGET = { users: 5000, ms: 10_000 } as const;
export const COLD_START_TARGET_RATIO = 0.5;

const count = (value: number): string => value.toLocaleString('en-US');
const ms = (value: number): string => `${count(Math.round(value))} ms`;
const secondsText = (value: number): string => `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
const mib = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${count(Math.round(kb / 1024))} MiB`);
const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function failedSection(title: string, error: string): string[] {
  return [`## ${title}`, '', `**Not measured**: ${error}`, ''];
}

export interface Header {
  readonly date: Date;
  readonly elapsedMs: number;
  /** One-minute load averages when the run started and ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly machine: Machine;
  readonly commands: readonly string[];
}

export function renderHeader(header: Header): string[] {
  const { machine } = header;
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (scripts/bench.ts) on ${header.date.toISOString().replace(/\.\d+Z$/, 'Z')}; every figure below ` +
      `comes from that one run, which took ${(header.elapsedMs / 60_000).toFixed(1)} minutes (build excluded). Load average ` +
      `(1 min) at its start ${header.loadAverage.start.toFixed(2)}, at its end ${header.loadAverage.end.toFixed(2)}: ` +
      'other work on the machine slows single timings, so compare figures within this file.',
    '',
    ...markdownTable(
      ['Machine', ''],
      [
        ['CPUs', machine.cpus],
        ['Memory', machine.memory],
        ['OS', machine.os],
        ['Node', machine.node],
        ['Terraform', machine.terraform],
        ['moto', machine.moto],
        ['Python', machine.python],
      ],
    ),
    '',
    'Commands (from the project root, after `npm run build`; `<work>` is a temporary folder):',
    '',
    '```sh',
    ...header.commands,
    '```',
    '',
  ];
}

export interface SynthGrowth {
  /** Least-squares slope of synth time over users, milliseconds per user. */
  readonly msPerUser: number | undefined;
  /** Slopes between consecutive measured sizes, milliseconds per user. */
  readonly segments: readonly { readonly from: number; readonly to: number; readonly msPerUser: number }[];
  /** Synth time at 5,000 users over that at 1,000 (at most 5 when growth is linear with a fixed start-up). */
  readonly ratio5000to1000: number | undefined;
}

export function synthGrowth(rows: readonly SynthRow[]): SynthGrowth {
  const measured = rows.filter((row) => row.ok).sort((a, b) => a.users - b.users);
  const points = measured.map((row) => ({ x: row.users, y: row.wallMs }));
  const at = (users: number): number | undefined => measured.find((row) => row.users === users)?.wallMs;
  const fiveThousand = at(5000);
  const oneThousand = at(1000);
  return {
    msPerUser: new Set(points.map((point) => point.x)).size >= 2 ? slope(points) : undefined,
    segments: measured.slice(1).map((row, index) => ({
      from: measured[index]!.users,
      to: row.users,
      msPerUser: (row.wallMs - measured[index]!.wallMs) / (row.users - measured[index]!.users),
    })),
    ratio5000to1000: fiveThousand !== undefined && oneThousand !== undefined ? fiveThousand / oneThousand : undefined,
  };
}

export function renderSynth(rows: readonly SynthRow[], memoryProbe: string): string[] {
  const measured = rows.filter((row) => row.ok);
  const base = measured.length > 0 ? measured.reduce((a, b) => (a.users <= b.users ? a : b)) : undefined;
  type Measured = Extract<SynthRow, { ok: true }>;
  // Marginal: what each further user adds, the fixed part of the stack (function, role, alarms...) left out.
  const perUser = (
    row: Measured,
    value: (measured: Measured) => number,
    format: (perUser: number) => string,
  ): string =>
    base === undefined || row.users === base.users ? '' : format((value(row) - value(base)) / (row.users - base.users));
  const table = markdownTable(
    [
      'Users',
      'Synth time',
      'Runs',
      'Peak memory',
      'cdk.tf.json',
      'Resources',
      'Data sources',
      'Resources per user',
      'JSON bytes per user',
    ],
    rows.map((row) =>
      row.ok
        ? [
            count(row.users),
            secondsText(row.wallMs),
            String(row.runs),
            mib(row.peakRssKb),
            `${count(row.tfJsonBytes)} bytes`,
            count(row.resources),
            count(row.dataSources),
            perUser(
              row,
              (r) => r.resources,
              (v) => v.toFixed(2),
            ),
            perUser(
              row,
              (r) => r.tfJsonBytes,
              (v) => count(Math.round(v)),
            ),
          ]
        : [count(row.users), `failed after ${secondsText(row.wallMs)}`, '1', mib(row.peakRssKb), '', '', '', '', ''],
    ),
  );
  const growth = synthGrowth(rows);
  const target = rows.find((row) => row.users === SYNTH_TARGET.users);
  return [
    '## App synthesis',
    '',
    `\`node dist/main.js\` (the precompiled app, no cdktf CLI) with a generated config of N existing users ` +
      '(`scripts/bench/fleet-config.ts`: looked up by name, default settings); time and memory are the median of the runs. ' +
      'Time is the whole process, start-up included. Per-user columns are marginal: (value at N − value at the smallest size) / ' +
      '(N − that size); each user is also one data source (its IAM user looked up). ' +
      `Peak memory: ${memoryProbe}.`,
    '',
    ...table,
    '',
    ...rows.flatMap((row) => (row.ok ? [] : [`- ${count(row.users)} users: synth failed: ${row.error}`])),
    `- Target: ${count(SYNTH_TARGET.users)} users under ${SYNTH_TARGET.ms / 1000} s: ` +
      (target === undefined
        ? 'not measured.'
        : target.ok
          ? `${secondsText(target.wallMs)}, ${target.wallMs < SYNTH_TARGET.ms ? 'met' : 'missed'}.`
          : 'synth failed.'),
    `- Growth: ${growth.msPerUser === undefined ? 'fewer than two sizes synthesized' : `${growth.msPerUser.toFixed(2)} ms per user (least-squares slope)`}` +
      (growth.segments.length > 0
        ? `; between sizes: ${growth.segments.map((s) => `${count(s.from)}→${count(s.to)} ${s.msPerUser.toFixed(2)} ms/user`).join(', ')}`
        : '') +
      `; time at 5,000 / time at 1,000: ${growth.ratio5000to1000 === undefined ? 'n/a (not both synthesized)' : growth.ratio5000to1000.toFixed(2)} ` +
      '(linear growth with a fixed start-up cost gives at most 5, and equal slopes between sizes).',
    '',
  ];
}

export function renderColdStart(bundle: Outcome<BundleSize>, cold: Outcome<ColdStarts>): string[] {
  const title = 'Rotation function: bundle and cold start';
  if (!bundle.ok) return failedSection(title, bundle.error);
  const sizeRows = [
    ['dist/lambda/index.js (bundle, AWS SDK included)', `${count(bundle.value.bundleBytes)} bytes`],
    ['dist/lambda.zip (what Terraform deploys)', `${count(bundle.value.zipBytes)} bytes`],
  ];
  const lines = ['## Rotation function: bundle and cold start', '', ...markdownTable(['File', 'Size'], sizeRows), ''];
  if (!cold.ok) return [...lines, `**Cold start not measured**: ${cold.error}`, ''];
  const c = cold.value;
  const ratio = c.lambdaInitMs / c.seedInitMs;
  return [
    ...lines,
    `Cold initialisation, median of ${c.runs} fresh processes each, alternating, after one warm-up each. Ours: node loads ` +
      '`dist/lambda/index.js`, whose module scope creates its Secrets Manager, IAM and SNS clients ' +
      "(`scripts/bench/lambda-cold-init.cjs`). The seed: its Python function runs on the Lambda runtime's boto3; the " +
      'stand-in `scripts/bench/seed-cold-init.py` does what it does before its first call (imports json, logging, os, ' +
      `time and boto3 ${c.boto3Version}, sets the log level, creates a Secrets Manager and an IAM client). "Init" is timed ` +
      'inside the process; "process" is the whole run timed by the parent, interpreter start-up and exit included.',
    '',
    ...markdownTable(
      ['', 'Ours (Node, AWS SDK v3 bundle)', 'Seed stand-in (Python, boto3)', 'Ours / seed'],
      [
        ['Init: module load + clients', ms(c.lambdaInitMs), ms(c.seedInitMs), ratio.toFixed(2)],
        ['Whole process', ms(c.lambdaProcessMs), ms(c.seedProcessMs), (c.lambdaProcessMs / c.seedProcessMs).toFixed(2)],
      ],
    ),
    '',
    `- Target: at most ${COLD_START_TARGET_RATIO} of the seed's init: ${ratio.toFixed(2)}, ${ratio <= COLD_START_TARGET_RATIO ? 'met' : 'missed'}.`,
    '',
  ];
}

export function renderRotations(rotations: Outcome<RotationFigures>): string[] {
  const title = 'AWS calls per rotation (emulator)';
  if (!rotations.ok) return failedSection(title, rotations.error);
  const r = rotations.value;
  return [
    `## ${title}`,
    '',
    'A one-user stack (`scripts/bench/fleet-config.ts`, the user created by the stack, default previous-key policy: ' +
      'deactivate after a grace period) applied by terraform to the emulator with IAM signature checks on; its apply ' +
      'made the first key. RotateSecret then runs the four steps, each invoking the deployed zip in a fresh node ' +
      "process. The calls counted are those the emulator logged during one rotation, signed by any key but the bench's " +
      "own: the function's role, and the new key its test signs with.",
    '',
    ...markdownTable(
      ['Scenario', 'Ours', 'Seed', 'Ours, by action', 'Of which error answers', 'Wall time'],
      r.calls.map((row) => [
        `${row.scenario} (${row.keysBefore} before)`,
        String(row.calls),
        String(row.seedCalls),
        row.byAction.join(', '),
        row.errorAnswers.length === 0 ? '0' : `${row.errorAnswers.length} (${row.errorAnswers.join(', ')})`,
        secondsText(row.wallMs),
      ]),
    ),
    '',
    `The seed's counts are issue 9's; from its handler: ${SEED_CALLS_BY_ACTION.join(', ')}.`,
    '',
    ...markdownTable(
      ['Rotations through the emulator', 'Median', 'Fastest', 'Slowest'],
      [
        [
          `${r.timedRotations} (RotateSecret to its return, 2 keys before each)`,
          secondsText(r.medianRotationMs),
          secondsText(r.minRotationMs),
          secondsText(r.maxRotationMs),
        ],
      ],
    ),
    '',
    `Deploying that stack: terraform init ${secondsText(r.initMs)}, apply ${secondsText(r.applyMs)} (first rotation included).`,
    '',
  ];
}

export function renderPlan(plan: Outcome<PlanFigures>, providerSource: string): string[] {
  const title = 'terraform plan (emulator)';
  if (!plan.ok) return failedSection(title, plan.error);
  const p = plan.value;
  return [
    `## ${title}`,
    '',
    `The app's stack for ${count(p.users)} users synthesized against the emulator and planned there: an account that ` +
      `holds the ${count(p.users)} IAM users (created through the API first; the stack looks each up) and nothing of ` +
      `the stack, so every resource is to add. AWS provider ${p.providerVersion} from ${providerSource}.`,
    '',
    ...markdownTable(
      ['Users', 'terraform init', 'terraform plan', 'Plan'],
      [[count(p.users), secondsText(p.initMs), secondsText(p.planMs), p.summary]],
    ),
    '',
  ];
}

export function renderFleet(fleet: FleetFigures, options: { secrets: number; throttleEvery: number }): string[] {
  const lines = [
    '## Throttled fleet rotation (emulator)',
    '',
    `\`runThrottledFleet({ secrets: ${options.secrets}, throttleEvery: ${options.throttleEvery} })\` from ` +
      '`emulator/throttled-fleet.ts`: that many secrets rotated at once while the emulator throttles one IAM call in ' +
      `${options.throttleEvery}.`,
    '',
  ];
  if (fleet.status === 'failed') return [...lines, `**Failed** after ${secondsText(fleet.wallMs)}: ${fleet.error}`, ''];
  const r = fleet.result;
  return [
    ...lines,
    ...markdownTable(
      ['Secrets', 'Time to converge', 'Rounds', 'Faults injected', 'SDK retries', 'Invariant violations', 'Whole run'],
      [
        [
          count(r.secrets),
          secondsText(r.convergeMs),
          count(r.rounds),
          count(r.faultsInjected),
          count(r.sdkRetries),
          count(r.violations.length),
          secondsText(fleet.wallMs),
        ],
      ],
    ),
    '',
  ];
}
