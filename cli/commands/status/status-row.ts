import type { PreviousKeyPolicy } from '../../../core/contract';
import { rotationTime, type SweepDecision } from '../../../core/sweep/decide';
import { day, type Finding, maskAccessKeyId } from '../../../core/sweep/findings';
import type { SecretInspection } from '../../../core/sweep/inspect';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One managed secret as `status` shows it; also the element of `status --json` (stable field names, no key material). */
export interface StatusRow {
  readonly secret: string;
  readonly arn: string;
  readonly user: string;
  readonly rotationEnabled: boolean;
  readonly previousKeyPolicy: PreviousKeyPolicy & { readonly source: 'stack' | 'secret tag' };
  /** Null before the first rotation. */
  readonly currentKey: {
    readonly id: string;
    readonly createdDate: string | null;
    readonly ageDays: number | null;
  } | null;
  /** ISO 8601 times from ListSecrets. */
  readonly lastRotatedDate: string | null;
  readonly nextRotationDate: string | null;
  /** Null when the secret holds no previous key. */
  readonly previousKey: PreviousKeyStatus | null;
  readonly findings: readonly Finding[];
}

export interface PreviousKeyStatus {
  readonly id: string;
  /** IAM's status, or `deleted` when IAM no longer lists the key. */
  readonly status: 'Active' | 'Inactive' | 'deleted' | string;
  /** The daily sweep deactivates it at its next run (the policy says so now). */
  readonly sweepDeactivatesAtNextRun: boolean;
  /** Under deactivate-after-grace: the day the grace period ends (the sweep deactivates it at its first run after). */
  readonly graceEndsDate: string | null;
  /** IAM's last use; null when never used or unknown (see lastUsedUnknown). */
  readonly lastUsed: { readonly date: string; readonly service: string | null; readonly region: string | null } | null;
  readonly lastUsedUnknown: boolean;
}

/** The row for one inspected secret at `now`; `decision` is decide()'s, whose deactivation status only reports. */
export function statusRow(inspection: SecretInspection, decision: SweepDecision, now: number): StatusRow {
  const { secret, keys, currentKeyId } = inspection;
  const current = keys?.find((key) => key.id === currentKeyId);
  const createdAt = current?.createdAt;
  return {
    secret: secret.name,
    arn: secret.arn,
    user: secret.userName,
    rotationEnabled: secret.rotationEnabled,
    previousKeyPolicy: { ...inspection.policy.policy, source: inspection.policy.source },
    currentKey:
      currentKeyId === undefined
        ? null
        : {
            id: maskAccessKeyId(currentKeyId),
            createdDate: createdAt?.toISOString() ?? null,
            ageDays: createdAt === undefined ? null : Math.floor((now - createdAt.getTime()) / DAY_MS),
          },
    lastRotatedDate: secret.lastRotatedDate?.toISOString() ?? null,
    nextRotationDate: secret.nextRotationDate?.toISOString() ?? null,
    previousKey: previousKeyStatus(inspection, decision),
    findings: [...decision.findings, ...pendingDeactivationFindings(inspection, decision)],
  };
}

function previousKeyStatus(inspection: SecretInspection, decision: SweepDecision): PreviousKeyStatus | null {
  const { previousKeyId, currentKeyId, keys, previousKeyLastUse, policy } = inspection;
  if (previousKeyId === undefined || previousKeyId === currentKeyId) return null;
  const previous = keys?.find((key) => key.id === previousKeyId);
  const rotatedAt = rotationTime(inspection);
  const graceEnds =
    policy.policy.action === 'deactivate-after-grace' && previous?.status === 'Active' && rotatedAt !== undefined
      ? day(rotatedAt + policy.policy.graceDays * DAY_MS)
      : null;
  const lastUse = previousKeyLastUse === 'unknown' ? undefined : previousKeyLastUse;
  return {
    id: maskAccessKeyId(previousKeyId),
    status: previous?.status ?? 'deleted',
    sweepDeactivatesAtNextRun: decision.deactivate !== undefined,
    graceEndsDate: graceEnds,
    lastUsed:
      lastUse?.date === undefined
        ? null
        : { date: lastUse.date.toISOString(), service: lastUse.service ?? null, region: lastUse.region ?? null },
    lastUsedUnknown: previousKeyLastUse === 'unknown',
  };
}

/**
 * decide() words a deactivation as done, because the sweep reports it after doing it. status does nothing: a
 * deactivation despite recent use is still worth a warning, in the future tense; a plain one shows in the table only.
 */
function pendingDeactivationFindings(inspection: SecretInspection, decision: SweepDecision): Finding[] {
  const deactivation = decision.deactivate;
  if (deactivation === undefined || deactivation.finding.severity === 'info') return [];
  const lastUse = inspection.previousKeyLastUse;
  const use =
    lastUse === undefined || lastUse === 'unknown' || lastUse.date === undefined
      ? ''
      : ` although it was used on ${day(lastUse.date)}`;
  return [
    {
      ...deactivation.finding,
      message:
        `The sweep deactivates the previous key ${maskAccessKeyId(deactivation.accessKeyId)} at its next run${use} (policy previousKeyInUse deactivate): ` +
        "point that consumer at the secret's AWSCURRENT value (or iam-key-rotation credentials) before then.",
    },
  ];
}

/** The table's cell for the previous key. */
export function describePreviousKey(row: StatusRow): string {
  const previous = row.previousKey;
  if (previous === null) return 'none';
  if (previous.status !== 'Active') return `${previous.id} ${previous.status}`;
  if (previous.sweepDeactivatesAtNextRun) return `${previous.id} Active, the sweep deactivates it at its next run`;
  if (previous.graceEndsDate !== null) return `${previous.id} Active until ${previous.graceEndsDate}`;
  if (row.previousKeyPolicy.action === 'keep') return `${previous.id} Active (kept until the next rotation)`;
  return `${previous.id} Active`;
}

/** The table's cell for the previous key's last use. */
export function describeLastUse(row: StatusRow): string {
  const previous = row.previousKey;
  if (previous === null || previous.status === 'deleted') return '-';
  if (previous.lastUsedUnknown) return 'unknown';
  if (previous.lastUsed === null) return 'never';
  const where = [previous.lastUsed.service, previous.lastUsed.region].filter((part) => part !== null).join(' ');
  return `${day(new Date(previous.lastUsed.date))}${where === '' ? '' : ` ${where}`}`;
}

/** `2 errors, 1 warning`, or `ok`. */
export function describeFindings(findings: readonly Finding[]): string {
  const counts = (['error', 'warning', 'info'] as const)
    .map((severity) => [findings.filter((finding) => finding.severity === severity).length, severity] as const)
    .filter(([count]) => count > 0)
    .map(([count, severity]) => `${count} ${severity === 'info' ? 'notice' : severity}${count === 1 ? '' : 's'}`);
  return counts.length === 0 ? 'ok' : counts.join(', ');
}
