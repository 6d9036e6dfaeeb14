// The stack's secrets as its three fences name them (docs/security-model.md, "The trust boundary"): the invoke permissions, the
// role's Deny of every other secret, and the handler's own check (MANAGED_SECRETS, see core/contract.ts).
import { ManagedSecretEntry, PREFIX_PATTERN_SUFFIX } from '../../core/contract';
import { ArnParts, regionalArn } from '../grants/policy';
import { ValidationError, isUnresolved, show } from '../validation/validation';

/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const RANDOM_ARN_SUFFIX_PATTERN = '-??????';

/**
 * The secret-name patterns of a stack: `<prefix>*` when some secret is named under the prefix, then the exact name
 * of each secret named outside it, in the users' order.
 */
export function secretNamePatterns(prefix: string, secretNames: readonly string[]): string[] {
  const underPrefix = secretNames.some((name) => name.startsWith(prefix));
  const outside = [...new Set(secretNames.filter((name) => !name.startsWith(prefix)))];
  return [...(underPrefix ? [`${prefix}${PREFIX_PATTERN_SUFFIX}`] : []), ...outside];
}

/** A user's secret, as MANAGED_SECRETS binds them. */
export interface UserSecretName {
  readonly secretName: string;
  readonly userName: string;
}

/**
 * MANAGED_SECRETS (see ManagedSecretEntry in core/contract.ts): `<prefix>*` when some user's secret has the default name
 * `<prefix><user>`, which the function derives from the name and the tag (so they cost nothing), then `[name, user]`
 * for every other user, in the users' order: a custom name under the prefix too, which binds only its user.
 */
export function managedSecretEntries(prefix: string, secrets: readonly UserSecretName[]): ManagedSecretEntry[] {
  const derived = (secret: UserSecretName): boolean => secret.secretName === `${prefix}${secret.userName}`;
  const listed = secrets
    .filter((secret) => !derived(secret))
    .map(({ secretName, userName }): ManagedSecretEntry => [secretName, userName]);
  return [...(secrets.some(derived) ? [`${prefix}${PREFIX_PATTERN_SUFFIX}`] : []), ...listed];
}

/**
 * The ARN pattern IAM and Lambda match a secret-name pattern with: `...:secret:<prefix>*` for a prefix, and
 * `...:secret:<name>-??????` for an exact name, which only the secret of that name matches (same length, same start).
 */
export function secretArnPattern(parts: ArnParts, namePattern: string): string {
  const arnPrefix = regionalArn(parts, 'secretsmanager', 'secret:');
  return namePattern.endsWith(PREFIX_PATTERN_SUFFIX)
    ? `${arnPrefix}${namePattern}`
    : `${arnPrefix}${namePattern}${RANDOM_ARN_SUFFIX_PATTERN}`;
}

// Secret names: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (a prefix leaves
// room for at least one more character).
const SECRET_NAME_PREFIX = /^[\w/+=.@-]{1,511}$/;
/** A prefix ending in a letter or digit is the start of names that are not under it as a folder: `prod` of `production-db`. */
const ENDS_IN_LETTER_OR_DIGIT = /[A-Za-z0-9]$/;
export function checkSecretNamePrefix(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || !SECRET_NAME_PREFIX.test(value)) {
    throw new ValidationError(label, `must be 1-511 characters of letters, digits and /_+=.@-, got ${show(value)}`);
  }
  if (ENDS_IN_LETTER_OR_DIGIT.test(value)) {
    throw new ValidationError(
      label,
      `must end with a separator, one of /_+=.@- (e.g. ${show(`${value}/`)}): the stack acts on every secret whose name starts with it, so it would also cover names like ${show(`${value}2/db`)}, got ${show(value)}`,
    );
  }
}
