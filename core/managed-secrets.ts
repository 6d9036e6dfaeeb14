import { PREFIX_PATTERN_SUFFIX, USER_TAG_KEY } from './contract';
import { parseArn, type ParsedArn } from './arn';
import { UnmanagedSecretError, type RotationScope } from './errors';

/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const RANDOM_ARN_SUFFIX_LENGTH = 7;

/** A secret the stack lists by its exact name, and the user it binds. */
export interface ManagedName {
  readonly name: string;
  readonly user: string;
}

/** The stack's secrets, as the construct lists them in MANAGED_SECRETS (see ManagedSecretEntry in core/contract.ts). */
export interface ManagedSecrets {
  /** Name prefixes (the entries ending in `*`, without it). */
  readonly prefixes: readonly string[];
  /** Exact names, each with its user. */
  readonly names: readonly ManagedName[];
}

const isName = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * The entries of MANAGED_SECRETS, split; undefined when any entry is neither a prefix (`<prefix>*`) nor a pair of an
 * exact name and a user (an older construct's bare exact name included: it binds no user).
 */
export function toManagedSecrets(entries: readonly unknown[]): ManagedSecrets | undefined {
  const prefixes: string[] = [];
  const names: ManagedName[] = [];
  for (const entry of entries) {
    if (isName(entry) && entry.endsWith(PREFIX_PATTERN_SUFFIX) && entry.length > PREFIX_PATTERN_SUFFIX.length) {
      prefixes.push(entry.slice(0, -PREFIX_PATTERN_SUFFIX.length));
    } else if (
      Array.isArray(entry) &&
      entry.length === 2 &&
      isName(entry[0]) &&
      isName(entry[1]) &&
      !entry[0].endsWith(PREFIX_PATTERN_SUFFIX)
    ) {
      names.push({ name: entry[0], user: entry[1] });
    } else {
      return undefined;
    }
  }
  return { prefixes, names };
}

/** `iam-key-rotation/*, vendors/sync`: the patterns, for messages. */
function describePatterns(managed: ManagedSecrets): string {
  return [
    ...managed.prefixes.map((prefix) => `${prefix}${PREFIX_PATTERN_SUFFIX}`),
    ...managed.names.map(({ name }) => name),
  ].join(', ');
}

/**
 * The trust boundary, checked before any AWS call and again on the ARN DescribeSecret returns: the secret must be in
 * the function's own partition, region and account, and its name must match MANAGED_SECRETS. `secretId` is the ARN
 * Secrets Manager sends (a name, as a person may send, is looked up in the function's own account and region).
 * @throws UnmanagedSecretError naming the secret and why it is not one of the stack's.
 */
export function assertManagedSecret(
  secretId: string,
  managed: ManagedSecrets,
  functionArn: ParsedArn,
  scope: RotationScope,
): void {
  const refuse = (why: string): UnmanagedSecretError =>
    new UnmanagedSecretError(
      scope,
      `secret ${secretId} is not one of this stack's secrets: ${why}; the function acts only on the stack's own secrets`,
    );
  let name = secretId;
  let withRandomSuffix = false;
  if (secretId.startsWith('arn:')) {
    const secret = parseArn(secretId);
    if (secret === undefined || secret.service !== 'secretsmanager' || !secret.resource.startsWith('secret:')) {
      throw refuse('it is not a Secrets Manager secret ARN');
    }
    const where = (arn: ParsedArn): string =>
      `partition ${arn.partition}, region ${arn.region}, account ${arn.account}`;
    if (
      secret.partition !== functionArn.partition ||
      secret.region !== functionArn.region ||
      secret.account !== functionArn.account
    ) {
      throw refuse(`it is in ${where(secret)}, the function in ${where(functionArn)}`);
    }
    name = secret.resource.slice('secret:'.length);
    withRandomSuffix = true;
  }
  if (!namesManagedSecret(name, withRandomSuffix, managed)) {
    throw refuse(`its name matches none of ${describePatterns(managed)} (MANAGED_SECRETS)`);
  }
}

/**
 * Whether a secret name (from an ARN: the name, `-` and six random characters; a partial ARN lacks them) is under a
 * managed prefix or is a managed name.
 */
function namesManagedSecret(name: string, withRandomSuffix: boolean, managed: ManagedSecrets): boolean {
  if (managed.prefixes.some((prefix) => name.startsWith(prefix))) return true;
  return managed.names.some(
    ({ name: managedName }) =>
      name === managedName ||
      (withRandomSuffix &&
        name.length === managedName.length + RANDOM_ARN_SUFFIX_LENGTH &&
        name.startsWith(`${managedName}-`)),
  );
}

/** assertManagedSecret as a test, for filtering a list. */
export function isManagedSecret(secretId: string, managed: ManagedSecrets, functionArn: ParsedArn): boolean {
  try {
    assertManagedSecret(secretId, managed, functionArn, {});
    return true;
  } catch (error) {
    if (error instanceof UnmanagedSecretError) return false;
    throw error;
  }
}

/**
 * Why the secret `name` does not bind the user its tag names, or undefined when it does (see ManagedSecretEntry in
 * core/contract.ts): a name the stack lists binds its listed user; any other name under a prefix binds the user it ends
 * with, `<prefix><user>`, unless that user has a listed name of its own. Everything else binds no one.
 */
export function bindingProblem(name: string, userTag: string, managed: ManagedSecrets): string | undefined {
  const listed = managed.names.find((entry) => entry.name === name);
  if (listed !== undefined) {
    return listed.user === userTag
      ? undefined
      : `the stack lists it as the secret of user ${listed.user}, not ${userTag}`;
  }
  if (userTag === '') return 'its tag names no user';
  // IAM user names are unique whatever their case: `BOB` is bob.
  const ownName = managed.names.find((entry) => entry.user.toLowerCase() === userTag.toLowerCase());
  if (ownName !== undefined) return `the stack's secret of user ${ownName.user} is ${ownName.name}`;
  const prefixes = managed.prefixes.filter((prefix) => name.startsWith(prefix));
  if (prefixes.length === 0) return `its name matches none of ${describePatterns(managed)}`;
  if (prefixes.some((prefix) => name === `${prefix}${userTag}`)) return undefined;
  return `under ${prefixes.map((prefix) => `${prefix}${PREFIX_PATTERN_SUFFIX}`).join(', ')} the secret of user ${userTag} is named ${prefixes.map((prefix) => `${prefix}${userTag}`).join(' or ')}`;
}

/** The rule bindingProblem checks, in words, for messages. */
export const BINDING_RULE =
  "a secret binds exactly one user: the secret MANAGED_SECRETS lists for it by name, else <prefix><user name> under the stack's prefix";

/**
 * The binding check, after DescribeSecret and before any value is read or any IAM call: the secret must be the
 * stack's secret for the user its tag names (bindingProblem).
 * @throws UnmanagedSecretError naming the secret, its tag and the rule.
 */
export function assertBoundSecret(
  secretId: string,
  name: string,
  userTag: string,
  managed: ManagedSecrets,
  scope: RotationScope,
): void {
  const problem = bindingProblem(name, userTag, managed);
  if (problem !== undefined) {
    throw new UnmanagedSecretError(
      scope,
      `secret ${secretId} (name ${name}, tag ${USER_TAG_KEY}=${userTag}) does not bind its user: ${problem}; ${BINDING_RULE}`,
    );
  }
}

/**
 * Why a tag does not bind its user when IAM answers for it with another name, `nameInIam` (UserKeys.otherName, or
 * CreateAccessKey's `UserName`): IAM finds a user by any case of its name, so `ALICE` reaches alice, but a secret binds
 * a user only by the exact name. bindingProblem cannot see this: it does not know the users it derives.
 */
export function userNameCaseProblem(userTag: string, nameInIam: string): string {
  const answer = nameInIam === '' ? 'keys it names no user for' : `the keys of user ${nameInIam}`;
  return `IAM answers for user ${userTag} with ${answer}, and a secret binds a user only by its exact name (a tag that names the user in another case binds no one)`;
}

/**
 * The refusal of a secret whose tag IAM answers for with another name, `what` saying what the function did (nothing
 * to a key, or deleted the one it just made).
 */
export function userNameCaseError(
  userTag: string,
  nameInIam: string,
  what: string,
  scope: RotationScope,
  options?: { cause?: unknown },
): UnmanagedSecretError {
  const fix =
    nameInIam === ''
      ? ''
      : `; if the stack's config names the user ${userTag}, write it as IAM does (${nameInIam}) and apply`;
  return new UnmanagedSecretError(
    scope,
    `the secret (tag ${USER_TAG_KEY}=${userTag}) does not bind its user: ${userNameCaseProblem(userTag, nameInIam)}; ${what}${fix}`,
    options,
  );
}
