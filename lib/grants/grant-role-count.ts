// How many key roles a fleet needs (see keyRoleIndex in core/contract.ts): none while the function's own role can hold
// every grant.
import { keyRoleIndex } from '../../core/contract';
import { ArnParts, roleArn } from './policy';
import { GrantSizing, grantShare, policiesNeeded } from './grant-policy';

/** Role names are `<name>-keys-<n>`: two digits keep the longest `name` (56 characters) within IAM's 64. */
export const MAX_KEY_ROLES = 99;

/**
 * 0 when the grants fill at most `policiesPerRole` policies of one role; otherwise the fewest key roles whose shares
 * each do; undefined when not even MAX_KEY_ROLES do.
 */
export function keyRoleCount(grants: readonly GrantSizing[], policiesPerRole: number): number | undefined {
  const shares = grants.map(grantShare);
  const needed = policiesNeeded(shares);
  if (needed <= policiesPerRole) return 0;
  for (let count = Math.max(2, Math.ceil(needed / policiesPerRole)); count <= MAX_KEY_ROLES; count += 1) {
    const roles: number[][] = Array.from({ length: count }, () => []);
    grants.forEach((grant, index) => roles[keyRoleIndex(grant.secretName, count)].push(shares[index]));
    if (roles.every((roleShares) => policiesNeeded(roleShares) <= policiesPerRole)) return count;
  }
  return undefined;
}

/** The name prefix of a stack's key roles; the `index`th (0-based) is `<prefix><index + 1>`. */
export function keyRoleNamePrefix(name: string): string {
  return `${name}-keys-`;
}

/** The ARNs of a stack's `count` key roles, built from their names (they take no IAM path). */
export function keyRoleArns(parts: ArnParts, name: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => roleArn(parts, `${keyRoleNamePrefix(name)}${index + 1}`));
}

/** The role that acts on the secret `secretName`: its key role, or without key roles (`count` 0) the function's own, `name`. */
export function secretRoleArn(parts: ArnParts, name: string, count: number, secretName: string): string {
  return roleArn(parts, count === 0 ? name : `${keyRoleNamePrefix(name)}${keyRoleIndex(secretName, count) + 1}`);
}
