// The plain Terraform module's input variables: types, defaults, descriptions and validations, written from the
// construct's own constants and patterns (lib/validation/validation.ts, lib/construct/schedule.ts, core/contract.ts), so the module's rules
// follow the construct's. The construct's checks stay the reference; HCL mirrors them as far as it can
// (docs/terraform-module.md).
import {
  ATTEMPT_TAG_KEY,
  DEFAULT_PREVIOUS_KEY_ACTION,
  DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
  DEFAULT_PREVIOUS_KEY_IN_USE,
  MAX_PREVIOUS_KEY_GRACE_DAYS,
  PREVIOUS_KEY_ACTIONS,
  PREVIOUS_KEY_IN_USE_ACTIONS,
  USER_TAG_KEY,
} from '../../core/contract';
import { DEFAULT_NAME, DEFAULT_RECOVERY_WINDOW_DAYS, RESERVED_TAG_KEYS } from '../construct/iam-access-key-rotation';
import {
  CRON,
  DEFAULT_AUTOMATICALLY_AFTER_DAYS,
  DURATION,
  HOURS_PER_DAY,
  MAX_RATE_DAYS,
  MIN_HOURS_BETWEEN_ROTATIONS,
  RATE,
} from '../construct/schedule';
import {
  IAM_USER_NAME,
  MAX_TAGS_PER_RESOURCE,
  PRINCIPAL_ARN,
  RESOURCE_NAME,
  TAG_TEXT,
  TAG_TEXT_RULE,
} from '../validation/validation';
import { hclString, matches } from './hcl';

export interface ModuleValidation {
  /** An HCL expression, true when the value is valid. */
  readonly condition: string;
  /** An HCL template (a string's content): what is wrong, naming the variable in backticks and echoing the bad value. */
  readonly errorMessage: string;
}

export interface ModuleVariable {
  readonly name: string;
  /** HCL type constraint. */
  readonly type: string;
  /** The type as the README shows it, when `type` is `any` and the validations check the shape instead. */
  readonly shape?: string;
  /** The default as JSON; absent: required. */
  readonly default?: unknown;
  readonly description: string;
  readonly validations: readonly ModuleValidation[];
}

const oneOf = (values: readonly string[]): string => `[${values.map(hclString).join(', ')}]`;

/** The module's secrets carry the user tag and, while a rotation runs, the attempt tag (no per-user policy tag). */
const MAX_MODULE_TAGS = MAX_TAGS_PER_RESOURCE - 2;

const SCHEDULE_TYPE =
  'object({ automatically_after_days = optional(number), schedule_expression = optional(string), duration = optional(string) })';
const USERS_TYPE = `list(object({ name = string, create_user = optional(bool, false), schedule = optional(${SCHEDULE_TYPE}) }))`;

// Terraform converts a value to an object type by dropping the attributes the type does not name, silently: with
// `type = list(object({ name = string, ... }))`, `crate_user = true` would pass as if unwritten. So `users` and `schedule`
// take `any`, a validation checks their shape (known fields, types, `name` required) with the config's messages, and
// the other checks and the module read a typed view of them, with the optional fields' defaults.

type FieldKind = 'name' | 'string' | 'number' | 'bool' | { readonly object: Readonly<Record<string, FieldKind>> };
const SCHEDULE_FIELDS: Readonly<Record<string, FieldKind>> = {
  automatically_after_days: 'number',
  schedule_expression: 'string',
  duration: 'string',
};
const USER_FIELDS: Readonly<Record<string, FieldKind>> = {
  name: 'name',
  create_user: 'bool',
  schedule: { object: SCHEDULE_FIELDS },
};
const CONVERSION = { string: 'tostring', number: 'tonumber', bool: 'tobool' } as const;
const TYPE_NAME = { string: 'a string', number: 'a number', bool: 'a boolean' } as const;

/**
 * HCL: the messages for what is wrong with the shape of `value` (an HCL expression), an object whose fields are `fields`,
 * naming `label` (the content of an HCL template, e.g. `users[${index}]`). It never fails to evaluate, whatever the value:
 * each part is guarded by a conditional, whose other branch Terraform does not evaluate.
 */
function objectProblems(value: string, label: string, fields: Readonly<Record<string, FieldKind>>): string {
  const known = Object.keys(fields);
  const unknown = `[for key in keys(${value}) : "\`${label}.\${key}\` is not a known key (known: ${known.join(', ')})." if !contains(${oneOf(known)}, key)]`;
  const fieldLists = Object.entries(fields).map(([field, kind]) =>
    fieldProblems(`${value}.${field}`, `${label}.${field}`, kind),
  );
  return `(can(keys(${value})) ? concat(${unknown}, ${fieldLists.join(', ')}) : ["\`${label}\` must be an object, got \${jsonencode(${value})}."])`;
}

/** HCL: the messages for a field (`value` may name an attribute the object lacks: `try` reads it as null). */
function fieldProblems(value: string, label: string, kind: FieldKind): string {
  const absent = `try(${value}, null) == null`;
  if (kind === 'name') return `(${absent} ? ["\`${label}\` is required."] : ${fieldProblems(value, label, 'string')})`;
  if (typeof kind === 'object') return `(${absent} ? [] : ${objectProblems(value, label, kind.object)})`;
  return `(${absent} || can(${CONVERSION[kind]}(${value})) ? [] : ["\`${label}\` must be ${TYPE_NAME[kind]}, got \${jsonencode(${value})}."])`;
}

/** HCL: whether `var.users` is a list (or tuple), not an object. */
const USERS_IS_LIST = '(can([for user in var.users : user]) && !can(keys(var.users)))';
/** HCL: the shape problems of `var.users`: a list of user objects. */
const USERS_SHAPE_PROBLEMS =
  `(${USERS_IS_LIST} ? flatten([for index, user in var.users : ${objectProblems('user', 'users[${index}]', USER_FIELDS)}]) : ` +
  '["`users` must be a list of users, got ${jsonencode(var.users)}."])';
/** HCL: the shape problems of `var.schedule`. */
const SCHEDULE_SHAPE_PROBLEMS = objectProblems('var.schedule', 'schedule', SCHEDULE_FIELDS);

/**
 * HCL: schedule `s` with every field, typed (a typed null where it is absent). `lenient`: a field that does not convert
 * is null too, so that the value checks can read any value (the shape check reports it); otherwise the shape is right.
 */
const scheduleView = (s: string, lenient: boolean): string => {
  const field = (name: string, conversion: string): string =>
    lenient ? `try(${conversion}(${s}.${name}), ${conversion}(null))` : `${conversion}(try(${s}.${name}, null))`;
  return `{ automatically_after_days = ${field('automatically_after_days', 'tonumber')}, schedule_expression = ${field('schedule_expression', 'tostring')}, duration = ${field('duration', 'tostring')} }`;
};
/** HCL: user `u` with every field, typed, `create_user` false by default (`lenient` as for scheduleView). */
const userView = (u: string, lenient: boolean): string =>
  lenient
    ? `{ name = try(tostring(${u}.name), tostring(null)), create_user = try(tobool(${u}.create_user), null) == true, schedule = can(keys(${u}.schedule)) ? ${scheduleView(`${u}.schedule`, true)} : null }`
    : `{ name = tostring(${u}.name), create_user = coalesce(tobool(try(${u}.create_user, null)), false), schedule = try(${u}.schedule, null) == null ? null : ${scheduleView(`${u}.schedule`, false)} }`;

/** HCL: the users as a typed variable would give them, for a `var.users` of the right shape (the module's locals). */
export const USERS_VIEW = `[for user in var.users : ${userView('user', false)}]`;
/** HCL: the shared schedule with every field, for a `var.schedule` of the right shape. */
export const SCHEDULE_VIEW = scheduleView('var.schedule', false);
/** HCL: what the value checks read, whatever the shape: what does not convert is null, or no users for no list. */
const CHECKED_USERS = `try([for user in var.users : ${userView('user', true)}], [])`;
const CHECKED_SCHEDULE = scheduleView('var.schedule', true);

/** The list of `label`s (HCL strings) of `list` elements for which `bad` holds, joined: a message naming each. */
function each(list: string, index: string, item: string, bad: string, message: string): ModuleValidation {
  return {
    condition: `length([for ${index}, ${item} in ${list} : ${index} if ${bad}]) == 0`,
    errorMessage: `\${join("\\n", [for ${index}, ${item} in ${list} : "${message}" if ${bad}])}`,
  };
}

const rateAmount = (expression: string): string => `tonumber(regex(${hclString(RATE.source)}, ${expression})[0])`;
const cronField = (expression: string, field: number): string =>
  `split(" ", regex(${hclString(CRON.source)}, ${expression})[0])[${field}]`;
const rateIsHours = (expression: string): string =>
  `startswith(regex(${hclString(RATE.source)}, ${expression})[1], "hour")`;

/** Checks of one schedule object `s` (an HCL expression, never null here), each a bad-condition and its problem. */
function scheduleChecks(s: string): { bad: string; problem: string; field: string; value: string }[] {
  const days = `${s}.automatically_after_days`;
  const expression = `${s}.schedule_expression`;
  const duration = `${s}.duration`;
  return [
    {
      field: '',
      value: `jsonencode(${s})`,
      bad: `${days} != null && ${expression} != null`,
      problem: 'must set `automatically_after_days` or `schedule_expression`, not both',
    },
    {
      field: '.automatically_after_days',
      value: `jsonencode(${days})`,
      bad: `${days} != null && try(!(floor(${days}) == ${days} && ${days} >= 1 && ${days} <= 1000), true)`,
      problem: 'must be an integer between 1 and 1000',
    },
    {
      field: '.schedule_expression',
      value: `jsonencode(${expression})`,
      bad: `${expression} != null && !(${matches(RATE, expression)} || ${matches(CRON, expression)})`,
      problem: 'must be rate(N days), rate(N hours) or a six-field cron(...) expression',
    },
    {
      field: '.schedule_expression',
      value: `jsonencode(${expression})`,
      bad: `${expression} != null && try(${rateIsHours(expression)} && ${rateAmount(expression)} < ${MIN_HOURS_BETWEEN_ROTATIONS}, false)`,
      problem: `must rotate at most every ${MIN_HOURS_BETWEEN_ROTATIONS} hours`,
    },
    {
      field: '.schedule_expression',
      value: `jsonencode(${expression})`,
      bad: `${expression} != null && try(!${rateIsHours(expression)} && (${rateAmount(expression)} < 1 || ${rateAmount(expression)} > ${MAX_RATE_DAYS}), false)`,
      problem: `must be rate(N days) with N from 1 to ${MAX_RATE_DAYS} (Secrets Manager's longest rate; \`automatically_after_days\` allows 1000)`,
    },
    {
      field: '.schedule_expression',
      value: `jsonencode(${expression})`,
      bad: `${expression} != null && try(${cronField(expression, 0)} != "0", false)`,
      problem: 'must have 0 as the minutes of cron(...): rotation windows open on the hour',
    },
    {
      field: '.schedule_expression',
      value: `jsonencode(${expression})`,
      bad: `${expression} != null && try(${cronField(expression, 5)} != "*", false)`,
      problem: 'must have * as the year of cron(...): Secrets Manager takes no schedule more than a year apart',
    },
    {
      field: '.duration',
      value: `jsonencode(${duration})`,
      bad: `${duration} != null && try(!(tonumber(regex(${hclString(DURATION.source)}, ${duration})[0]) >= 1 && tonumber(regex(${hclString(DURATION.source)}, ${duration})[0]) <= ${HOURS_PER_DAY}), true)`,
      problem: "must be between 1h and 24h, e.g. '3h'",
    },
  ];
}

/** Hours between rotations of schedule `s` when it says (days, or a rate); null for a cron expression. */
function intervalHours(s: string): string {
  const expression = `${s}.schedule_expression`;
  return (
    `(${expression} == null ? coalesce(${s}.automatically_after_days, ${DEFAULT_AUTOMATICALLY_AFTER_DAYS}) * ${HOURS_PER_DAY} : ` +
    `try(${rateIsHours(expression)} ? ${rateAmount(expression)} : ${rateAmount(expression)} * ${HOURS_PER_DAY}, null))`
  );
}

/** Hours as the construct writes an interval: whole days as days, else hours. */
const formatHours = (hours: string): string =>
  `${hours} % ${HOURS_PER_DAY} == 0 ? "\${${hours} / ${HOURS_PER_DAY}} days" : "\${${hours}} hours"`;

/** A user's effective schedule: its own, else the shared one. */
const userSchedule = (user: string): string => `(${user}.schedule != null ? ${user}.schedule : ${CHECKED_SCHEDULE})`;

/** The checks of tagTextProblem (lib/validation/validation.ts) on `text`, each a bad-condition and its problem. */
function tagTextChecks(text: string, min: number, max: number): { bad: string; problem: string }[] {
  return [
    { bad: `!(length(${text}) >= ${min} && length(${text}) <= ${max})`, problem: `must be ${min}-${max} characters` },
    { bad: `!${matches(TAG_TEXT, text)}`, problem: `must be ${TAG_TEXT_RULE}` },
    { bad: `can(regex("(?i)^aws:", ${text}))`, problem: 'must not start with \\"aws:\\", which AWS reserves' },
  ];
}

/** The variables, in the README's order. `maxUsers` is the most the function role's managed policies can name. */
export function moduleVariables(maxUsers: number): ModuleVariable[] {
  const reservedMap = `{ ${Object.entries(RESERVED_TAG_KEYS)
    .map(([key, reason]) => `${hclString(key)} = ${hclString(reason)}`)
    .join(', ')} }`;
  const graceBad =
    `var.previous_key_action == "deactivate-after-grace" && try(${intervalHours(userSchedule('user'))} != null && ` +
    `var.previous_key_grace_days * ${HOURS_PER_DAY} >= ${intervalHours(userSchedule('user'))}, false)`;
  return [
    {
      name: 'users',
      type: 'any',
      shape: USERS_TYPE,
      description:
        'The IAM users whose access keys rotate, each with its own secret `<name>/<user name>`: `name` (1-64 characters of letters, digits and _+=.@-, unique ignoring case), ' +
        '`create_user` (create the user in this module; otherwise it must exist) and `schedule` (replaces the shared `schedule` for this user); any other field is refused.',
      validations: [
        { condition: `length(${USERS_SHAPE_PROBLEMS}) == 0`, errorMessage: `\${join("\\n", ${USERS_SHAPE_PROBLEMS})}` },
        {
          condition: `${USERS_IS_LIST} ? length(var.users) >= 1 : true`,
          errorMessage: '`users` must list at least one user, got [].',
        },
        {
          condition: `${USERS_IS_LIST} ? length(var.users) <= ${maxUsers} : true`,
          errorMessage:
            `\`users\` must list at most ${maxUsers} users, got \${length(var.users)}: the function's role holds their grants in managed policies ` +
            'that IAM limits (sized for the longest names the module allows); a larger fleet needs the CDKTF construct, which splits the grants over key roles.',
        },
        each(
          CHECKED_USERS,
          'index',
          'user',
          `user.name != null && !${matches(IAM_USER_NAME, 'user.name')}`,
          '`users[${index}].name` must be 1-64 characters of letters, digits and _+=,.@-, got ${jsonencode(user.name)}.',
        ),
        each(
          CHECKED_USERS,
          'index',
          'user',
          `try(strcontains(user.name, ","), false)`,
          "`users[${index}].name` must not contain ',': the secret `<name>/<user name>` would not be a valid secret name (name it in a CDKTF app with `secretName`), got ${jsonencode(user.name)}.",
        ),
        each(
          CHECKED_USERS,
          'index',
          'user',
          `length([for other in slice(${CHECKED_USERS}, 0, index) : other if try(lower(other.name) == lower(user.name), false)]) > 0`,
          '`users[${index}].name` must be unique (IAM ignores case), got ${jsonencode(user.name)} again.',
        ),
        ...scheduleChecks('user.schedule').map(({ bad, problem, field, value }) =>
          each(
            CHECKED_USERS,
            'index',
            'user',
            `user.schedule != null && try(${bad}, true)`,
            `\`users[\${index}].schedule${field}\` ${problem}, got \${${value}}.`,
          ),
        ),
      ],
    },
    {
      name: 'name',
      type: 'string',
      default: DEFAULT_NAME,
      description:
        'Name of the rotation function and its role, prefix of its log group, policies, topic, rules and alarms, and of the secret names (`<name>/<user name>`): 1-56 characters of letters, digits, _ and -.',
      validations: [
        {
          condition: matches(RESOURCE_NAME, 'var.name'),
          errorMessage: '`name` must be 1-56 characters of letters, digits, _ and -, got ${jsonencode(var.name)}.',
        },
      ],
    },
    {
      name: 'schedule',
      type: 'any',
      shape: SCHEDULE_TYPE,
      default: {},
      description:
        `When the secrets rotate: \`automatically_after_days\` (1-1000) or \`schedule_expression\` (rate(N days), rate(N hours) with N at least ${MIN_HOURS_BETWEEN_ROTATIONS}, or a six-field cron(...) in UTC), ` +
        `and \`duration\`, the rotation window (1h-24h). Without either, every ${DEFAULT_AUTOMATICALLY_AFTER_DAYS} days. Any other field is refused.`,
      validations: [
        {
          condition: `length(${SCHEDULE_SHAPE_PROBLEMS}) == 0`,
          errorMessage: `\${join("\\n", ${SCHEDULE_SHAPE_PROBLEMS})}`,
        },
        ...scheduleChecks(`(${CHECKED_SCHEDULE})`).map(({ bad, problem, field, value }) => ({
          condition: `!(${bad})`,
          errorMessage: `\`schedule${field}\` ${problem}, got \${${value}}.`,
        })),
      ],
    },
    {
      name: 'previous_key_action',
      type: 'string',
      default: DEFAULT_PREVIOUS_KEY_ACTION,
      description:
        "What happens to the key a rotation replaces: 'deactivate-after-grace' (the daily sweep deactivates it after `previous_key_grace_days`, unless a consumer still uses it: see `previous_key_in_use`), 'deactivate' (at once) or 'keep' (until the next rotation deletes it).",
      validations: [
        {
          condition: `contains(${oneOf(PREVIOUS_KEY_ACTIONS)}, var.previous_key_action)`,
          errorMessage: `\`previous_key_action\` must be one of ${PREVIOUS_KEY_ACTIONS.map((action) => JSON.stringify(action)).join(', ')}, got \${jsonencode(var.previous_key_action)}.`,
        },
      ],
    },
    {
      name: 'previous_key_grace_days',
      type: 'number',
      default: DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
      description: `Days after a rotation before the sweep deactivates the previous key, 1 to ${MAX_PREVIOUS_KEY_GRACE_DAYS} and less than every user's rotation interval; only with 'deactivate-after-grace'.`,
      validations: [
        {
          condition: `floor(var.previous_key_grace_days) == var.previous_key_grace_days && var.previous_key_grace_days >= 1 && var.previous_key_grace_days <= ${MAX_PREVIOUS_KEY_GRACE_DAYS}`,
          errorMessage: `\`previous_key_grace_days\` must be an integer between 1 and ${MAX_PREVIOUS_KEY_GRACE_DAYS}, got \${var.previous_key_grace_days}.`,
        },
        each(
          CHECKED_USERS,
          'index',
          'user',
          graceBad,
          `\`previous_key_grace_days\` must be less than the rotation interval of users[\${index}] (\${${formatHours(intervalHours(userSchedule('user')))}}, \${user.schedule != null ? "\`users[\${index}].schedule\`" : "\`schedule\`"}): the next rotation deletes the previous key before the grace period ends, got \${var.previous_key_grace_days}.`,
        ),
      ],
    },
    {
      name: 'previous_key_in_use',
      type: 'string',
      default: DEFAULT_PREVIOUS_KEY_IN_USE,
      description:
        "What the sweep does when the grace period has passed but IAM says the previous key was used after the rotation: 'hold' it Active and warn each day, or 'deactivate' it anyway, with a warning.",
      validations: [
        {
          condition: `contains(${oneOf(PREVIOUS_KEY_IN_USE_ACTIONS)}, var.previous_key_in_use)`,
          errorMessage: `\`previous_key_in_use\` must be one of ${PREVIOUS_KEY_IN_USE_ACTIONS.map((action) => JSON.stringify(action)).join(', ')}, got \${jsonencode(var.previous_key_in_use)}.`,
        },
      ],
    },
    {
      name: 'encryption',
      type: 'string',
      default: 'aws-managed',
      description:
        "Key for the secrets: 'aws-managed' (aws/secretsmanager) or 'customer-managed' (a KMS key created by the module, used only by the rotation role and `readers`, only through Secrets Manager).",
      validations: [
        {
          condition: `contains(["aws-managed", "customer-managed"], var.encryption)`,
          errorMessage:
            '`encryption` must be one of "aws-managed", "customer-managed", got ${jsonencode(var.encryption)}.',
        },
      ],
    },
    {
      name: 'readers',
      type: 'list(string)',
      default: [],
      description:
        "Principals that may read every secret (GetSecretValue and DescribeSecret, through each secret's resource policy): ARNs of IAM roles, IAM users or account roots, no wildcards. " +
        'Readers in another account need `encryption = "customer-managed"` (the created key lets them decrypt, only through Secrets Manager); with the AWS managed key the plan fails, naming the secret.',
      validations: [
        each(
          'var.readers',
          'index',
          'reader',
          `strcontains(reader, "*") || strcontains(reader, "?")`,
          '`readers[${index}]` must not contain a wildcard: KMS takes no wildcard principals in a key policy, got ${jsonencode(reader)}.',
        ),
        each(
          'var.readers',
          'index',
          'reader',
          `!(strcontains(reader, "*") || strcontains(reader, "?")) && !${matches(PRINCIPAL_ARN, 'reader')}`,
          '`readers[${index}]` must be the ARN of an account root, IAM role or IAM user with a 12-digit account and no region (arn:<partition>:iam::<account>:root, :role/<name> or :user/<name>), got ${jsonencode(reader)}.',
        ),
        each(
          'var.readers',
          'index',
          'reader',
          `index(var.readers, reader) != index`,
          '`readers[${index}]` must be unique, got ${jsonencode(reader)} again.',
        ),
      ],
    },
    {
      name: 'tags',
      type: 'map(string)',
      default: {},
      description: `Tags for every taggable resource: at most ${MAX_MODULE_TAGS}, keys of 1-128 and values of up to 256 ${TAG_TEXT_RULE}, neither starting with \`aws:\`.`,
      validations: [
        {
          condition: `length(var.tags) <= ${MAX_MODULE_TAGS}`,
          errorMessage: `\`tags\` must have at most ${MAX_MODULE_TAGS} tags: AWS allows ${MAX_TAGS_PER_RESOURCE} per resource, and ${USER_TAG_KEY} and ${ATTEMPT_TAG_KEY} come on top, got \${length(var.tags)}.`,
        },
        each(
          'keys(var.tags)',
          'index',
          'key',
          `contains(keys(${reservedMap}), key)`,
          `\`tags\` must not set \${jsonencode(key)}: \${${reservedMap}[key]}.`,
        ),
        ...tagTextChecks('key', 1, 128).map(({ bad, problem }) =>
          each(
            'keys(var.tags)',
            'index',
            'key',
            `!contains(keys(${reservedMap}), key) && ${bad}`,
            `\`tags\` keys ${problem}, got \${jsonencode(key)}.`,
          ),
        ),
        ...tagTextChecks('var.tags[key]', 0, 256).map(({ bad, problem }) =>
          each(
            'keys(var.tags)',
            'index',
            'key',
            `!contains(keys(${reservedMap}), key) && ${bad}`,
            `\`tags.\${key}\` ${problem}, got \${jsonencode(var.tags[key])}.`,
          ),
        ),
      ],
    },
    {
      name: 'recovery_window_in_days',
      type: 'number',
      default: DEFAULT_RECOVERY_WINDOW_DAYS,
      description: 'Days Secrets Manager keeps a deleted secret recoverable: 0 (delete at once) or 7 to 30.',
      validations: [
        {
          condition: `floor(var.recovery_window_in_days) == var.recovery_window_in_days && (var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30))`,
          errorMessage:
            '`recovery_window_in_days` must be 0 (delete immediately) or between 7 and 30, got ${var.recovery_window_in_days}.',
        },
      ],
    },
  ];
}
