import { couldMatchMoreThanOneUser } from '../../core/arn-patterns';
import { PolicyDocument, PolicyStatement, asList } from '../grants/policy';
import { Rule } from './rule';
import { IDENTITY_POLICY_ATTRIBUTES } from '../../core/policy-attributes';

const ACCESS_KEY_ACTIONS = [
  'iam:CreateAccessKey',
  'iam:DeleteAccessKey',
  'iam:UpdateAccessKey',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
];

/** IKR2: access-key actions must name the users they apply to. */
export const noWildcardAccessKeyResource: Rule = {
  id: 'IKR2',
  summary:
    'A policy allows access-key actions (iam:*AccessKey*) on a resource pattern that could match more than one user.',
  explanation:
    'Whoever holds this policy can mint keys for any user in the account (including administrators). ' +
    'Grant iam:CreateAccessKey and its siblings only on the ARNs of the managed users.',
  check(resource) {
    const attribute = IDENTITY_POLICY_ATTRIBUTES[resource.type];
    if (attribute === undefined) return 'not-applicable';
    const documents = policyTexts(resource.config[attribute]).map(parsePolicy);
    if (documents.length === 0) return 'not-applicable';
    // A policy Terraform computes (e.g. from a data source) cannot be judged here: treat it as failing.
    if (documents.some((document) => document === undefined)) return 'non-compliant';
    const statements = documents.flatMap((document) => document?.Statement ?? []);
    return statements.some(allowsAccessKeyActionsOnWildcard) ? 'non-compliant' : 'compliant';
  },
};

function policyTexts(value: unknown): unknown[] {
  // aws_iam_role.inline_policy is a list of { name, policy } blocks.
  if (Array.isArray(value)) return value.map((block) => (block as Record<string, unknown>).policy);
  return value === undefined ? [] : [value];
}

function parsePolicy(text: unknown): PolicyDocument | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as { Statement?: PolicyStatement | PolicyStatement[] };
    return { Version: '2012-10-17', Statement: asList(parsed.Statement) };
  } catch {
    return undefined;
  }
}

function allowsAccessKeyActionsOnWildcard(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  const coversAccessKeys =
    statement.NotAction !== undefined
      ? ACCESS_KEY_ACTIONS.some((action) => !asList(statement.NotAction).some((pattern) => matches(pattern, action)))
      : ACCESS_KEY_ACTIONS.some((action) => asList(statement.Action).some((pattern) => matches(pattern, action)));
  if (!coversAccessKeys) return false;
  if (statement.NotResource !== undefined) return true;
  // The judgement the plan review uses too (core/arn-patterns.ts): `*` and `?` anywhere count, but in a user's path.
  return asList(statement.Resource).some(couldMatchMoreThanOneUser);
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function matches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}
