// Before it touches a secret, the function takes the clients of the key role holding that secret's grants.
import type { ParsedArn } from '../core/arn';
import { type KeyRoles, keyRoleArn } from '../core/grant-roles';
import type { Dependencies } from './dependencies';
import type { RoleClients } from './role-clients';

/**
 * The dependencies to act on the secret with: those of its key role, or `deps` itself without key roles. A wrong
 * guess can only fail: each key role may act on its own share of the secrets and users, nothing else.
 */
export function dependenciesForSecret(deps: Dependencies, keyRoles: KeyRoles | undefined, secretId: string, functionArn: ParsedArn): Dependencies {
  if (keyRoles === undefined) return deps;
  const clients: RoleClients = deps.assumeRole(keyRoleArn(keyRoles, secretId, functionArn));
  return { ...deps, ...clients };
}
