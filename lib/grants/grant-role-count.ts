// How many grant roles a fleet needs (see grantRoleIndex in core/contract.ts): none while the function's own role can hold
// every grant.
import { grantRoleIndex } from '../../core/contract';
import { ArnParts, roleArn } from './policy';
import { GrantSizing, grantShare, policiesNeeded } from './grant-policy';

/** Role names are `<name>-keys-<n>`: two digits keep the longest `name` (56 characters) within IAM's 64. */
export const MAX_GRANT_ROLES = 99;

/**
 * 0 when the grants fill at most `policiesPerRole` policies of one role; otherwise the fewest grant roles whose shares
 * each do; undefined when not even MAX_GRANT_ROLES do.
 */
export function grantRoleCount(grants: readonly GrantSizing[], policiesPerRole: number): number | undefined {
  const shares = grants.map(grantShare);
  const needed = policiesNeeded(shares);
  if (needed <= policiesPerRole) return 0;
  for (let count = Math.max(2, Math.ceil(needed / policiesPerRole)); count <= MAX_GRANT_ROLES; count += 1) {
    const roles: number[][] = Array.from({ length: count }, () => []);
    grants.forEach((grant, index) => roles[grantRoleIndex(grant.secretName, count)].push(shares[index]));
    if (roles.every((roleShares) => policiesNeeded(roleShares) <= policiesPerRole)) return count;
  }
  return undefined;
}

/** The name prefix of a stack's grant roles; the `index`th (0-based) is `<prefix><index + 1>`. */
export function grantRoleNamePrefix(name: string): string {
  return `${name}-keys-`;
}

/** The ARNs of a stack's `count` grant roles, built from their names (they take no IAM path). */
export function grantRoleArns(parts: ArnParts, name: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => roleArn(parts, `${grantRoleNamePrefix(name)}${index + 1}`));
}

/** The role that acts on the secret `secretName`: its grant role, or without grant roles (`count` 0) the function's own, `name`. */
export function secretRoleArn(parts: ArnParts, name: string, count: number, secretName: string): string {
  return roleArn(parts, count === 0 ? name : `${grantRoleNamePrefix(name)}${grantRoleIndex(secretName, count) + 1}`);
}
