// The resources the plan deletes or replaces, and why Terraform says it does.
import { code } from './markdown';
import type { Plan, ResourceChange } from './plan';

export interface Destroyed {
  readonly address: string;
  readonly action: 'deleted' | 'replaced';
  /** Markdown, or undefined when the plan gives no reason. */
  readonly reason: string | undefined;
}

/** Terraform's `action_reason` values (internal/plans/resourceinstancechangeactionreason_string.go) in words. */
const ACTION_REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: 'tainted',
  replace_because_cannot_update: 'an attribute cannot be updated in place',
  replace_by_request: 'replacement requested (`-replace`)',
  replace_by_triggers: '`replace_triggered_by`',
  delete_because_no_resource_config: 'removed from the configuration',
  delete_because_no_module: 'its module was removed from the configuration',
  delete_because_wrong_repetition: 'its `count` or `for_each` was added or removed',
  delete_because_count_index: 'its `count` index is out of range',
  delete_because_each_key: 'its `for_each` key was removed',
  delete_because_no_move_target: 'the target of its `moved` block is not in the configuration',
};

export function destroyedResources(plan: Plan): Destroyed[] {
  return plan.resourceChanges.flatMap((change): Destroyed[] => {
    if (change.mode !== 'managed' || (change.kind !== 'delete' && change.kind !== 'replace')) return [];
    const reason = change.kind === 'replace' ? replaceReason(change) : deleteReason(change);
    return [{ address: change.address, action: change.kind === 'replace' ? 'replaced' : 'deleted', reason }];
  });
}

/** Why a resource is replaced: the attributes that force it (`replace_paths`), else the `action_reason`. */
export function replaceReason(change: ResourceChange): string | undefined {
  const paths = change.replacePaths.map((path) =>
    code(
      path
        .map((step) => (typeof step === 'number' ? `[${step}]` : step))
        .join('.')
        .replace(/\.\[/g, '['),
    ),
  );
  if (paths.length > 0) return `${paths.join(', ')} ${paths.length === 1 ? 'forces' : 'force'} replacement`;
  return change.actionReason === undefined
    ? undefined
    : (ACTION_REASONS[change.actionReason] ?? code(change.actionReason));
}

function deleteReason(change: ResourceChange): string | undefined {
  if (change.deposed !== undefined) return 'a deposed object, left from an earlier replacement';
  return change.actionReason === undefined
    ? undefined
    : (ACTION_REASONS[change.actionReason] ?? code(change.actionReason));
}
