// The IAM users and the secrets the plan creates, deletes or replaces.
import { USER_TAG_KEY } from '../../../core/contract';
import { sameShown, type Shown, shownOf } from './cells';
import { attributeOf, type Plan, type ResourceChange } from './plan';

/** Secrets Manager's recovery window when `recovery_window_in_days` is not set. */
const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

export interface AccountChange {
  readonly change: 'added' | 'removed' | 'replaced';
  readonly kind: 'IAM user' | 'secret';
  readonly address: string;
  /** The name it has (the name it had when removed); a replaced one may show both. */
  readonly names: readonly Shown[];
  /** A secret's `iam-key-rotation:user` tag. */
  readonly user: Shown | undefined;
  /** A removed or replaced secret's recovery window, e.g. `recoverable for 30 days` or `deleted at once`. */
  readonly recovery: string | undefined;
}

const KINDS: Readonly<Record<string, AccountChange['kind']>> = {
  aws_iam_user: 'IAM user',
  aws_secretsmanager_secret: 'secret',
};
const CHANGES: Readonly<Record<string, AccountChange['change']>> = {
  create: 'added',
  delete: 'removed',
  replace: 'replaced',
};

export function accountChanges(plan: Plan): AccountChange[] {
  return plan.resourceChanges.flatMap((change) => {
    const kind = KINDS[change.type];
    const what = CHANGES[change.kind];
    if (kind === undefined || what === undefined || change.mode !== 'managed') return [];
    const side = change.after !== null ? 'after' : 'before';
    return [
      {
        change: what,
        kind,
        address: change.address,
        names: namesOf(change),
        user: kind === 'secret' ? shownOf(attributeOf(change, side, ['tags', USER_TAG_KEY])) : undefined,
        recovery: kind === 'secret' && change.before !== null ? recoveryOf(change) : undefined,
      },
    ];
  });
}

function namesOf(change: ResourceChange): Shown[] {
  const before = shownOf(attributeOf(change, 'before', ['name']));
  const after = shownOf(attributeOf(change, 'after', ['name']));
  if (change.before === null) return [after];
  if (change.after === null || sameShown(before, after)) return [before];
  return [before, after];
}

function recoveryOf(change: ResourceChange): string {
  const window = attributeOf(change, 'before', ['recovery_window_in_days']);
  if (window.state === 'known' && window.sensitive) return '(sensitive)';
  const days =
    window.state === 'known' && typeof window.value === 'number' ? window.value : DEFAULT_RECOVERY_WINDOW_DAYS;
  return days === 0 ? 'deleted at once' : `recoverable for ${days} days`;
}
