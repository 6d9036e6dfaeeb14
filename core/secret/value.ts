import { InvalidSecretError, UserMismatchError, type RotationScope } from '../errors';
import type { Stage } from './stages';

/**
 * The secret value, in the seed's field names so its consumers keep working:
 * `{"username": "alice", "accesskey": "AKIA...", "secretkey": "..."}`. Other fields are kept as they are.
 */
export interface KeySecretValue {
  /** Every field of the value, known or not, so a rotation can carry the unknown ones over. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly username?: string;
  readonly accesskey?: string;
  readonly secretkey?: string;
}

/** The field of the seed's design that pointed at a long-lived admin key; this function never uses it. */
export const IGNORED_MASTER_ARN_FIELD = 'masterarn';

/** Which version a value was read from, for messages. */

/**
 * An empty username, accesskey or secretkey counts as absent.
 * @throws InvalidSecretError if the value is missing, not JSON, not a JSON object, or username / accesskey /
 * secretkey is present but not a string. The messages never quote the value.
 */
export function parseSecretValue(secretString: string | undefined, label: Stage, scope: RotationScope): KeySecretValue {
  const invalid = (problem: string): InvalidSecretError =>
    new InvalidSecretError(scope, `the ${label} value ${problem}`);
  if (secretString === undefined) {
    throw invalid('has no SecretString');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // The SyntaxError is not kept as the cause: its message quotes the text, which may hold a secret key.
    throw invalid('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(
      `is not a JSON object (it is ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`})`,
    );
  }
  const fields = parsed as Record<string, unknown>;
  const stringField = (name: 'username' | 'accesskey' | 'secretkey'): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === '') {
      return undefined; // a placeholder such as {"accesskey": ""} names no key
    }
    if (typeof value !== 'string') {
      throw invalid(
        `has a ${name} field that is not a string (it is ${value === null ? 'null' : `a ${typeof value}`})`,
      );
    }
    return value;
  };
  return {
    fields,
    username: stringField('username'),
    accesskey: stringField('accesskey'),
    secretkey: stringField('secretkey'),
  };
}

/**
 * The tag is the authority on the user; a value that names another one is refused, so that nobody who can
 * write the secret value can redirect rotation to another user.
 * @throws UserMismatchError if the value names a user other than `userName` (or, with `required`, none).
 */
export function assertValueNamesUser(
  value: KeySecretValue,
  userName: string,
  label: Stage,
  scope: RotationScope,
  required = false,
): void {
  if (value.username === undefined && !required) {
    return;
  }
  if (value.username !== userName) {
    const named = value.username === undefined ? 'no user' : `user ${JSON.stringify(value.username)}`;
    throw new UserMismatchError(
      scope,
      `the ${label} value names ${named} but the secret's tag names user ${JSON.stringify(userName)}`,
    );
  }
}

/** The next value: the current one's fields, unknown ones included, with the new key. */
export function nextSecretValue(
  current: KeySecretValue | undefined,
  userName: string,
  accessKeyId: string,
  secretAccessKey: string,
): string {
  return JSON.stringify({ ...current?.fields, username: userName, accesskey: accessKeyId, secretkey: secretAccessKey });
}
