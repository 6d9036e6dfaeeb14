import {
  DEFAULT_LOG_LEVEL as DEFAULT_FUNCTION_LOG_LEVEL,
  DEFAULT_PREVIOUS_KEY_ACTION,
  DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
  DEFAULT_PREVIOUS_KEY_IN_USE,
  DEFAULT_TEST_BUDGET_MS,
  FUNCTION_ENV,
  MAX_PREVIOUS_KEY_GRACE_DAYS,
  PREVIOUS_KEY_ACTIONS,
  PREVIOUS_KEY_IN_USE_ACTIONS,
  type PreviousKeyPolicy,
} from './contract';
import { ConfigurationError, type RotationScope } from './errors';
import { LOG_LEVELS, type LogLevel, toLogLevel } from './log-levels';
import type { GrantRoles } from './grant-roles';
import { type ManagedSecrets, toManagedSecrets } from './managed-secrets';

export interface FunctionSettings {
  /** The stack's previous-key policy; a secret's own tag overrides it (see previous-key-policy.ts). */
  readonly previousKeyPolicy: PreviousKeyPolicy;
  /** How long testSecret keeps retrying a key that does not authenticate yet, in milliseconds. */
  readonly testBudgetMs: number;
  readonly logLevel: LogLevel;
  /** The stack's secrets: the function refuses any other. */
  readonly managedSecrets: ManagedSecrets;
  /** Where the sweep publishes its findings. */
  readonly notificationTopicArn?: string;
  /** The roles holding the grants on secrets and users, when the function's own role does not. */
  readonly grantRoles?: GrantRoles;
}

export const DEFAULT_LOG_LEVEL: LogLevel = toLogLevel(DEFAULT_FUNCTION_LOG_LEVEL);

export type Environment = Readonly<Record<string, string | undefined>>;

function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** Unset and empty variables take their default. @throws ConfigurationError naming the variable and its bad value. */
export function loadFunctionSettings(env: Environment, scope: RotationScope): FunctionSettings {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const invalid = (name: string, expected: string, value: string): ConfigurationError =>
    new ConfigurationError(scope, `environment variable ${name} must be ${expected}, got ${JSON.stringify(value)}`);

  const previousKeyAction = read(FUNCTION_ENV.previousKeyAction) ?? DEFAULT_PREVIOUS_KEY_ACTION;
  if (!oneOf(PREVIOUS_KEY_ACTIONS, previousKeyAction)) {
    throw invalid(FUNCTION_ENV.previousKeyAction, `one of ${PREVIOUS_KEY_ACTIONS.join(', ')}`, previousKeyAction);
  }
  const graceText = read(FUNCTION_ENV.previousKeyGraceDays);
  const graceDays = graceText === undefined ? DEFAULT_PREVIOUS_KEY_GRACE_DAYS : Number(graceText);
  if (!Number.isSafeInteger(graceDays) || graceDays < 1 || graceDays > MAX_PREVIOUS_KEY_GRACE_DAYS) {
    throw invalid(
      FUNCTION_ENV.previousKeyGraceDays,
      `a whole number of days from 1 to ${MAX_PREVIOUS_KEY_GRACE_DAYS}`,
      graceText ?? '',
    );
  }
  const inUse = read(FUNCTION_ENV.previousKeyInUse) ?? DEFAULT_PREVIOUS_KEY_IN_USE;
  if (!oneOf(PREVIOUS_KEY_IN_USE_ACTIONS, inUse)) {
    throw invalid(FUNCTION_ENV.previousKeyInUse, `one of ${PREVIOUS_KEY_IN_USE_ACTIONS.join(', ')}`, inUse);
  }

  const testBudget = read(FUNCTION_ENV.testBudgetMs);
  const testBudgetMs = testBudget === undefined ? DEFAULT_TEST_BUDGET_MS : Number(testBudget);
  if (!Number.isSafeInteger(testBudgetMs) || testBudgetMs <= 0) {
    throw invalid(FUNCTION_ENV.testBudgetMs, 'a positive whole number of milliseconds', testBudget ?? '');
  }

  const logLevel = read(FUNCTION_ENV.logLevel)?.toLowerCase() ?? DEFAULT_LOG_LEVEL;
  if (!oneOf(LOG_LEVELS, logLevel)) {
    throw invalid(FUNCTION_ENV.logLevel, `one of ${LOG_LEVELS.join(', ')}`, logLevel);
  }

  const managedSecrets = parseManagedSecrets(read(FUNCTION_ENV.managedSecrets));
  if (managedSecrets === undefined) {
    // No default: without it the function could not tell the stack's secrets from any other.
    throw invalid(
      FUNCTION_ENV.managedSecrets,
      "a JSON list of the stack's secrets, `<prefix>*` or [name, user] (set by the construct)",
      read(FUNCTION_ENV.managedSecrets) ?? '',
    );
  }

  const notificationTopicArn = read(FUNCTION_ENV.notificationTopicArn);
  if (notificationTopicArn !== undefined && !SNS_TOPIC_ARN.test(notificationTopicArn)) {
    throw invalid(FUNCTION_ENV.notificationTopicArn, 'an SNS topic ARN', notificationTopicArn);
  }

  const grantRoleCountText = read(FUNCTION_ENV.grantRoleCount);
  const grantRoleNamePrefix = read(FUNCTION_ENV.grantRoleNamePrefix);
  let grantRoles: GrantRoles | undefined;
  if (grantRoleCountText !== undefined || grantRoleNamePrefix !== undefined) {
    const count = Number(grantRoleCountText);
    if (!Number.isSafeInteger(count) || count < 1)
      throw invalid(
        FUNCTION_ENV.grantRoleCount,
        `a positive whole number (with ${FUNCTION_ENV.grantRoleNamePrefix})`,
        grantRoleCountText ?? '',
      );
    if (grantRoleNamePrefix === undefined || !ROLE_NAME_PREFIX.test(grantRoleNamePrefix)) {
      throw invalid(
        FUNCTION_ENV.grantRoleNamePrefix,
        `the start of an IAM role name (with ${FUNCTION_ENV.grantRoleCount})`,
        grantRoleNamePrefix ?? '',
      );
    }
    grantRoles = { count, namePrefix: grantRoleNamePrefix };
  }

  return {
    previousKeyPolicy: { action: previousKeyAction, graceDays, inUse },
    testBudgetMs,
    logLevel,
    managedSecrets,
    ...(notificationTopicArn === undefined ? {} : { notificationTopicArn }),
    ...(grantRoles === undefined ? {} : { grantRoles }),
  };
}

const ROLE_NAME_PREFIX = /^[\w+=,.@-]{1,62}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

function parseManagedSecrets(text: string | undefined): ManagedSecrets | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.length > 0 ? toManagedSecrets(parsed) : undefined;
  } catch {
    return undefined;
  }
}
