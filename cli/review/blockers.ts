// What must not be applied without a second look: a secret deleted at once, and wildcard grants in planned policies.
import { attributeOf, type Plan } from './plan';
import { code } from './markdown';
import type { PolicyDocument } from './policy-documents';
import { findWildcards } from './wildcards';

export interface Blocker {
  readonly address: string;
  /** The statement's Sid, when the blocker is in a policy and the statement has one. */
  readonly sid: string | undefined;
  /** What matched; Markdown. */
  readonly finding: string;
}

/** Principals of a Lambda permission that mean anyone. */
const ANY_PRINCIPAL = '*';

export function findBlockers(plan: Plan, documents: readonly PolicyDocument[]): Blocker[] {
  return [...secretsDeletedAtOnce(plan), ...wildcardGrants(documents), ...publicInvokePermissions(plan)];
}

/** A secret deleted (or replaced) with a recovery window of 0 days is gone at once, and the key it held with it. */
function secretsDeletedAtOnce(plan: Plan): Blocker[] {
  return plan.resourceChanges.flatMap((change) => {
    if (change.type !== 'aws_secretsmanager_secret' || (change.kind !== 'delete' && change.kind !== 'replace')) return [];
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
        ? { address: document.change.address, sid: undefined, finding: `a wildcard grant in the sensitive ${code(document.label)} (read it in the plan)` }
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
