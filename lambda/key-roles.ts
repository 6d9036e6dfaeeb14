// A fleet too large for one role's policies is split over key roles (see keyRoleIndex in contract.ts): before it touches
// a secret, the function takes the clients of the key role holding that secret's grants.
import { keyRoleIndex } from '../contract';
import { parseArn, type ParsedArn } from './arn';
import type { Dependencies, RoleClients } from './dependencies';

/** What the construct tells about the key roles (KEY_ROLE_COUNT, KEY_ROLE_NAME_PREFIX). */
export interface KeyRoles {
  readonly count: number;
  /** The `n`th role (1-based) is named `<namePrefix><n>`. */
  readonly namePrefix: string;
}

/** Secrets Manager ends a secret's ARN with `-` and six random characters after the name. */
const ARN_NAME_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** The secret's name, from its ARN (what Secrets Manager sends) or its name. */
export function secretNameOf(secretId: string): string {
  const arn = parseArn(secretId);
  return arn === undefined ? secretId : arn.resource.replace(/^secret:/, '').replace(ARN_NAME_SUFFIX, '');
}

/** The key role holding the grants on the secret, in the function's own partition and account. */
export function keyRoleArn(keyRoles: KeyRoles, secretId: string, functionArn: ParsedArn): string {
  const number = keyRoleIndex(secretNameOf(secretId), keyRoles.count) + 1;
  return `arn:${functionArn.partition}:iam::${functionArn.account}:role/${keyRoles.namePrefix}${number}`;
}

/**
 * The dependencies to act on the secret with: those of its key role, or `deps` itself without key roles. A wrong
 * guess can only fail: each key role may act on its own share of the secrets and users, nothing else.
 */
export function dependenciesForSecret(deps: Dependencies, keyRoles: KeyRoles | undefined, secretId: string, functionArn: ParsedArn): Dependencies {
  if (keyRoles === undefined) return deps;
  const clients: RoleClients = deps.assumeRole(keyRoleArn(keyRoles, secretId, functionArn));
  return { ...deps, ...clients };
}
