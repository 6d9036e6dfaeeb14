// Which attribute of which Terraform resource type holds an IAM policy document, and of which kind: the one table the
// synth rules (lib/rules), the plan review (cli/commands/review) and the tests' access checks read.

/**
 * An identity policy (attached to a role, user or group: `Resource` says on what) or a resource policy (a key's,
 * a secret's, a topic's, a role's trust policy: `Resource: "*"` there means "this key", "this secret").
 */
export type PolicyKind = 'identity' | 'resource';

export interface PolicyDocumentAttribute {
  readonly attribute: string;
  readonly kind: PolicyKind;
}

/** The resource types whose attribute is one policy document. */
export const POLICY_DOCUMENT_ATTRIBUTES: Readonly<Record<string, PolicyDocumentAttribute>> = {
  aws_iam_policy: { attribute: 'policy', kind: 'identity' },
  aws_iam_role_policy: { attribute: 'policy', kind: 'identity' },
  aws_iam_user_policy: { attribute: 'policy', kind: 'identity' },
  aws_iam_group_policy: { attribute: 'policy', kind: 'identity' },
  aws_iam_role: { attribute: 'assume_role_policy', kind: 'resource' },
  aws_kms_key: { attribute: 'policy', kind: 'resource' },
  aws_secretsmanager_secret_policy: { attribute: 'policy', kind: 'resource' },
  aws_sns_topic_policy: { attribute: 'policy', kind: 'resource' },
};

/** A role's inline identity policies: a list of `{ name, policy }` blocks, beside its trust policy. */
const ROLE_INLINE_POLICY_ATTRIBUTE = 'inline_policy';

/** The attribute holding each resource type's identity policies, the role's inline ones included. */
export const IDENTITY_POLICY_ATTRIBUTES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Object.entries(POLICY_DOCUMENT_ATTRIBUTES)
      .filter(([, { kind }]) => kind === 'identity')
      .map(([type, { attribute }]) => [type, attribute]),
  ),
  aws_iam_role: ROLE_INLINE_POLICY_ATTRIBUTE,
};
