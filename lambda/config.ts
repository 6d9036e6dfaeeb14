import {
  DEFAULT_LOG_LEVEL as DEFAULT_FUNCTION_LOG_LEVEL,
  DEFAULT_PREVIOUS_KEY_ACTION,
  DEFAULT_TEST_BUDGET_MS,
  FUNCTION_ENV,
  PREVIOUS_KEY_ACTIONS,
  type PreviousKeyAction,
} from '../contract';
import { ConfigurationError, type RotationScope } from './errors';
import { LOG_LEVELS, type LogLevel, toLogLevel } from './logger';
import { type ManagedSecrets, toManagedSecrets } from './managed-secrets';

export interface RotationConfig {
  /** What finishSecret does with the key that was AWSCURRENT before the rotation. */
  readonly previousKeyAction: PreviousKeyAction;
  /** How long testSecret keeps retrying a key that does not authenticate yet, in milliseconds. */
  readonly testBudgetMs: number;
  readonly logLevel: LogLevel;
  /** The stack's secrets: the function refuses any other. */
  readonly managedSecrets: ManagedSecrets;
}

export const DEFAULT_LOG_LEVEL: LogLevel = toLogLevel(DEFAULT_FUNCTION_LOG_LEVEL);

export type Environment = Readonly<Record<string, string | undefined>>;

function oneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** Unset and empty variables take their default. @throws ConfigurationError naming the variable and its bad value. */
export function loadConfig(env: Environment, scope: RotationScope): RotationConfig {
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
    throw invalid(FUNCTION_ENV.managedSecrets, 'a JSON list of the stack\'s secret-name patterns (set by the construct)', read(FUNCTION_ENV.managedSecrets) ?? '');
  }

  return { previousKeyAction, testBudgetMs, logLevel, managedSecrets };
}

function parseManagedSecrets(text: string | undefined): ManagedSecrets | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.length > 0 ? toManagedSecrets(parsed) : undefined;
  } catch {
    return undefined;
  }
}
