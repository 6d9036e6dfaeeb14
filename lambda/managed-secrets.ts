import { PREFIX_PATTERN_SUFFIX } from '../contract';
import { parseArn, type ParsedArn } from './arn';
import { UnmanagedSecretError, type RotationScope } from './errors';

/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const RANDOM_ARN_SUFFIX_LENGTH = 7;

/** The stack's secrets, as the construct lists them in MANAGED_SECRETS (see contract.ts). */
export interface ManagedSecrets {
  /** Name prefixes (the patterns ending in `*`, without it). */
  readonly prefixes: readonly string[];
  /** Exact names. */
  readonly names: readonly string[];
}

/** The patterns of MANAGED_SECRETS, split; undefined when any entry is not a non-empty string. */
export function toManagedSecrets(patterns: readonly unknown[]): ManagedSecrets | undefined {
  if (!patterns.every((pattern): pattern is string => typeof pattern === 'string' && pattern.replace(/\*$/, '') !== '')) {
    return undefined;
  }
  return {
    prefixes: patterns.filter((pattern) => pattern.endsWith(PREFIX_PATTERN_SUFFIX)).map((pattern) => pattern.slice(0, -1)),
    names: patterns.filter((pattern) => !pattern.endsWith(PREFIX_PATTERN_SUFFIX)),
  };
}

/**
 * The trust boundary, checked before any AWS call and again on the ARN DescribeSecret returns: the secret must be in
 * the function's own partition, region and account, and its name must match MANAGED_SECRETS. `secretId` is the ARN
 * Secrets Manager sends (a name, as a person may send, is looked up in the function's own account and region).
 * @throws UnmanagedSecretError naming the secret and why it is not one of the stack's.
 */
export function assertManagedSecret(secretId: string, managed: ManagedSecrets, functionArn: ParsedArn, scope: RotationScope): void {
  const refuse = (why: string): UnmanagedSecretError =>
    new UnmanagedSecretError(scope, `secret ${secretId} is not one of this stack's secrets: ${why}; the function acts only on the stack's own secrets`);
  let name = secretId;
  let withRandomSuffix = false;
  if (secretId.startsWith('arn:')) {
    const secret = parseArn(secretId);
    if (secret === undefined || secret.service !== 'secretsmanager' || !secret.resource.startsWith('secret:')) {
      throw refuse('it is not a Secrets Manager secret ARN');
    }
    const where = (arn: ParsedArn): string => `partition ${arn.partition}, region ${arn.region}, account ${arn.account}`;
    if (secret.partition !== functionArn.partition || secret.region !== functionArn.region || secret.account !== functionArn.account) {
      throw refuse(`it is in ${where(secret)}, the function in ${where(functionArn)}`);
    }
    name = secret.resource.slice('secret:'.length);
    withRandomSuffix = true;
  }
  if (!namesManagedSecret(name, withRandomSuffix, managed)) {
    const patterns = [...managed.prefixes.map((prefix) => `${prefix}${PREFIX_PATTERN_SUFFIX}`), ...managed.names].join(', ');
    throw refuse(`its name matches none of ${patterns} (MANAGED_SECRETS)`);
  }
}

/**
 * Whether a secret name (from an ARN: the name, `-` and six random characters; a partial ARN lacks them) is under a
 * managed prefix or is a managed name.
 */
function namesManagedSecret(name: string, withRandomSuffix: boolean, managed: ManagedSecrets): boolean {
  if (managed.prefixes.some((prefix) => name.startsWith(prefix))) return true;
  return managed.names.some(
    (managedName) =>
      name === managedName ||
      (withRandomSuffix && name.length === managedName.length + RANDOM_ARN_SUFFIX_LENGTH && name.startsWith(`${managedName}-`)),
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
