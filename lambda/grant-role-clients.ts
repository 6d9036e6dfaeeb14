// Before it touches a secret, the function takes the clients of the grant role holding that secret's grants.
import type { ParsedArn } from '../core/arn';
import { type GrantRoles, grantRoleArn } from '../core/grant-roles';
import type { Dependencies } from './dependencies';
import type { RoleClients } from './role-clients';

/**
 * The dependencies to act on the secret with: those of its grant role, or `deps` itself without grant roles. A wrong
 * guess can only fail: each grant role may act on its own share of the secrets and users, nothing else.
 */
export function dependenciesForSecret(
  deps: Dependencies,
  grantRoles: GrantRoles | undefined,
  secretId: string,
  functionArn: ParsedArn,
): Dependencies {
  if (grantRoles === undefined) return deps;
  const clients: RoleClients = deps.assumeRole(grantRoleArn(grantRoles, secretId, functionArn));
  return { ...deps, ...clients };
}
