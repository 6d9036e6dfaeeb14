// A fleet too large for one role's policies is split over grant roles (see grantRoleIndex in core/contract.ts): each holds the
// grants on a share of the secrets and users.
import { secretNameOf } from './secret/name';
import type { ParsedArn } from './arn';
import { grantRoleIndex } from './contract';

/** What the construct tells about the grant roles (KEY_ROLE_COUNT, KEY_ROLE_NAME_PREFIX). */
export interface GrantRoles {
  readonly count: number;
  /** The `n`th role (1-based) is named `<namePrefix><n>`. */
  readonly namePrefix: string;
}

/** The grant role holding the grants on the secret, in the function's own partition and account. */
export function grantRoleArn(grantRoles: GrantRoles, secretId: string, functionArn: ParsedArn): string {
  const number = grantRoleIndex(secretNameOf(secretId), grantRoles.count) + 1;
  return `arn:${functionArn.partition}:iam::${functionArn.account}:role/${grantRoles.namePrefix}${number}`;
}
