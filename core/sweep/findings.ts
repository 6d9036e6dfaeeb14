/** What the sweep reports about a managed secret. Messages name the secret and user, say what to do, and hold no key material. */

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Every finding the sweep can report; the findings table of docs/operations.md lists each. */
export const FINDING_CODES = [
  'previous-key-deactivated',
  'previous-key-deactivated-in-use',
  'previous-key-in-use',
  'previous-key-last-use-unknown',
  'deactivation-failed',
  'rotation-overdue',
  'never-rotated',
  'rotation-stuck',
  'rotation-disabled',
  'unknown-active-key',
  'user-missing',
  'user-tag-blank',
  'secret-unbound',
  'current-key-missing',
  'current-key-inactive',
  'policy-tag-invalid',
  'unreadable-value',
  'check-failed',
  'sweep-incomplete',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  /** The secret's name (its ARN when the finding is about the sweep itself). */
  readonly secret: string;
  readonly user: string;
  /** What is wrong or what the sweep did, then what to do: one or two short sentences. */
  readonly message: string;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function bySeverity(a: Finding, b: Finding): number {
  return ORDER[a.severity] - ORDER[b.severity] || a.secret.localeCompare(b.secret) || a.code.localeCompare(b.code);
}

/** `AKIA…WXYZ`: enough to tell keys apart in a message, and to match `aws iam list-access-keys`. */
export function maskAccessKeyId(accessKeyId: string): string {
  return accessKeyId.length <= 8 ? accessKeyId : `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

/** `2026-12-01`: a day is the sweep's resolution. */
export function day(date: Date | number): string {
  return new Date(date).toISOString().slice(0, 10);
}

/** One line per finding, for a log reader or an e-mail. */
export function formatFinding(finding: Finding): string {
  return `${finding.severity.toUpperCase()} ${finding.secret} (user ${finding.user || '?'}) [${finding.code}]: ${finding.message}`;
}

/** SNS allows 256 KiB a message; a margin for the subject and attributes. */
const MAX_MESSAGE_BYTES = 240 * 1024;
/** SNS's limit for a subject. */
const MAX_SUBJECT_CHARS = 100;

export interface NotificationMessage {
  readonly subject: string;
  readonly body: string;
  readonly severity: Severity;
}

/**
 * The findings of one sweep as as few SNS messages as fit: a heading, then one line per finding, errors first.
 * `where` names the function, account and region the sweep ran in.
 */
export function notificationMessages(findings: readonly Finding[], where: string, now: number): NotificationMessage[] {
  if (findings.length === 0) return [];
  const sorted = [...findings].sort(bySeverity);
  const count = (severity: Severity): number => sorted.filter((finding) => finding.severity === severity).length;
  const tally = SEVERITIES.map((severity) => [count(severity), severity] as const)
    .filter(([n]) => n > 0)
    .map(([n, severity]) => `${n} ${severity === 'info' ? 'notice' : severity}${n === 1 ? '' : 's'}`)
    .join(', ');
  const heading = `iam-key-rotation daily sweep of ${where} on ${day(now)}: ${tally}. Run \`iam-key-rotation status\` for the whole picture.`;
  const chunks: string[][] = [[]];
  let bytes = Buffer.byteLength(heading) + 2;
  for (const line of sorted.map(formatFinding)) {
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > MAX_MESSAGE_BYTES && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      bytes = Buffer.byteLength(heading) + 2;
    }
    chunks[chunks.length - 1].push(line);
    bytes += size;
  }
  const worst = sorted[0].severity;
  return chunks.map((lines, index) => {
    const part = chunks.length === 1 ? '' : ` (part ${index + 1} of ${chunks.length})`;
    return {
      subject: `iam-key-rotation: ${tally}${part}`.slice(0, MAX_SUBJECT_CHARS),
      body: `${heading}${part}\n\n${lines.join('\n')}\n`,
      severity: worst,
    };
  });
}
