// The only things the constructs (lib/) and the rotation function (lambda/) both know.
// They never import each other; the built zip and these names are their whole bond.

/** Tag on every managed secret; its value is the IAM user name the secret rotates. */
export const USER_TAG_KEY = 'iam-key-rotation:user';

/**
 * What happens to the key that was AWSCURRENT before a rotation: `deactivate-after-grace` (the daily sweep sets it
 * Inactive once the grace period has passed and no consumer used it since the rotation), `deactivate` (finishSecret
 * sets it Inactive at once) or `keep` (it stays Active until the next rotation deletes it).
 */
export const PREVIOUS_KEY_ACTIONS = ['deactivate-after-grace', 'deactivate', 'keep'] as const;
export type PreviousKeyAction = (typeof PREVIOUS_KEY_ACTIONS)[number];

/** A bounded exposure by default: a consumer that cached the old key has a week to pick up the new one. */
export const DEFAULT_PREVIOUS_KEY_ACTION: PreviousKeyAction = 'deactivate-after-grace';
export const DEFAULT_PREVIOUS_KEY_GRACE_DAYS = 7;
export const MAX_PREVIOUS_KEY_GRACE_DAYS = 365;

/**
 * What the sweep does when the grace period has passed but IAM says the previous key was used after the rotation:
 * `hold` it Active and warn again each day (the default), or `deactivate` it anyway, with a warning.
 */
export const PREVIOUS_KEY_IN_USE_ACTIONS = ['hold', 'deactivate'] as const;
export type PreviousKeyInUseAction = (typeof PREVIOUS_KEY_IN_USE_ACTIONS)[number];
export const DEFAULT_PREVIOUS_KEY_IN_USE: PreviousKeyInUseAction = 'hold';

/** The previous-key policy of one secret: the stack's (the function's environment), or a user's own (a tag). */
export interface PreviousKeyPolicy {
  readonly action: PreviousKeyAction;
  /** Whole days after the rotation; used by `deactivate-after-grace` only. */
  readonly graceDays: number;
  readonly inUse: PreviousKeyInUseAction;
}

/**
 * Tag on a secret whose user has a previous-key policy of its own (the construct sets it; without it the stack's
 * policy applies). Its value is what formatPreviousKeyPolicy writes, e.g.
 * `action=deactivate-after-grace grace-days=7 in-use=hold`: readable in a plan, and within AWS's tag value characters.
 */
export const PREVIOUS_KEY_POLICY_TAG_KEY = 'iam-key-rotation:previous-key';

export function formatPreviousKeyPolicy(policy: PreviousKeyPolicy): string {
  return `action=${policy.action} grace-days=${policy.graceDays} in-use=${policy.inUse}`;
}

/** The policy a tag value states, or undefined if it is not exactly what formatPreviousKeyPolicy writes. */
export function parsePreviousKeyPolicy(text: string): PreviousKeyPolicy | undefined {
  const match = /^action=(\S+) grace-days=(\d{1,3}) in-use=(\S+)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, action, days, inUse] = match;
  const graceDays = Number(days);
  const isAction = (PREVIOUS_KEY_ACTIONS as readonly string[]).includes(action);
  const isInUse = (PREVIOUS_KEY_IN_USE_ACTIONS as readonly string[]).includes(inUse);
  if (!isAction || !isInUse || graceDays < 1 || graceDays > MAX_PREVIOUS_KEY_GRACE_DAYS) return undefined;
  return { action: action as PreviousKeyAction, graceDays, inUse: inUse as PreviousKeyInUseAction };
}

/**
 * How long testSecret keeps retrying a new key that IAM has not propagated yet, in milliseconds. New keys usually
 * authenticate within seconds; half a minute keeps a step short whatever the function's timeout (longer, for the sweep).
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
  previousKeyGraceDays: 'PREVIOUS_KEY_GRACE_DAYS',
  previousKeyInUse: 'PREVIOUS_KEY_IN_USE',
  /** Where the sweep publishes its findings; unset, it only logs them. */
  notificationTopicArn: 'NOTIFICATION_TOPIC_ARN',
  /** Grant roles (see grantRoleIndex): how many, and their names but for the 1-based number. Unset without grant roles. */
  grantRoleCount: 'KEY_ROLE_COUNT',
  grantRoleNamePrefix: 'KEY_ROLE_NAME_PREFIX',
} as const;

/**
 * A fleet too large for one role's policies is split over grant roles: each holds the grants on the secrets and users
 * of a share of the stack, and the function assumes the one that holds a secret's grants before it touches the secret.
 * The share is chosen by the secret's name (rendezvous hashing): when the stack grows from n to n+1 grant roles, only
 * the secrets that move to the new role change roles, and no secret's rotation resource changes at all.
 * Returns the 0-based index among `count` grant roles; the role's name is `<prefix><index + 1>`.
 */
export function grantRoleIndex(secretName: string, count: number): number {
  const nameHash = fnv1a(secretName);
  let best = 0;
  let bestScore = -1;
  for (let index = 0; index < count; index += 1) {
    // Each role's score for the name: the name's hash mixed with the role's number (the golden ratio spreads them).
    const score = fmix32(nameHash ^ Math.imul(index + 1, 0x9e3779b9));
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  }
  return best;
}

/** 32-bit FNV-1a of the UTF-16 code units: the same number in the construct and the function. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finalizer: every input bit moves every output bit. */
function fmix32(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * The event the daily schedule sends: exactly this object. It names no secret, so whoever sends it can only make the
 * function bring the stack's own secrets (MANAGED_SECRETS) to their policy's state.
 */
export const SWEEP_EVENT = { 'iam-key-rotation': 'sweep' } as const;

/**
 * The metric each completed sweep emits (CloudWatch embedded metric format, from the function's log), which the
 * construct's "sweep not running" alarm watches. Dimension: FunctionName.
 */
export const SWEEP_METRIC = {
  namespace: 'iam-key-rotation',
  completed: 'SweepsCompleted',
  dimension: 'FunctionName',
} as const;

/**
 * The stack's trust boundary, as the construct writes MANAGED_SECRETS: a JSON list of the stack's secrets, each entry
 * either a prefix (a string ending in PREFIX_PATTERN_SUFFIX, e.g. `"iam-key-rotation/*"`) or an exact name with the
 * user it binds (`["vendors/sync", "sync"]`). Secret names cannot contain `*`, so the two never mix. The handler refuses
 * any secret that matches none, in the function's own account, region and partition, and any secret that does not bind
 * the user its USER_TAG_KEY tag names (see ManagedSecretEntry): a secret binds exactly one user.
 */
export const PREFIX_PATTERN_SUFFIX = '*';

/**
 * One entry of MANAGED_SECRETS. A secret the stack lists by exact name (`[name, user]`) binds that user: its tag must
 * name it. Any other secret under a prefix binds the user its tag names only when it is named exactly
 * `<prefix><user>` and that user has no listed name of its own (compared ignoring case, as IAM compares user names).
 * Users with the default name `<prefix><user>` are derived, not listed: the list stays within Lambda's 4 KB
 * environment however many users a stack has.
 */
export type ManagedSecretEntry = string | readonly [secretName: string, userName: string];

/**
 * Tag createSecret puts on the secret just before it creates a key: `<token> <start> <end>` (ISO 8601 times).
 * A key created inside that window by an attempt that could not store it is provably the rotation's own, so
 * the retry deletes it. finishSecret removes the tag. Terraform ignores it, and the function may only write
 * this tag key.
 */
export const ATTEMPT_TAG_KEY = 'iam-key-rotation:attempt';
