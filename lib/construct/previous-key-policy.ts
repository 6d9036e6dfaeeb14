// What happens to the key a rotation replaces: the stack's policy (the function's environment) and each user's own
// (a tag on the user's secret), the same three props at both levels.
import {
  DEFAULT_PREVIOUS_KEY_ACTION,
  DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
  DEFAULT_PREVIOUS_KEY_IN_USE,
  MAX_PREVIOUS_KEY_GRACE_DAYS,
  PREVIOUS_KEY_ACTIONS,
  PREVIOUS_KEY_IN_USE_ACTIONS,
  PreviousKeyAction,
  PreviousKeyInUseAction,
  PreviousKeyPolicy,
} from '../../core/contract';
import { HOURS_PER_DAY, RotationSchedule, rotationIntervalDays } from './schedule';
import {
  ValidationError,
  checkIntegerInRange,
  checkOneOf,
  collectProblem,
  isUnresolved,
  show,
} from '../validation/validation';

/** The previous-key props, as the stack and each user take them. */
export interface PreviousKeyPolicyOptions {
  readonly previousKeyAction?: PreviousKeyAction;
  readonly previousKeyGraceDays?: number;
  readonly previousKeyInUse?: PreviousKeyInUseAction;
}

/** Whether a user sets any previous-key prop of its own (its secret then carries the policy as a tag). */
export function hasOwnPreviousKeyPolicy(user: PreviousKeyPolicyOptions): boolean {
  return (
    user.previousKeyAction !== undefined ||
    user.previousKeyGraceDays !== undefined ||
    user.previousKeyInUse !== undefined
  );
}

/** The policy that applies: each field from the first level that sets it (the user, the stack), else its default. */
export function effectivePreviousKeyPolicy(...levels: PreviousKeyPolicyOptions[]): PreviousKeyPolicy {
  const first = <K extends keyof PreviousKeyPolicyOptions>(key: K): PreviousKeyPolicyOptions[K] =>
    levels.find((level) => level[key] !== undefined)?.[key];
  return {
    action: first('previousKeyAction') ?? DEFAULT_PREVIOUS_KEY_ACTION,
    graceDays: first('previousKeyGraceDays') ?? DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
    inUse: first('previousKeyInUse') ?? DEFAULT_PREVIOUS_KEY_IN_USE,
  };
}

/**
 * The problems of one level's props, labelled `<prefix>previousKeyAction` etc. A grace period only means something
 * for `deactivate-after-grace`: given next to another action at the same level, it is a mistake worth reporting.
 */
export function previousKeyOptionsProblems(options: PreviousKeyPolicyOptions, prefix: string): ValidationError[] {
  const problems: ValidationError[] = [];
  const collect = (check: () => void): void => collectProblem(problems, check);
  const { previousKeyAction: action, previousKeyGraceDays: graceDays, previousKeyInUse: inUse } = options;
  if (action !== undefined) collect(() => checkOneOf(action, PREVIOUS_KEY_ACTIONS, `${prefix}previousKeyAction`));
  if (graceDays !== undefined)
    collect(() => checkIntegerInRange(graceDays, 1, MAX_PREVIOUS_KEY_GRACE_DAYS, `${prefix}previousKeyGraceDays`));
  if (inUse !== undefined) collect(() => checkOneOf(inUse, PREVIOUS_KEY_IN_USE_ACTIONS, `${prefix}previousKeyInUse`));
  if (graceDays !== undefined && action !== undefined && action !== 'deactivate-after-grace' && !isUnresolved(action)) {
    problems.push(
      new ValidationError(
        `${prefix}previousKeyGraceDays`,
        `only applies to \`${prefix}previousKeyAction: 'deactivate-after-grace'\`, got ${show(graceDays)} with ${show(action)}`,
      ),
    );
  }
  return problems;
}

/** Where a user's schedule and previous-key props come from, for checking them together. */
export interface UserPolicyContext {
  /** `users[i]` */
  readonly label: string;
  readonly user: PreviousKeyPolicyOptions & { readonly schedule?: RotationSchedule };
  readonly stack: PreviousKeyPolicyOptions & { readonly schedule?: RotationSchedule };
}

/**
 * The grace period must end before the next rotation, which deletes the previous key: a grace as long as the rotation
 * interval never ends. Checked where the interval is known (days, or a rate) and the grace was chosen: given at some
 * level, or implied by an explicit `deactivate-after-grace` (a config that states neither keeps working as before).
 */
export function graceWithinIntervalProblem({ label, user, stack }: UserPolicyContext): ValidationError | undefined {
  const policy = effectivePreviousKeyPolicy(user, stack);
  if (policy.action !== 'deactivate-after-grace' || isUnresolved(policy.graceDays)) return undefined;
  const graceChosen =
    user.previousKeyGraceDays !== undefined ||
    stack.previousKeyGraceDays !== undefined ||
    (user.previousKeyAction ?? stack.previousKeyAction) !== undefined;
  if (!graceChosen) return undefined;
  const schedule = user.schedule ?? stack.schedule ?? {};
  const interval = rotationIntervalDays(schedule);
  if (interval === undefined || policy.graceDays < interval) return undefined;
  const scheduleLabel =
    user.schedule !== undefined
      ? `\`${label}.schedule\``
      : stack.schedule !== undefined
        ? '`schedule`'
        : 'the default schedule';
  const intervalText = `the rotation interval of ${label} (${formatDays(interval)}, ${scheduleLabel})`;
  const why = 'the next rotation deletes the previous key before the grace period ends';
  if (user.previousKeyGraceDays === undefined && stack.previousKeyGraceDays === undefined) {
    return new ValidationError(
      user.previousKeyAction !== undefined ? `${label}.previousKeyAction` : 'previousKeyAction',
      `'deactivate-after-grace' needs \`previousKeyGraceDays\` (default ${policy.graceDays}) less than ${intervalText}: ${why}`,
    );
  }
  const graceLabel = user.previousKeyGraceDays !== undefined ? `${label}.previousKeyGraceDays` : 'previousKeyGraceDays';
  return new ValidationError(graceLabel, `must be less than ${intervalText}: ${why}, got ${policy.graceDays}`);
}

function formatDays(days: number): string {
  return Number.isInteger(days) ? `${days} days` : `${days * HOURS_PER_DAY} hours`;
}
