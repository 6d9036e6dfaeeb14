// Checks shared by the constructs (which throw on the first problem, labelled with the prop name) and the
// config loader (which collects every problem, labelled with the JSON path). One wording for both.
import { Token } from 'cdktf';

/** A failed check: `label` is a prop name or config path, `problem` says what is wrong with the value. */
export class ValidationError extends Error {
  constructor(
    readonly label: string,
    readonly problem: string,
  ) {
    super(`\`${label}\` ${problem}`);
    this.name = 'ValidationError';
  }
}

/** JSON-ish rendering of a bad value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True when the value is a cdktf token that only Terraform can resolve: such values are not checked. */
export function isUnresolved(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}

/**
 * For names given by JS callers or JSON: `RegExp.test` turns a non-string into a string ("undefined", "5")
 * that may well pass, so the type is checked first.
 */
function checkString(value: unknown, label: string): asserts value is string {
  if (value === undefined) throw new ValidationError(label, 'is required');
  if (typeof value !== 'string') throw new ValidationError(label, `must be a string, got ${show(value)}`);
}

// IAM user names: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
export function checkIamUserName(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  checkString(value, label);
  if (!IAM_USER_NAME.test(value)) {
    throw new ValidationError(label, `must be 1-64 characters of letters, digits and _+=,.@-, got ${show(value)}`);
  }
}

// Secret names: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
export function checkSecretName(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  checkString(value, label);
  if (!SECRET_NAME.test(value)) {
    throw new ValidationError(label, `must be 1-512 characters of letters, digits and /_+=.@-, got ${show(value)}`);
  }
}

// Used for the function, role and log group names (Lambda's rule is the narrowest of the three).
const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,56}$/;
export function checkResourceName(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  checkString(value, label);
  if (!RESOURCE_NAME.test(value)) {
    throw new ValidationError(label, `must be 1-56 characters of letters, digits, _ and -, got ${show(value)}`);
  }
}

export function checkIntegerInRange(value: number, min: number, max: number, label: string): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(label, `must be an integer between ${min} and ${max}, got ${show(value)}`);
  }
}

export function checkOneOf<T>(value: T, allowed: readonly T[], label: string): void {
  if (isUnresolved(value)) return;
  if (!allowed.includes(value)) {
    throw new ValidationError(label, `must be one of ${allowed.map(show).join(', ')}, got ${show(value)}`);
  }
}

// Secrets Manager deletes immediately (0, force delete) or after a 7-30 day recovery window.
export function checkRecoveryWindow(value: number, label: string): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || (value !== 0 && (value < 7 || value > 30))) {
    throw new ValidationError(label, `must be 0 (delete immediately) or between 7 and 30, got ${show(value)}`);
  }
}

/** The values CloudWatch Logs accepts for a retention period (0 = never expire is deliberately absent). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export function checkLogRetention(value: number, label: string): void {
  if (isUnresolved(value)) return;
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new ValidationError(label, `must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')}), got ${show(value)}`);
  }
}

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/;
export function checkArn(value: string, service: string, label: string): void {
  if (isUnresolved(value)) return;
  if (!ARN.test(value) || value.split(':')[2] !== service) {
    throw new ValidationError(label, `must be an ${service} ARN (arn:<partition>:${service}:...), got ${show(value)}`);
  }
}

/**
 * A KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>). Not an alias ARN: IAM policies
 * cannot grant key use on an alias ARN, so the rotation role would be denied Encrypt/Decrypt.
 */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;
export function checkKmsKeyArn(value: string, label: string): void {
  checkArn(value, 'kms', label);
  if (isUnresolved(value)) return;
  if (!KMS_KEY_ARN.test(value)) {
    throw new ValidationError(
      label,
      `must be a key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>), not an alias: IAM policies cannot grant key use through an alias ARN, got ${show(value)}`,
    );
  }
}

export function checkTags(tags: Record<string, string>, reservedKey: string, label: string): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key === reservedKey) {
      throw new ValidationError(label, `must not set ${show(reservedKey)}: the construct sets it on each secret to the user it rotates`);
    }
    if (!isUnresolved(key) && (key.length < 1 || key.length > 128)) {
      throw new ValidationError(label, `keys must be 1-128 characters, got ${show(key)}`);
    }
    if (typeof value !== 'string' || (!isUnresolved(value) && value.length > 256)) {
      throw new ValidationError(`${label}.${key}`, `must be a string of at most 256 characters, got ${show(value)}`);
    }
  }
}
