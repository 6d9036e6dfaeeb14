// The review of one plan: what each section finds, as the tables of the Markdown report.
import { accessChanges, type AccessRow } from './access-changes';
import type { Blocker } from './blocker';
import { findBlockers } from './blockers';
import { type Cell, shownLine, textCell } from './cells';
import { destroyedResources } from './destroyed';
import type { AcceptedFunctionCode } from './function-code';
import type { ReportDocument, Table } from './markdown';
import { knownResources, type Plan } from './plan';
import { policyDocuments } from './policy-documents';
import { rotationsAtApply, scheduleChanges } from './rotations';
import { accountChanges } from './users-and-secrets';

export interface Review {
  readonly document: ReportDocument;
  readonly blockers: readonly Blocker[];
  /** Policies that cannot be reviewed (known only after apply, sensitive, unreadable). */
  readonly warnings: number;
}

export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly replace: number;
}

export interface ReviewOptions {
  /** The rotation function's code the review accepts: this package's zip and the user's `--function-code`. */
  readonly functionCode: AcceptedFunctionCode;
}

export function reviewPlan(plan: Plan, title: string, options: ReviewOptions): Review {
  const resources = knownResources(plan);
  const documents = policyDocuments(plan);
  const blockers = findBlockers(plan, documents, resources, options.functionCode);
  const access = accessChanges(plan, documents, resources);
  const warnings = access.filter((row) => row.change === 'warning').length;
  const counts = countChanges(plan);
  const tables: Table[] = [
    {
      heading: 'Users and secrets added or removed',
      columns: ['change', 'kind', 'name', 'user', 'recovery'],
      rows: accountChanges(plan).map((row) => [
        textCell(row.change),
        textCell(row.kind),
        row.names.map((name, position) => shownLine(name, position > 0 ? { prefix: '→' } : {})),
        row.user === undefined ? [] : [shownLine(row.user)],
        row.recovery === undefined ? [] : textCell(row.recovery),
      ]),
    },
    {
      heading: 'Schedule changes',
      columns: ['secret', 'before', 'after'],
      rows: scheduleChanges(plan, resources).map((row) => [
        [shownLine(row.secret)],
        [{ code: row.before }],
        [{ code: row.after }],
      ]),
    },
    {
      heading: 'Keys that rotate at apply',
      intro: 'Each of these makes a new key for its user during the apply, not in its next rotation window.',
      columns: ['secret', 'resource', 'why'],
      rows: rotationsAtApply(plan, resources).map((row) => [
        [shownLine(row.secret)],
        [{ code: row.address }],
        [{ markdown: row.why }],
      ]),
    },
    {
      heading: 'Who may act on keys or read secrets',
      intro:
        'Statements added, removed or changed (a changed one shows only the elements it gains, `+`, and loses, `-`).',
      columns: ['change', 'resource', 'statement', 'who', 'effect', 'actions', 'on', 'conditions'],
      rows: access.map(accessCells),
    },
    {
      heading: 'Destroyed',
      columns: ['resource', 'action', 'reason'],
      rows: destroyedResources(plan).map((row) => [
        [{ code: row.address }],
        textCell(row.action),
        row.reason === undefined ? [] : [{ markdown: row.reason }],
      ]),
    },
  ];
  return {
    blockers,
    warnings,
    document: {
      title,
      summary: summaryLines(counts, blockers.length, warnings),
      blockers: {
        heading: 'Blockers',
        columns: ['resource', 'statement', 'finding'],
        rows: blockers.map((blocker) => [
          [{ code: blocker.address }],
          blocker.sid === undefined ? textCell('-') : [{ code: blocker.sid }],
          [{ markdown: blocker.finding }],
        ]),
      },
      tables,
    },
  };
}

/** Terraform's own counts, with replacements apart (Terraform counts each as one add and one destroy). */
export function countChanges(plan: Plan): PlanCounts {
  const count = (kind: string) =>
    plan.resourceChanges.filter((change) => change.mode === 'managed' && change.kind === kind).length;
  return { add: count('create'), change: count('update'), destroy: count('delete'), replace: count('replace') };
}

function summaryLines(counts: PlanCounts, blockers: number, warnings: number): string[] {
  if (counts.add + counts.change + counts.destroy + counts.replace === 0) {
    return ['No changes: the plan creates, changes and destroys nothing.', '', '**No blockers.**'];
  }
  const verdict =
    blockers === 0
      ? '**No blockers.**'
      : `**${blockers} ${blockers === 1 ? 'blocker' : 'blockers'}**: see below before applying.`;
  const unreviewed =
    warnings === 0
      ? ''
      : ` ${warnings} ${warnings === 1 ? 'policy is' : 'policies are'} known only after apply or not shown, and could not be reviewed.`;
  return [
    `**${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy, ${counts.replace} to replace.**`,
    '',
    `${verdict}${unreviewed}`,
  ];
}

function accessCells(row: AccessRow): Cell[] {
  return [
    textCell(row.change),
    [{ code: row.address }],
    row.statement,
    row.who,
    row.effect,
    row.actions,
    row.on,
    row.conditions,
  ];
}
