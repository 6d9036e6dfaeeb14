import { SecretsmanagerSecretRotationRotationRules } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { ValidationError, checkIntegerInRange, collectProblem, isUnresolved, show } from '../validation/validation';

/** When Secrets Manager rotates a secret. Give `automaticallyAfterDays` or `scheduleExpression`, not both. */
export interface RotationSchedule {
  /**
   * Rotate this many days after the last rotation, 1 to 1000 (the default applies when `scheduleExpression`
   * is not given either).
   * @default 90
   */
  readonly automaticallyAfterDays?: number;
  /**
   * A `rate(N days)` (N from 1 to 999), `rate(N hours)` (N at least 4) or six-field `cron(...)` expression, in
   * UTC. A cron expression needs 0 minutes, `*` as the year and hours 0-23 at least 4 hours apart.
   * @default - none: `automaticallyAfterDays` applies
   */
  readonly scheduleExpression?: string;
  /**
   * Length of the rotation window in Secrets Manager's format, 1h to 24h, e.g. '3h'. A window must close by the
   * end of its UTC day and before the next window opens.
   * @default - Secrets Manager's: to the end of the UTC day (daily schedules) or one hour (hourly ones)
   */
  readonly duration?: string;
}

/**
 * A quarterly rotation: often enough that a leaked key has a bounded life (CIS recommends at most 90 days),
 * rarely enough that consumers caching the key are not disturbed.
 */
export const DEFAULT_AUTOMATICALLY_AFTER_DAYS = 90;

// Secrets Manager's rules for expressions and windows:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
export const MIN_HOURS_BETWEEN_ROTATIONS = 4;
/** The guide's longest rate(); `automaticallyAfterDays` allows one day more. */
export const MAX_RATE_DAYS = 999;
export const HOURS_PER_DAY = 24;

export const RATE = /^rate\((\d+) (hours?|days?)\)$/;
export const CRON = /^cron\((\S+(?: \S+){5})\)$/;
const CRON_HOURS_PART = /^(?:\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/;
export const DURATION = /^(\d{1,2})h$/;

/** Where a valid expression opens its rotation windows, for checking `duration` against them. */
type Windows =
  // rate(N hours): every N hours, from midnight.
  | { readonly everyHours: number }
  // rate(N days) and cron(): at these hours of each day it fires on (a cron's hour steps restart each day).
  | { readonly startHours: readonly number[] };

/** Every problem with the schedule, each naming `label.<field>` and echoing the bad value. */
export function rotationScheduleProblems(schedule: RotationSchedule, label: string): ValidationError[] {
  const { automaticallyAfterDays: days, scheduleExpression: expression, duration } = schedule;
  if (days !== undefined && expression !== undefined) {
    return [
      new ValidationError(
        label,
        `must set \`automaticallyAfterDays\` or \`scheduleExpression\`, not both, got ${show(schedule)}`,
      ),
    ];
  }
  const problems: ValidationError[] = [];
  if (days !== undefined)
    collectProblem(problems, () => checkIntegerInRange(days, 1, 1000, `${label}.automaticallyAfterDays`));
  // automaticallyAfterDays opens its window at midnight, which no 1h-24h window can outlast.
  let windows: Windows | undefined;
  if (expression !== undefined && !isUnresolved(expression)) {
    const checked = expressionWindows(expression, `${label}.scheduleExpression`);
    problems.push(...checked.problems);
    windows = checked.windows;
  }
  if (duration !== undefined && !isUnresolved(duration)) {
    const match = typeof duration === 'string' ? DURATION.exec(duration) : null;
    const hours = match ? Number(match[1]) : NaN;
    if (!(hours >= 1 && hours <= HOURS_PER_DAY)) {
      problems.push(
        new ValidationError(`${label}.duration`, `must be between 1h and 24h, e.g. '3h', got ${show(duration)}`),
      );
    } else if (windows !== undefined) {
      const problem = windowProblem(windows, hours);
      if (problem !== undefined)
        problems.push(new ValidationError(`${label}.duration`, `${problem}, got ${show(duration)}`));
    }
  }
  return problems;
}

/** The `rotation_rules` block for a (checked) schedule, the default applied. */
export function rotationRules(schedule: RotationSchedule): SecretsmanagerSecretRotationRotationRules {
  const timing =
    schedule.scheduleExpression !== undefined
      ? { scheduleExpression: schedule.scheduleExpression }
      : { automaticallyAfterDays: schedule.automaticallyAfterDays ?? DEFAULT_AUTOMATICALLY_AFTER_DAYS };
  return schedule.duration !== undefined ? { ...timing, duration: schedule.duration } : timing;
}

function expressionWindows(expression: unknown, label: string): { problems: ValidationError[]; windows?: Windows } {
  const fail = (problem: string): { problems: ValidationError[] } => ({
    problems: [new ValidationError(label, `${problem}, got ${show(expression)}`)],
  });
  if (typeof expression !== 'string') return fail('must be a string');
  const rate = RATE.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    if (rate[2].startsWith('hour')) {
      if (amount < MIN_HOURS_BETWEEN_ROTATIONS)
        return fail(`must rotate at most every ${MIN_HOURS_BETWEEN_ROTATIONS} hours`);
      return { problems: [], windows: { everyHours: amount } };
    }
    if (amount < 1 || amount > MAX_RATE_DAYS) {
      return fail(
        `must be rate(N days) with N from 1 to ${MAX_RATE_DAYS} (Secrets Manager's longest rate; \`automaticallyAfterDays\` allows 1000)`,
      );
    }
    return { problems: [], windows: { startHours: [0] } };
  }
  const cron = CRON.exec(expression);
  if (!cron) return fail('must be rate(N days), rate(N hours) or a six-field cron(...) expression');
  const [minutes, hoursField, , , , year] = cron[1].split(' ');
  const problems: ValidationError[] = [];
  const add = (problem: string): void => {
    problems.push(new ValidationError(label, `${problem}, got ${show(expression)}`));
  };
  if (minutes !== '0') add('must have 0 as the minutes of cron(...): rotation windows open on the hour');
  if (year !== '*')
    add('must have * as the year of cron(...): Secrets Manager takes no schedule more than a year apart');
  const hours = cronHours(hoursField);
  if (hours === undefined) {
    add('must have hours of cron(...) from 0 to 23 (values, ranges, steps or lists of them)');
    return { problems };
  }
  const tooClose = hours.findIndex((hour, index) => index > 0 && hour - hours[index - 1] < MIN_HOURS_BETWEEN_ROTATIONS);
  if (tooClose > 0) {
    const [earlier, later] = [hours[tooClose - 1], hours[tooClose]];
    add(
      `must rotate at most every ${MIN_HOURS_BETWEEN_ROTATIONS} hours, but opens windows at ${clock(earlier)} and ${clock(later)}`,
    );
    return { problems };
  }
  return problems.length > 0 ? { problems } : { problems, windows: { startHours: hours } };
}

/** The hours of the day a cron hours field selects, sorted, or undefined when it is not a valid field. */
function cronHours(field: string): number[] | undefined {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const match = CRON_HOURS_PART.exec(part);
    if (!match) return undefined;
    const [, first, last, step] = match;
    const from = first === undefined ? 0 : Number(first);
    // `*` and `n/step` run to the end of the day; a lone `n` is just that hour.
    const to = last !== undefined ? Number(last) : first === undefined || step !== undefined ? HOURS_PER_DAY - 1 : from;
    const by = step === undefined ? 1 : Number(step);
    if (to >= HOURS_PER_DAY || from > to || by < 1) return undefined;
    for (let hour = from; hour <= to; hour += by) hours.add(hour);
  }
  return [...hours].sort((a, b) => a - b);
}

/** What is wrong with a window of `hours` for these windows, if anything. */
function windowProblem(windows: Windows, hours: number): string | undefined {
  if ('everyHours' in windows) {
    const interval = windows.everyHours;
    return hours > interval
      ? `must not run into the next rotation window: \`scheduleExpression\` opens one every ${interval} hours, so at most ${interval}h`
      : undefined;
  }
  const { startHours } = windows;
  const next = startHours.findIndex((start, index) => index > 0 && start - startHours[index - 1] < hours);
  if (next > 0) {
    const gap = startHours[next] - startHours[next - 1];
    return `must not run into the next rotation window: \`scheduleExpression\` opens windows at ${clock(startHours[next - 1])} and ${clock(startHours[next])}, so at most ${gap}h`;
  }
  const last = startHours[startHours.length - 1];
  if (last + hours > HOURS_PER_DAY) {
    return `must close the rotation window by the end of the UTC day: \`scheduleExpression\` opens one at ${clock(last)}, so at most ${HOURS_PER_DAY - last}h`;
  }
  return undefined;
}

function clock(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** Days between rotations when the schedule says (days, or a rate); undefined for a cron expression or a token. */
export function rotationIntervalDays(schedule: RotationSchedule): number | undefined {
  const { automaticallyAfterDays: days, scheduleExpression: expression } = schedule;
  if (expression !== undefined) {
    if (typeof expression !== 'string' || isUnresolved(expression)) return undefined;
    const rate = RATE.exec(expression);
    if (rate === null) return undefined;
    const amount = Number(rate[1]);
    return rate[2].startsWith('hour') ? amount / HOURS_PER_DAY : amount;
  }
  if (days !== undefined) return typeof days === 'number' && !isUnresolved(days) ? days : undefined;
  return DEFAULT_AUTOMATICALLY_AFTER_DAYS;
}
