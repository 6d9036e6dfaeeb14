// The only things the constructs (lib/) and the rotation function (lambda/) both know.
// They never import each other; the built zip and these names are their whole bond.

/** Tag on every managed secret; its value is the IAM user name the secret rotates. */
export const USER_TAG_KEY = 'iam-key-rotation:user';

/** What finishSecret does with the key that was AWSCURRENT before the rotation. */
export const PREVIOUS_KEY_ACTIONS = ['keep', 'deactivate'] as const;
export type PreviousKeyAction = (typeof PREVIOUS_KEY_ACTIONS)[number];

/** `keep`: consumers that cached the old key go on working until the next rotation deletes it. */
export const DEFAULT_PREVIOUS_KEY_ACTION: PreviousKeyAction = 'keep';

/** Environment variables the construct sets on the function and the handler reads. */
export const FUNCTION_ENV = {
  previousKeyAction: 'PREVIOUS_KEY_ACTION',
  testBudgetMs: 'TEST_BUDGET_MS',
  logLevel: 'LOG_LEVEL',
} as const;
