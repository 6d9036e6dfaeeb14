// Checks shared by the constructs (which throw on the first problem, labelled with the prop name) and the
// config loader (which collects every problem, labelled with the JSON path). One wording for both.
import { Token, Tokenization } from 'cdktf';

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

/** Runs a check and adds its ValidationError, if it throws one, to `problems`; any other error passes through. */
export function collectProblem(problems: ValidationError[], check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(error);
  }
}

/** JSON-ish rendering of a bad value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  // JSON has no Infinity or NaN (JSON.stringify writes null); for a finite number String is what JSON writes.
  if (typeof value === 'number') return String(value);
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
 * Terraform reads every string of the JSON it is given as a template: `${...}` is an interpolation (a file's contents,
 * another resource's attributes) and `%{...}` a directive. No value the props or the config take needs either.
 */
const TERRAFORM_TEMPLATE = /[$%]\{/;
const TERRAFORM_TEMPLATE_PROBLEM = 'must not contain "${" or "%{": Terraform would evaluate it as an expression';

/**
 * Every string in `value` (at any depth of lists and objects, object keys included) that Terraform would read as an
 * expression, labelled with its path under `label` ('' for the root), like `users[0].readers[1]`. With `tokens`, the
 * value is a JS caller's props: a cdktf token (a reference Terraform resolves) is skipped and only the text around it
 * is checked. Without, the value is parsed JSON, which holds no tokens: a token marker is text like any other.
 */
export function terraformExpressionProblems(value: unknown, label: string, tokens: boolean): ValidationError[] {
  const problems: ValidationError[] = [];
  const visit = (item: unknown, path: string): void => {
    if (typeof item === 'string') {
      if (literalTexts(item, tokens).some((text) => TERRAFORM_TEMPLATE.test(text))) {
        problems.push(new ValidationError(path, `${TERRAFORM_TEMPLATE_PROBLEM}, got ${show(item)}`));
      }
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => visit(element, `${path}[${index}]`));
    } else if (typeof item === 'object' && item !== null && !Tokenization.isResolvable(item)) {
      for (const [key, member] of Object.entries(item)) {
        // The top-level keys are the known ones (the config refuses any other; the props ignore them).
        if (path !== '' && literalTexts(key, tokens).some((text) => TERRAFORM_TEMPLATE.test(text))) {
          problems.push(new ValidationError(path, `keys ${TERRAFORM_TEMPLATE_PROBLEM}, got ${show(key)}`));
        }
        visit(member, path === '' ? key : `${path}.${key}`);
      }
    }
  };
  visit(value, label);
  return problems;
}

/** The text of `value` outside its cdktf tokens (all of it without `tokens`, or when a marker names no token). */
function literalTexts(value: string, tokens: boolean): string[] {
  if (!tokens || !Token.isUnresolved(value)) return [value];
  try {
    return Tokenization.reverseString(value).literals.map(String);
  } catch {
    // A marker that names no token (cdktf throws "Unrecognized token key"): it is text.
    return [value];
  }
}

/** An AWS region name like us-east-1, us-gov-west-1 or eusc-de-east-1 (the European Sovereign Cloud). */
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d$/;

/**
 * For names given by JS callers or JSON: `RegExp.test` turns a non-string into a string ("undefined", "5")
 * that may well pass, so the type is checked first.
 */
function checkString(value: unknown, label: string): asserts value is string {
  if (value === undefined) throw new ValidationError(label, 'is required');
  if (typeof value !== 'string') throw new ValidationError(label, `must be a string, got ${show(value)}`);
}

// IAM user names: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
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
export const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,56}$/;
export function checkResourceName(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  checkString(value, label);
  if (!RESOURCE_NAME.test(value)) {
    throw new ValidationError(label, `must be 1-56 characters of letters, digits, _ and -, got ${show(value)}`);
  }
}

/** `alternative` adds to the message what else is accepted, e.g. `, or -1 for none`. */
export function checkIntegerInRange(value: number, min: number, max: number, label: string, alternative = ''): void {
  if (isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(label, `must be an integer between ${min} and ${max}${alternative}, got ${show(value)}`);
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
    throw new ValidationError(
      label,
      `must be one of CloudWatch's retention periods (${LOG_RETENTION_DAYS.join(', ')}), got ${show(value)}`,
    );
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

/**
 * A principal KMS accepts in a key policy: an account root, an IAM role or an IAM user, by ARN with a 12-digit
 * account, no region and no wildcard. Anything else (a group, `*`, an ARN without account) fails CreateKey and
 * PutKeyPolicy with MalformedPolicyDocumentException.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 */
export const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/([!-~]*\/)?[\w+=,.@-]{1,64})$/;
export function checkPrincipalArn(value: unknown, label: string): void {
  if (isUnresolved(value)) return;
  checkString(value, label);
  if (/[*?]/.test(value)) {
    throw new ValidationError(
      label,
      `must not contain a wildcard: KMS takes no wildcard principals in a key policy, got ${show(value)}`,
    );
  }
  if (!PRINCIPAL_ARN.test(value)) {
    throw new ValidationError(
      label,
      `must be the ARN of an account root, IAM role or IAM user with a 12-digit account and no region (arn:<partition>:iam::<account>:root, :role/<name> or :user/<name>), got ${show(value)}`,
    );
  }
}

// Tags go on IAM, Lambda, KMS, Secrets Manager and CloudWatch Logs resources; these rules hold for all of them
// (e.g. https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html, the Logs TagLogGroup patterns).
export const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAG_TEXT_RULE = 'letters, digits, spaces and _.:/=+-@';
/** AWS's own tags start with it, in any case; users may not use it. */
const AWS_TAG_PREFIX = /^aws:/i;
export const MAX_TAGS_PER_RESOURCE = 50;

/**
 * Every problem with the user's tags. `reserved` maps the keys the construct or the function write on the same
 * resources to the reason: the user may not set them. `onTop` are the reserved keys a resource may carry besides the
 * user's (all of them unless some apply only to some configurations), which count against the 50 tags it may have;
 * `onTopReason` says why, when not all do.
 */
export function tagsProblems(
  tags: Record<string, string>,
  reserved: Record<string, string>,
  label: string,
  onTop: readonly string[] = Object.keys(reserved),
  onTopReason?: string,
): ValidationError[] {
  const problems: ValidationError[] = [];
  const maxTags = MAX_TAGS_PER_RESOURCE - onTop.length;
  const entries = Object.entries(tags);
  if (entries.length > maxTags) {
    const keys = onTop.length > 1 ? `${onTop.slice(0, -1).join(', ')} and ${onTop.at(-1)}` : onTop.join('');
    problems.push(
      new ValidationError(
        label,
        `must have at most ${maxTags} tags: AWS allows ${MAX_TAGS_PER_RESOURCE} per resource, and ${keys} come on top${onTopReason === undefined ? '' : ` (${onTopReason})`}, got ${entries.length}`,
      ),
    );
  }
  for (const [key, value] of entries) {
    if (Object.hasOwn(reserved, key)) {
      problems.push(new ValidationError(label, `must not set ${show(key)}: ${reserved[key]}`));
      continue;
    }
    if (!isUnresolved(key)) {
      const keyProblem = tagTextProblem(key, 1, 128);
      if (keyProblem !== undefined) problems.push(new ValidationError(label, `keys ${keyProblem}, got ${show(key)}`));
    }
    if (typeof value !== 'string') {
      problems.push(
        new ValidationError(`${label}.${key}`, `must be a string of at most 256 characters, got ${show(value)}`),
      );
    } else if (!isUnresolved(value)) {
      const valueProblem = tagTextProblem(value, 0, 256);
      if (valueProblem !== undefined)
        problems.push(new ValidationError(`${label}.${key}`, `${valueProblem}, got ${show(value)}`));
    }
  }
  return problems;
}

function tagTextProblem(text: string, min: number, max: number): string | undefined {
  // AWS counts Unicode characters, not UTF-16 units.
  const length = [...text].length;
  if (length < min || length > max) return `must be ${min}-${max} characters`;
  if (!TAG_TEXT.test(text)) return `must be ${TAG_TEXT_RULE}`;
  if (AWS_TAG_PREFIX.test(text)) return 'must not start with "aws:", which AWS reserves';
  return undefined;
}
