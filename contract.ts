// The only things the constructs (lib/) and the rotation function (lambda/) both know.
// They never import each other; the built zip and these names are their whole bond.

/** Tag on every managed secret; its value is the IAM user name the secret rotates. */
export const USER_TAG_KEY = 'iam-key-rotation:user';

/** What finishSecret does with the key that was AWSCURRENT before the rotation. */
export const PREVIOUS_KEY_ACTIONS = ['keep', 'deactivate'] as const;
export type PreviousKeyAction = (typeof PREVIOUS_KEY_ACTIONS)[number];

/** `keep`: consumers that cached the old key go on working until the next rotation deletes it. */
export const DEFAULT_PREVIOUS_KEY_ACTION: PreviousKeyAction = 'keep';

/**
 * How long testSecret keeps retrying a new key that IAM has not propagated yet, in milliseconds: half the
 * function timeout the construct sets (60 s). New keys usually authenticate within seconds; the rest leaves
 * time for the other calls of the step.
 */
export const DEFAULT_TEST_BUDGET_MS = 30_000;

/**
 * The function's log levels as the construct takes them and writes them to LOG_LEVEL. The handler reads the
 * variable case-insensitively and logs with the lowercase names (`"level":"info"`).
 */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

/** Environment variables the construct sets on the function and the handler reads. */
export const FUNCTION_ENV = {
  previousKeyAction: 'PREVIOUS_KEY_ACTION',
  testBudgetMs: 'TEST_BUDGET_MS',
  logLevel: 'LOG_LEVEL',
  managedSecrets: 'MANAGED_SECRETS',
} as const;

/**
 * The stack's trust boundary, as the construct writes MANAGED_SECRETS: a JSON list of secret-name patterns. A pattern
 * ending in PREFIX_PATTERN_SUFFIX covers every name that starts with what precedes it; any other pattern is one exact
 * name. Secret names cannot contain `*`, so the two never mix. The handler refuses any secret that matches none, in
 * the function's own account, region and partition.
 */
export const PREFIX_PATTERN_SUFFIX = '*';

/**
 * Tag createSecret puts on the secret just before it creates a key: `<token> <start> <end>` (ISO 8601 times).
 * A key created inside that window by an attempt that could not store it is provably the rotation's own, so
 * the retry deletes it. finishSecret removes the tag. Terraform ignores it, and the function may only write
 * this tag key.
 */
export const ATTEMPT_TAG_KEY = 'iam-key-rotation:attempt';
