// A fleet too large for one role's policies is split over key roles (see keyRoleIndex in core/contract.ts): each holds the
// grants on a share of the secrets and users.
import { secretNameOf } from './secret/name';
import type { ParsedArn } from './arn';
import { keyRoleIndex } from './contract';

/** What the construct tells about the key roles (KEY_ROLE_COUNT, KEY_ROLE_NAME_PREFIX). */
export interface KeyRoles {
  readonly count: number;
  /** The `n`th role (1-based) is named `<namePrefix><n>`. */
  readonly namePrefix: string;
}

/** The key role holding the grants on the secret, in the function's own partition and account. */
export function keyRoleArn(keyRoles: KeyRoles, secretId: string, functionArn: ParsedArn): string {
  const number = keyRoleIndex(secretNameOf(secretId), keyRoles.count) + 1;
  return `arn:${functionArn.partition}:iam::${functionArn.account}:role/${keyRoles.namePrefix}${number}`;
}
