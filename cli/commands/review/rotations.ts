// aws_secretsmanager_secret_rotation changes: schedules that change, and the keys that rotate during the apply.
import type { Shown } from './cells';
import { type Attribute, attributeOf, type Plan, type ResourceChange, type ResourceIndex } from './plan';
import { secretNameOf } from './names';
import { replaceReason } from './destroyed';
import { code } from './markdown';

const ROTATION = 'aws_secretsmanager_secret_rotation';

export interface ScheduleChange {
  readonly address: string;
  readonly secret: Shown;
  readonly before: string;
  readonly after: string;
}

export interface RotationAtApply {
  readonly address: string;
  readonly secret: Shown;
  /** Why; Markdown. */
  readonly why: string;
}

/** Rotations updated or replaced whose `rotation_rules` change. */
export function scheduleChanges(plan: Plan, resources: ResourceIndex): ScheduleChange[] {
  return rotations(plan).flatMap((change) => {
    if (change.kind !== 'update' && change.kind !== 'replace') return [];
    const before = scheduleText(change, 'before');
    const after = scheduleText(change, 'after');
    return before === after
      ? []
      : [{ address: change.address, secret: secretOf(plan, change, resources), before, after }];
  });
}

/**
 * The rotations that call RotateSecret during the apply: each created or replaced one (its first rotation, unless
 * `rotate_immediately` is false), and each updated in place whose `rotation_rules` or `rotation_lambda_arn` change
 * while `rotate_immediately` is true: the AWS provider (5.x, resourceSecretRotationUpdate) rotates again then.
 */
export function rotationsAtApply(plan: Plan, resources: ResourceIndex): RotationAtApply[] {
  return rotations(plan).flatMap((change) => {
    const why = rotationReason(change);
    return why === undefined ? [] : [{ address: change.address, secret: secretOf(plan, change, resources), why }];
  });
}

function rotationReason(change: ResourceChange): string | undefined {
  const immediately = attributeOf(change, 'after', ['rotate_immediately']);
  // The provider's default is true; unknown counts as true, as it rotates unless false.
  if (immediately.state === 'known' && immediately.value === false) return undefined;
  const unknownNote = immediately.state === 'unknown' ? ' (`rotate_immediately` known only after apply)' : '';
  if (change.kind === 'create') return `first rotation: \`rotate_immediately\`${unknownNote}`;
  if (change.kind === 'replace') {
    const reason = replaceReason(change);
    return `replaced${reason === undefined ? '' : ` (${reason})`}: its first rotation, \`rotate_immediately\`${unknownNote}`;
  }
  if (change.kind !== 'update') return undefined;
  const reasons: string[] = [];
  const before = scheduleText(change, 'before');
  const after = scheduleText(change, 'after');
  if (before !== after) reasons.push(`\`rotation_rules\` change (${code(before)} → ${code(after)})`);
  const arnBefore = attributeOf(change, 'before', ['rotation_lambda_arn']);
  const arnAfter = attributeOf(change, 'after', ['rotation_lambda_arn']);
  if (arnAfter.state === 'unknown')
    reasons.push('`rotation_lambda_arn` known only after apply (the function is replaced)');
  else if (!sameValue(arnBefore, arnAfter)) reasons.push('`rotation_lambda_arn` changes (another function)');
  if (reasons.length === 0) return undefined;
  return `${reasons.join('; ')}, with \`rotate_immediately\`${unknownNote}: the provider calls RotateSecret again`;
}

/** A rotation's schedule in words: `every 90 days, window 3h`, `rate(10 days)`, `none`. */
export function scheduleText(change: ResourceChange, side: 'before' | 'after'): string {
  const rules = attributeOf(change, side, ['rotation_rules']);
  if (rules.state === 'absent') return 'none';
  if (rules.state === 'unknown') return 'known after apply';
  if (rules.sensitive) return '(sensitive)';
  const part = (name: string): Attribute => attributeOf(change, side, ['rotation_rules', 0, name]);
  const parts: string[] = [];
  const days = part('automatically_after_days');
  const expression = part('schedule_expression');
  const duration = part('duration');
  if (days.state === 'unknown') parts.push('every (known after apply) days');
  else if (days.state === 'known' && typeof days.value === 'number' && days.value > 0)
    parts.push(`every ${days.value} days`);
  if (expression.state === 'unknown') parts.push('schedule_expression (known after apply)');
  else if (expression.state === 'known' && typeof expression.value === 'string' && expression.value !== '')
    parts.push(expression.value);
  if (duration.state === 'unknown') parts.push('window (known after apply)');
  else if (duration.state === 'known' && typeof duration.value === 'string' && duration.value !== '')
    parts.push(`window ${duration.value}`);
  if ([days, expression, duration].some((attribute) => attribute.state === 'known' && attribute.sensitive))
    return '(sensitive)';
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function secretOf(plan: Plan, change: ResourceChange, resources: ResourceIndex): Shown {
  const after = change.after === null ? undefined : secretNameOf(plan, change, 'secret_id', 'after', resources);
  if (after !== undefined && after.kind !== 'unknown') return after;
  const before = change.before === null ? undefined : secretNameOf(plan, change, 'secret_id', 'before', resources);
  return before ?? after ?? { kind: 'unknown' };
}

function rotations(plan: Plan): ResourceChange[] {
  return plan.resourceChanges.filter(
    (change) => change.type === ROTATION && change.mode === 'managed' && change.deposed === undefined,
  );
}

/** Both known and equal, an empty string counting as no value. */
function sameValue(a: Attribute, b: Attribute): boolean {
  const plain = (attribute: Attribute) =>
    attribute.state === 'known'
      ? attribute.value === ''
        ? null
        : attribute.value
      : attribute.state === 'absent'
        ? null
        : undefined;
  return plain(a) !== undefined && plain(a) === plain(b);
}
