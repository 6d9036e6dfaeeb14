// What must not be applied without a second look: a secret deleted at once, a secret bound to another user, a rotation
// function that is not the construct's own, and wildcard grants in planned policies.
import { USER_TAG_KEY } from '../../../core/contract';
import type { Blocker } from './blocker';
import type { AcceptedFunctionCode } from './function-code';
import { type Attribute, attributeOf, type Plan, type ResourceIndex } from './plan';
import { code } from './markdown';
import type { PolicyDocument } from './policy-documents';
import { rotationFunctionBlockers } from './rotation-function';
import { findWildcards } from './wildcards';

/** Principals of a Lambda permission that mean anyone. */
const ANY_PRINCIPAL = '*';

export function findBlockers(
  plan: Plan,
  documents: readonly PolicyDocument[],
  resources: ResourceIndex,
  functionCode: AcceptedFunctionCode,
): Blocker[] {
  return [
    ...secretsDeletedAtOnce(plan),
    ...userTagChanges(plan),
    ...rotationFunctionBlockers(plan, resources, functionCode),
    ...wildcardGrants(documents),
    ...publicInvokePermissions(plan),
  ];
}

/**
 * A secret that stays (updated in place, or replaced under its name) but binds another user: its next rotation makes
 * a key for that user, which whoever reads the secret gets. The tag as set (`tags`) and as applied (`tags_all`, with
 * the provider's default tags).
 */
function userTagChanges(plan: Plan): Blocker[] {
  return plan.resourceChanges.flatMap((change) => {
    if (
      change.type !== 'aws_secretsmanager_secret' ||
      change.mode !== 'managed' ||
      (change.kind !== 'update' && change.kind !== 'replace')
    )
      return [];
    // A replacement under a new name is another secret (its readers' grants name the old one): removed and added.
    if (
      change.kind === 'replace' &&
      !sameTag(attributeOf(change, 'before', ['name']), attributeOf(change, 'after', ['name']))
    )
      return [];
    const changed = ['tags', 'tags_all'].flatMap((attribute) => {
      const before = attributeOf(change, 'before', [attribute, USER_TAG_KEY]);
      const after = attributeOf(change, 'after', [attribute, USER_TAG_KEY]);
      // tags_all is often known only after apply when tags change: `tags` speaks for it then.
      if (
        attribute === 'tags_all' &&
        (after.state === 'unknown' || attributeOf(change, 'before', [attribute]).state === 'absent')
      )
        return [];
      return sameTag(before, after) ? [] : [`${tagText(before)} → ${tagText(after)}`];
    });
    if (changed.length === 0) return [];
    return [
      {
        address: change.address,
        sid: undefined,
        finding:
          `the secret's user changes (\`${USER_TAG_KEY}\` ${changed[0]}): its next rotation makes a key for that user, readable by whoever reads this secret; ` +
          'remove the secret and add one for the new user instead',
      },
    ];
  });
}

function sameTag(a: Attribute, b: Attribute): boolean {
  const plain = (attribute: Attribute): unknown =>
    attribute.state === 'known' ? attribute.value : attribute.state === 'absent' ? null : undefined;
  return plain(a) !== undefined && plain(a) === plain(b);
}

function tagText(attribute: Attribute): string {
  if (attribute.state === 'absent') return 'none';
  if (attribute.state === 'unknown') return '(known after apply)';
  if (attribute.sensitive) return '(sensitive)';
  return code(String(attribute.value));
}

/** A secret deleted (or replaced) with a recovery window of 0 days is gone at once, and the key it held with it. */
function secretsDeletedAtOnce(plan: Plan): Blocker[] {
  return plan.resourceChanges.flatMap((change) => {
    if (change.type !== 'aws_secretsmanager_secret' || (change.kind !== 'delete' && change.kind !== 'replace'))
      return [];
    const window = attributeOf(change, 'before', ['recovery_window_in_days']);
    if (window.state !== 'known' || window.value !== 0) return [];
    const how = change.kind === 'replace' ? 'replaced' : 'deleted';
    return [
      {
        address: change.address,
        sid: undefined,
        finding: `secret ${how} at once (\`recovery_window_in_days\` 0): its key cannot be restored; apply a recovery window (7 to 30 days) before removing it`,
      },
    ];
  });
}

function wildcardGrants(documents: readonly PolicyDocument[]): Blocker[] {
  return documents.flatMap((document) => {
    const { after } = document;
    if (after.state !== 'known' || !after.policy.ok) return [];
    const where = document.label === 'policy' ? '' : ` in ${code(document.label)}`;
    return findWildcards(after.policy.statements, document.kind).map((match) =>
      after.sensitive
        ? {
            address: document.change.address,
            sid: undefined,
            finding: `a wildcard grant in the sensitive ${code(document.label)} (read it in the plan)`,
          }
        : { address: document.change.address, sid: match.sid, finding: `${match.what}${where}` },
    );
  });
}

/** A Lambda permission for principal `*` lets anyone invoke the function. */
function publicInvokePermissions(plan: Plan): Blocker[] {
  return plan.resourceChanges.flatMap((change) => {
    if (change.type !== 'aws_lambda_permission' || !['create', 'update', 'replace'].includes(change.kind)) return [];
    const principal = attributeOf(change, 'after', ['principal']);
    if (principal.state !== 'known' || principal.value !== ANY_PRINCIPAL) return [];
    return [{ address: change.address, sid: undefined, finding: 'Principal `*` (anyone may invoke the function)' }];
  });
}
