import { userNameCaseProblem } from '../managed-secrets';
import { day, type Finding, maskAccessKeyId } from './findings';
import type { AccessKeyState, SecretInspection } from './inspect';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A rotation window lasts at most a day, and Secrets Manager retries a failed rotation: a day late is overdue. */
const OVERDUE_AFTER_MS = DAY_MS;
/** Rotations take seconds, retries minutes: an AWSPENDING version older than this is not a rotation still running. */
const STUCK_AFTER_MS = 60 * 60 * 1000;
/** A secret the stack created today may not have had its first rotation yet. */
const FIRST_ROTATION_WITHIN_MS = DAY_MS;

/** A deactivation the sweep decided on, and the finding to report once it succeeded. */
export interface Deactivation {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly finding: Finding;
}

export interface SweepDecision {
  readonly findings: readonly Finding[];
  readonly deactivate?: Deactivation;
}

/**
 * What the sweep does and reports for one inspected secret at time `now` (epoch ms). Pure: the same inspection and
 * time always give the same decision. Only the previous key is ever deactivated, never the AWSCURRENT one, and only
 * when IAM lists it Active.
 */
export function decide(inspection: SecretInspection, now: number): SweepDecision {
  const { secret, policy, keys } = inspection;
  const findings: Finding[] = [];
  const report = (severity: Finding['severity'], code: Finding['code'], message: string): void => {
    findings.push({ code, severity, secret: secret.name, user: secret.userName, message });
  };
  const rotateHint = `then run \`iam-key-rotation rotate ${secret.name}\``;

  if (policy.problem !== undefined)
    report('warning', 'policy-tag-invalid', `${policy.problem}. Run terraform apply to restore the tag.`);
  for (const problem of inspection.problems)
    report('error', 'unreadable-value', `${problem}. Restore a valid value from an earlier version, ${rotateHint}.`);

  if (secret.userName === '') {
    report(
      'error',
      'user-tag-blank',
      "The secret's iam-key-rotation:user tag is blank, so it names no user to rotate. Run terraform apply to restore it.",
    );
    return { findings };
  }
  if (inspection.userNameInIam !== undefined) {
    report('error', 'secret-unbound', userNameCaseMessage(secret.userName, inspection.userNameInIam));
    return { findings };
  }
  if (!secret.rotationEnabled) {
    report(
      'error',
      'rotation-disabled',
      'Rotation is turned off on the secret, so its key no longer rotates. Run terraform apply to turn it back on.',
    );
  } else {
    checkSchedule(inspection, now, report, rotateHint);
  }
  if (keys === undefined) {
    report(
      'error',
      'user-missing',
      `IAM user ${secret.userName} does not exist, so its key cannot rotate. Remove the user from the stack's config, or recreate the user.`,
    );
    return { findings };
  }
  checkKeys(inspection, keys, report, rotateHint);
  const deactivate = previousKeyDecision(inspection, keys, now, report);
  return { findings, ...(deactivate === undefined ? {} : { deactivate }) };
}

/** The tag names the user in another case than IAM: nothing about the keys is judged, none is changed. */
function userNameCaseMessage(userTag: string, nameInIam: string): string {
  const fix =
    nameInIam === ''
      ? ''
      : ` If the stack's config names the user ${userTag}, write it as IAM does (${nameInIam}) and apply.`;
  return (
    `The secret does not bind its user: ${userNameCaseProblem(userTag, nameInIam)}; so the sweep skipped it and the function refuses to rotate it.` +
    `${fix} If the stack did not make the secret, find out who did (CloudTrail CreateSecret) and delete it.`
  );
}

type Report = (severity: Finding['severity'], code: Finding['code'], message: string) => void;

function checkSchedule(
  { secret, pendingVersion, currentKeyId }: SecretInspection,
  now: number,
  report: Report,
  rotateHint: string,
): void {
  if (
    pendingVersion !== undefined &&
    (pendingVersion.createdAt === undefined || now - pendingVersion.createdAt.getTime() > STUCK_AFTER_MS)
  ) {
    const since = pendingVersion.createdAt === undefined ? '' : ` since ${day(pendingVersion.createdAt)}`;
    report(
      'error',
      'rotation-stuck',
      `A rotation has not finished${since} (AWSPENDING on version ${pendingVersion.id}), and no other can start. Find its error in the rotation function's log group, fix the cause, ${rotateHint} to finish it.`,
    );
    return;
  }
  if (currentKeyId === undefined) {
    if (secret.createdDate === undefined || now - secret.createdDate.getTime() > FIRST_ROTATION_WITHIN_MS) {
      report(
        'error',
        'never-rotated',
        `The secret holds no key yet: its first rotation has not succeeded. Find the error in the rotation function's log group, ${rotateHint}.`,
      );
    }
    return;
  }
  const due = dueDate(secret.nextRotationDate, secret.lastRotatedDate, secret.automaticallyAfterDays);
  if (due !== undefined && now - due > OVERDUE_AFTER_MS) {
    const last = secret.lastRotatedDate === undefined ? '' : `, last rotated ${day(secret.lastRotatedDate)}`;
    report(
      'error',
      'rotation-overdue',
      `Rotation is overdue: it was due ${day(due)}${last}. Find the failed rotation in the rotation function's log group, fix the cause, ${rotateHint}.`,
    );
  }
}

/** Secrets Manager's next rotation date, else the last rotation plus the schedule's days. */
function dueDate(next: Date | undefined, last: Date | undefined, afterDays: number | undefined): number | undefined {
  if (next !== undefined) return next.getTime();
  if (last !== undefined && afterDays !== undefined) return last.getTime() + afterDays * DAY_MS;
  return undefined;
}

function checkKeys(
  inspection: SecretInspection,
  keys: readonly AccessKeyState[],
  report: Report,
  rotateHint: string,
): void {
  const { currentKeyId, previousKeyId, pendingKeyId, secret } = inspection;
  if (currentKeyId !== undefined) {
    const current = keys.find((key) => key.id === currentKeyId);
    if (current === undefined) {
      report(
        'error',
        'current-key-missing',
        `The secret's AWSCURRENT key ${maskAccessKeyId(currentKeyId)} no longer exists in IAM, so the secret's consumers cannot authenticate. Rotate now: run \`iam-key-rotation rotate ${secret.name}\`.`,
      );
    } else if (current.status !== 'Active') {
      report(
        'error',
        'current-key-inactive',
        `The secret's AWSCURRENT key ${maskAccessKeyId(currentKeyId)} is ${current.status}, so the secret's consumers cannot authenticate. Set it Active again (aws iam update-access-key), ${rotateHint}.`,
      );
    }
  }
  const known = new Set([currentKeyId, previousKeyId, pendingKeyId].filter((id): id is string => id !== undefined));
  for (const key of keys) {
    if (key.status === 'Active' && !known.has(key.id)) {
      report(
        'error',
        'unknown-active-key',
        `User ${secret.userName} has an Active key ${maskAccessKeyId(key.id)} that the secret does not hold: it was made outside the rotation, and a rotation fails while it takes the user's second key slot. Find who uses it (aws iam get-access-key-last-used), move them to the secret, then deactivate and delete it.`,
      );
    }
  }
}

/** The previous-key policy, applied: the one place the sweep decides to change IAM. */
function previousKeyDecision(
  inspection: SecretInspection,
  keys: readonly AccessKeyState[],
  now: number,
  report: Report,
): Deactivation | undefined {
  const { previousKeyId, currentKeyId, secret, previousKeyLastUse } = inspection;
  const { action, graceDays, inUse } = inspection.policy.policy;
  if (previousKeyId === undefined || previousKeyId === currentKeyId || action === 'keep') return undefined;
  const previous = keys.find((key) => key.id === previousKeyId);
  if (previous === undefined || previous.status !== 'Active') return undefined;
  const masked = maskAccessKeyId(previousKeyId);
  const deactivation = (severity: Finding['severity'], code: Finding['code'], message: string): Deactivation => ({
    accessKeyId: previousKeyId,
    userName: secret.userName,
    finding: { code, severity, secret: secret.name, user: secret.userName, message },
  });
  if (action === 'deactivate') {
    return deactivation(
      'info',
      'previous-key-deactivated',
      `Deactivated the previous key ${masked}, which its rotation had left Active (policy deactivate). Nothing to do.`,
    );
  }
  const rotatedAt = rotationTime(inspection);
  if (rotatedAt === undefined || now < rotatedAt + graceDays * DAY_MS) return undefined;
  const days = Math.floor((now - rotatedAt) / DAY_MS);
  if (previousKeyLastUse === 'unknown' || previousKeyLastUse === undefined) {
    const why = inspection.previousKeyLastUseError === undefined ? '' : ` (${inspection.previousKeyLastUseError})`;
    report(
      'warning',
      'previous-key-last-use-unknown',
      `The grace period of the previous key ${masked} has passed, but IAM could not tell when it was last used${why}, so it stays Active. The sweep tries again tomorrow.`,
    );
    return undefined;
  }
  const usedAt = previousKeyLastUse.date;
  if (usedAt === undefined || usedAt.getTime() <= rotatedAt) {
    return deactivation(
      'info',
      'previous-key-deactivated',
      `Deactivated the previous key ${masked}: ${days} days since the rotation, unused since. Nothing to do.`,
    );
  }
  const where = `${previousKeyLastUse.service ?? 'an unknown service'} in ${previousKeyLastUse.region ?? 'an unknown region'}`;
  const use = `was used on ${day(usedAt)} by ${where}, after the rotation on ${day(rotatedAt)}`;
  if (inUse === 'deactivate') {
    return deactivation(
      'warning',
      'previous-key-deactivated-in-use',
      `Deactivated the previous key ${masked} at the end of its ${graceDays}-day grace period although it ${use} (policy previousKeyInUse deactivate): that consumer now fails until it reads the secret's current key.`,
    );
  }
  report(
    'warning',
    'previous-key-in-use',
    `The previous key ${masked} ${use}, so it stays Active past its ${graceDays}-day grace period. Point that consumer at the secret's AWSCURRENT value (or iam-key-rotation credentials); the sweep checks again tomorrow. To deactivate it anyway, set previousKeyInUse to deactivate.`,
  );
  return undefined;
}

/** When the previous key stopped being current: IAM's date for the current key, else the secret's last rotation. */
export function rotationTime({ currentKeyId, secret, keys }: SecretInspection): number | undefined {
  const created = keys?.find((key) => key.id === currentKeyId)?.createdAt;
  return (created ?? secret.lastRotatedDate)?.getTime();
}
