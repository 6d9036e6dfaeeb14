// What a reviewer must be able to read in a plan: every attribute that says who may do what. The end-to-end suites
// check their first plans against this list; docs/plan-review.md ("Reviewing a change in a pull request") shows it as a
// checked table, which test/lib/readme.test.ts renders from it.
import { POLICY_DOCUMENT_ATTRIBUTES } from '../../core/policy-attributes';

const documentOf = (type: string): string => POLICY_DOCUMENT_ATTRIBUTES[type].attribute;

/**
 * The attributes, per resource type, that grant or scope access: the policy document (core/policy-attributes.ts) and
 * what binds it; for aws_lambda_permission, every one it has.
 */
export const ACCESS_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_iam_policy: [documentOf('aws_iam_policy')],
  // Not inline_policy: unset, it is the provider's read-back of the aws_iam_role_policy resources (checked themselves),
  // which the plan cannot know before the role exists.
  aws_iam_role: [documentOf('aws_iam_role')],
  aws_iam_role_policy: [documentOf('aws_iam_role_policy'), 'role'],
  aws_iam_role_policy_attachment: ['policy_arn', 'role'],
  aws_iam_user_policy: [documentOf('aws_iam_user_policy'), 'user'],
  aws_kms_key: [documentOf('aws_kms_key')],
  aws_secretsmanager_secret_policy: [documentOf('aws_secretsmanager_secret_policy')],
  aws_sns_topic_policy: [documentOf('aws_sns_topic_policy')],
  aws_lambda_permission: [
    'action',
    'function_name',
    'principal',
    'source_account',
    'source_arn',
    'statement_id',
    'qualifier',
    'event_source_token',
    'principal_org_id',
  ],
};

/** The access attributes the example config's first plan sets, by type: the role and its policies, the topic's key and
 * policy, both invoke permissions. The construct's and the plain module's first plans must both cover them. */
export const EXAMPLE_FIRST_PLAN_ACCESS_COUNTS: Readonly<Record<string, number>> = {
  aws_iam_role: 1,
  aws_iam_role_policy: 1,
  aws_iam_policy: 1,
  aws_iam_role_policy_attachment: 1,
  aws_kms_key: 1,
  aws_sns_topic_policy: 1,
  aws_lambda_permission: 2,
};

/** The part of `terraform show -json <planfile>` these checks read. */
export interface PlanJson {
  readonly resource_changes?: readonly ResourceChange[];
}

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: readonly string[]; readonly after_unknown?: Record<string, unknown> };
}

/** True when a value of `after_unknown` marks anything inside it unknown. */
function holdsUnknown(marker: unknown): boolean {
  if (marker === true) return true;
  if (Array.isArray(marker)) return marker.some(holdsUnknown);
  if (typeof marker === 'object' && marker !== null) return Object.values(marker).some(holdsUnknown);
  return false;
}

/** `<address>.<attribute>` of every access attribute that `terraform show -json` of a plan shows as known only after apply. */
export function unknownAccessAttributes(plan: PlanJson): string[] {
  return (plan.resource_changes ?? []).flatMap((change) => {
    const attributes = ACCESS_ATTRIBUTES[change.type] ?? [];
    if (change.change.actions.includes('delete') && !change.change.actions.includes('create')) return [];
    const unknown = change.change.after_unknown ?? {};
    return attributes
      .filter((attribute) => holdsUnknown(unknown[attribute]))
      .map((attribute) => `${change.address}.${attribute}`);
  });
}

/** How many access attributes of each type the plan sets, to show a check covered them. */
export function accessAttributeCounts(plan: PlanJson): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const change of plan.resource_changes ?? []) {
    if (ACCESS_ATTRIBUTES[change.type] !== undefined && !change.change.actions.includes('delete'))
      counts[change.type] = (counts[change.type] ?? 0) + 1;
  }
  return counts;
}
