import { SecretsmanagerSecretRotationRotationRules } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { ValidationError, checkIntegerInRange, isUnresolved, show } from './validation';

/** When Secrets Manager rotates a secret. Give `automaticallyAfterDays` or `scheduleExpression`, not both. */
export interface RotationSchedule {
  /**
   * Rotate this many days after the last rotation, 1 to 1000 (the default applies when `scheduleExpression`
   * is not given either).
   * @default 90
   */
  readonly automaticallyAfterDays?: number;
  /**
   * A `rate(N days)`, `rate(N hours)` (N at least 4) or six-field `cron(...)` expression, in UTC.
   * @default - none: `automaticallyAfterDays` applies
   */
  readonly scheduleExpression?: string;
  /**
   * Length of the rotation window in Secrets Manager's format, 1h to 24h, e.g. '3h'.
   * @default - Secrets Manager's: to the end of the UTC day (daily schedules) or one hour (hourly ones)
   */
  readonly duration?: string;
}

/**
 * A quarterly rotation: often enough that a leaked key has a bounded life (CIS recommends at most 90 days),
 * rarely enough that consumers caching the key are not disturbed.
 */
export const DEFAULT_AUTOMATICALLY_AFTER_DAYS = 90;

const RATE = /^rate\((\d+) (hours?|days?)\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;
const DURATION = /^(\d{1,2})h$/;

/** Throws a ValidationError naming `label.<field>` for the first problem in the schedule. */
export function checkRotationSchedule(schedule: RotationSchedule, label: string): void {
  const { automaticallyAfterDays: days, scheduleExpression: expression, duration } = schedule;
  if (days !== undefined && expression !== undefined) {
    throw new ValidationError(label, `must set \`automaticallyAfterDays\` or \`scheduleExpression\`, not both, got ${show(schedule)}`);
  }
  if (days !== undefined) checkIntegerInRange(days, 1, 1000, `${label}.automaticallyAfterDays`);
  let rateHours: number | undefined;
  if (expression !== undefined && !isUnresolved(expression)) {
    const rate = RATE.exec(expression);
    if (rate) {
      const amount = Number(rate[1]);
      const hourly = rate[2].startsWith('hour');
      if (hourly ? amount < 4 : amount < 1 || amount > 1000) {
        throw new ValidationError(
          `${label}.scheduleExpression`,
          `must rotate at most every 4 hours and at least every 1000 days, got ${show(expression)}`,
        );
      }
      if (hourly) rateHours = amount;
    } else if (!CRON.test(expression)) {
      throw new ValidationError(
        `${label}.scheduleExpression`,
        `must be rate(N days), rate(N hours) or a six-field cron(...) expression, got ${show(expression)}`,
      );
    }
  }
  if (duration !== undefined && !isUnresolved(duration)) {
    const match = DURATION.exec(duration);
    const hours = match ? Number(match[1]) : NaN;
    if (!(hours >= 1 && hours <= 24)) {
      throw new ValidationError(`${label}.duration`, `must be between 1h and 24h, e.g. '3h', got ${show(duration)}`);
    }
    if (rateHours !== undefined && hours >= rateHours) {
      throw new ValidationError(
        `${label}.duration`,
        `must be shorter than the interval of \`scheduleExpression\` (${rateHours}h), got ${show(duration)}`,
      );
    }
  }
}

/** The `rotation_rules` block for a (checked) schedule, the default applied. */
export function rotationRules(schedule: RotationSchedule): SecretsmanagerSecretRotationRotationRules {
  const timing =
    schedule.scheduleExpression !== undefined
      ? { scheduleExpression: schedule.scheduleExpression }
      : { automaticallyAfterDays: schedule.automaticallyAfterDays ?? DEFAULT_AUTOMATICALLY_AFTER_DAYS };
  return schedule.duration !== undefined ? { ...timing, duration: schedule.duration } : timing;
}
