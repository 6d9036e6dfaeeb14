// Wildcard grants in the Allow statements of a policy: a reviewer must see each before it is applied.
import { kindsMatchedBeyondOne } from '../../../core/arn-patterns';
import { code, escapeText } from './markdown';
import type { PolicyStatement } from './policy-statements';
import type { PolicyKind } from '../../../core/policy-attributes';

export interface WildcardMatch {
  readonly sid: string | undefined;
  /** What matched, e.g. ``Action `iam:*` (every iam action)``; Markdown. */
  readonly what: string;
}

/**
 * Actions that accept no resource but `*` (AWS's service authorization reference: "Resource types: -"): an Allow of
 * only these on `*` is as narrow as IAM allows. Kept short on purpose: add an action only after checking it there.
 */
export const ACTIONS_ONLY_ON_ANY_RESOURCE: ReadonlySet<string> = new Set(
  [
    'secretsmanager:ListSecrets',
    'secretsmanager:GetRandomPassword',
    'sts:GetCallerIdentity',
    'kms:ListKeys',
    'kms:ListAliases',
    'logs:DescribeLogGroups',
  ].map((action) => action.toLowerCase()),
);

/** Every wildcard grant of the policy's Allow statements, in statement order. */
export function findWildcards(statements: readonly PolicyStatement[], kind: PolicyKind): WildcardMatch[] {
  return statements.flatMap((statement) => (statement.effect === 'Allow' ? statementWildcards(statement, kind) : []));
}

function statementWildcards(statement: PolicyStatement, kind: PolicyKind): WildcardMatch[] {
  const matches: string[] = [];
  if (statement.principal?.AWS?.includes('*') === true) matches.push('Principal `*` (anyone)');
  if (statement.notPrincipal !== undefined)
    matches.push('NotPrincipal in an Allow (everyone but the principals listed)');
  for (const action of statement.action ?? []) {
    if (action === '*') matches.push('Action `*` (every action of every service)');
    else if (/^[^:*?]+:\*$/.test(action))
      matches.push(`Action ${code(action)} (every ${escapeText(action.slice(0, action.indexOf(':')))} action)`);
  }
  if (statement.notAction !== undefined) matches.push('NotAction in an Allow (every action but those listed)');
  if (statement.notResource !== undefined) matches.push('NotResource in an Allow (every resource but those listed)');
  if (kind === 'identity' && !onlyActionsOnAnyResource(statement)) {
    for (const resource of statement.resource ?? []) {
      if (isWildcardResource(resource)) {
        matches.push(`Resource ${code(resource)} (${wildcardResourceMeaning(resource)})`);
        continue;
      }
      const kinds = kindsMatchedBeyondOne(resource);
      if (kinds.length > 0)
        matches.push(`Resource ${code(resource)} (could match more than one ${kinds.join(' or ')})`);
    }
  }
  return matches.map((what) => ({ sid: statement.sid, what }));
}

function onlyActionsOnAnyResource(statement: PolicyStatement): boolean {
  return (
    statement.notAction === undefined &&
    statement.action !== undefined &&
    statement.action.length > 0 &&
    statement.action.every((action) => ACTIONS_ONLY_ON_ANY_RESOURCE.has(action.toLowerCase()))
  );
}

/**
 * Patterns that could match more than the one IAM user or secret they name (`user/ci-*`, `user*`, `secret:?*`) are
 * judged by core/arn-patterns.ts, with the synth rule IKR2.
 *
 * Whether a resource names every resource (`*`) or every resource of a type: its resource part (after the fifth
 * `:`) is `*`, or `<type>/*` or `<type>:*` (e.g. `user/*`, `secret:*`, `log-group:*:*`). Narrower patterns are not:
 * `user/<any path>/alice` written with `*` as the path (one user), `secret:name-??????` (Secrets Manager's suffix),
 * `log-group:/aws/lambda/x:*` (one group's streams). For S3, whose resource part is `<bucket>/<key>`, only `*`, and
 * `*` then `/*`.
 */
export function isWildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const resourcePart = parts.slice(5).join(':');
  if (/^\*(?:[/:]\*)*$/.test(resourcePart)) return true;
  if (parts[2] === 's3') return false;
  return /^[^:/*?]+(?:[/:]\*)+$/.test(resourcePart);
}

function wildcardResourceMeaning(resource: string): string {
  const parts = resource.split(':');
  if (resource === '*' || /^\*(?:[/:]\*)*$/.test(parts.slice(5).join(':'))) return 'every resource';
  const type = /^[^:/]+/.exec(parts.slice(5).join(':'))?.[0] ?? 'resource';
  return `every ${escapeText(parts[2])} ${escapeText(type)}`;
}
