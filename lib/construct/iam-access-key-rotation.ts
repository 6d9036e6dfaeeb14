import { Construct } from 'constructs';
import { Annotations, Lazy, TerraformStack, Tokenization } from 'cdktf';
import {
  ATTEMPT_TAG_KEY,
  DEFAULT_LOG_LEVEL,
  DEFAULT_TEST_BUDGET_MS,
  FUNCTION_ENV,
  LOG_LEVELS,
  LogLevel,
  ManagedSecretEntry,
  PREVIOUS_KEY_POLICY_TAG_KEY,
  PreviousKeyAction,
  PreviousKeyInUseAction,
  USER_TAG_KEY,
  formatPreviousKeyPolicy,
} from '../../core/contract';
import { AwsContext } from '../synthesis/aws-context';
import { FunctionAlarms } from './function-alarms';
import { NotificationOptions, NotificationTopic, notificationOptionsProblems } from './notifications';
import { defaultFunctionZipPath } from '../../core/package-files';
import {
  LONGEST_ARN_PARTS,
  LONGEST_DNS_SUFFIX,
  MANAGED_POLICIES_PER_ROLE,
  accountRootArn,
  alarmArn,
  policyJson,
  regionalArn,
  roleArn,
} from '../grants/policy';
import {
  MAX_GRANT_ROLES,
  grantRoleArns,
  grantRoleCount,
  grantRoleNamePrefix,
  secretRoleArn,
} from '../grants/grant-role-count';
import {
  effectivePreviousKeyPolicy,
  graceWithinIntervalProblem,
  hasOwnPreviousKeyPolicy,
  previousKeyOptionsProblems,
} from './previous-key-policy';
import { RotationFailureAlert } from './rotation-failure-alert';
import { DEFAULT_SWEEP_HOUR_UTC, SweepSchedule } from './sweep-schedule';
import { RotatedUser, RotatedUserOptions } from './rotated-user';
import { RotationFunction } from './rotation-function';
import { applyRotationChecks } from '../rules/aspect';
import { RotationSchedule, rotationScheduleProblems } from './schedule';
import { LAMBDA_ENVIRONMENT_MAX_BYTES, environmentBytes, functionEnvironmentProblems } from './function-environment';
import { checkSecretNamePrefix, managedSecretEntries, secretNamePatterns } from './secret-names';
import { KeyReaders, keyReaders, readersOf, readersProblems, secretPolicySizeProblem } from './readers';
import { KEY_POLICY_SIZE_LIMIT, KeyPolicyContext, SecretsKey, secretsKeyStatements } from './secrets-key';
import { GrantSizing } from '../grants/grant-policy';
import {
  ValidationError,
  checkIamUserName,
  checkIntegerInRange,
  checkKmsKeyArn,
  checkLogRetention,
  checkOneOf,
  checkPrincipalArn,
  checkRecoveryWindow,
  checkResourceName,
  checkSecretName,
  isUnresolved,
  show,
  tagsProblems,
  terraformExpressionProblems,
} from '../validation/validation';

export const ENCRYPTIONS = ['aws-managed', 'customer-managed'] as const;
export type Encryption = (typeof ENCRYPTIONS)[number];
// Defined in the contract (the handler reads the same values); re-exported as part of the construct's API.
export { LOG_LEVELS, type LogLevel };

export interface IamAccessKeyRotationProps {
  /** The IAM users whose access keys rotate, each with its own secret (at least one). */
  readonly users: RotatedUserOptions[];
  /**
   * Name of the rotation function and its role, prefix of its log group and of the default secret-name prefix:
   * 1-56 characters of letters, digits, _ and -.
   * @default 'iam-key-rotation'
   */
  readonly name?: string;
  /**
   * Where the stack's secrets live, and so its trust boundary: Secrets Manager may invoke the function only for
   * secrets named under this prefix (and for each secret named outside it, by its exact name), the role is denied
   * every other secret, and the function refuses any other. Default secret names are `<secretNamePrefix><user name>`.
   * 1-511 characters of letters, digits and /_+=.@-, ending with a separator (one of /_+=.@-, such as `/` or `-`): a
   * prefix ending in a letter or digit, like `prod`, would also be the start of another team's names (`production-db`).
   * @default - `<name>/`, e.g. iam-key-rotation/
   */
  readonly secretNamePrefix?: string;
  /**
   * When the secrets rotate (each user may override it).
   * @default - every 90 days (`automaticallyAfterDays: 90`), window to the end of the UTC day
   */
  readonly schedule?: RotationSchedule;
  /**
   * What happens to the key a rotation replaces: 'deactivate-after-grace' (the daily sweep deactivates it once
   * `previousKeyGraceDays` have passed, unless a consumer still uses it: see `previousKeyInUse`), 'deactivate' (at
   * once, when the rotation finishes) or 'keep' (it works until the next rotation deletes it). Each user may override it.
   * @default 'deactivate-after-grace'
   */
  readonly previousKeyAction?: PreviousKeyAction;
  /**
   * Days after a rotation before the sweep deactivates the previous key, 1 to 365; only with
   * 'deactivate-after-grace', and less than every user's rotation interval (the next rotation deletes the key).
   * @default 7
   */
  readonly previousKeyGraceDays?: number;
  /**
   * What the sweep does when the grace period has passed but IAM says the previous key was used after the rotation:
   * 'hold' it Active and warn each day, or 'deactivate' it anyway, with a warning.
   * @default 'hold'
   */
  readonly previousKeyInUse?: PreviousKeyInUseAction;
  /**
   * Where rotation failures, the sweep's findings and the alarms go: an SNS topic, created or given, and e-mail
   * addresses to subscribe to it.
   * @default - a topic `<name>-notifications` encrypted with a key created for it, no subscriptions
   */
  readonly notifications?: NotificationOptions;
  /**
   * Hour of the day (UTC, 0-23) at which the daily sweep runs.
   * @default 6
   */
  readonly sweepHourUtc?: number;
  /**
   * How long testSecret keeps retrying a new key that IAM has not propagated yet, in milliseconds,
   * 1000 to 50000 (a rotation step's own budget, well inside the function's 900 s timeout).
   * @default 30000
   */
  readonly testBudgetMs?: number;
  /**
   * The function's log level: 'DEBUG', 'INFO', 'WARN' or 'ERROR'.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Key for the secrets: 'aws-managed' (aws/secretsmanager) or 'customer-managed' (created by this construct,
   * or the one given in `kmsKeyArn`).
   * @default 'aws-managed'
   */
  readonly encryption?: Encryption;
  /**
   * ARN of an existing KMS key for the secrets (with `encryption: 'customer-managed'`): a key ARN
   * (arn:<partition>:kms:<region>:<account>:key/<key-id>), not an alias ARN, which IAM policies cannot
   * grant key use on, in the region of the secrets. Its key policy must let the roles that rotate use it through
   * Secrets Manager: the rotation role, or, once the grants are split over grant roles, the grant roles
   * `<name>-keys-<n>` (synth then warns).
   * @default - a key is created when `encryption` is 'customer-managed'
   */
  readonly kmsKeyArn?: string;
  /**
   * Principals that read the secrets: the created key's policy lets them decrypt through Secrets Manager. ARNs of
   * account roots, IAM roles or IAM users (arn:<partition>:iam::<12-digit account>:root, :role/... or :user/...,
   * no wildcards), which KMS accepts in a key policy. Only with a created key; they still need
   * secretsmanager:GetSecretValue themselves.
   * @default - none
   */
  readonly readerArns?: string[];
  /**
   * Principals that may read every secret (each user may add its own): ARNs of IAM roles, IAM users or account roots,
   * in this account or others, no wildcards. Each secret gets a resource policy that lets them call GetSecretValue and
   * DescribeSecret, nothing else, and only for the versions AWSCURRENT (the default) and AWSPREVIOUS (the grace period's
   * key): never AWSPENDING, another stage or a version by id; the rotation's own access is untouched. A reader in another account also needs the
   * secrets under a customer managed key: the created key lets these readers decrypt every secret, and a user's own
   * readers only that user's secret, only through Secrets Manager; with
   * `kmsKeyArn`, its policy must; with the AWS managed key the plan fails, naming the secret.
   * @default - none: only principals whose own IAM policies allow it read the secrets, in this account
   */
  readonly readers?: string[];
  /**
   * Retention of the function's logs, in days: one of CloudWatch's periods (1, 3, 5, 7, 14, 30, 60, 90, ...).
   * @default 365
   */
  readonly logRetentionInDays?: number;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable: 0 (delete at once) or 7 to 30.
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /**
   * Tags for every taggable resource: at most 48 (a secret also carries `iam-key-rotation:user` and, during a
   * rotation, `iam-key-rotation:attempt`; AWS allows 50), 47 when some user has its own previous-key policy (its
   * secret also carries `iam-key-rotation:previous-key`), keys of 1-128 and values of up to 256 letters, digits,
   * spaces and _.:/=+-@, neither starting with `aws:`.
   * @default - none
   */
  readonly tags?: Record<string, string>;
  /**
   * The rotation function's deployment package (built by npm run build:lambda).
   * @default - dist/lambda.zip of this package, wherever it is installed
   */
  readonly functionZipPath?: string;
  /**
   * More environment variables for the function, only those with a documented use: AWS_MAX_ATTEMPTS (1-10) and
   * AWS_RETRY_MODE (standard or adaptive) tune the SDK's retries, AWS_USE_FIPS_ENDPOINT and
   * AWS_USE_DUALSTACK_ENDPOINT (true or false) choose AWS's FIPS or dual-stack endpoints. Any other variable could
   * change what code runs or where the SDK sends the keys the function mints (NODE_OPTIONS, CA bundles, proxies,
   * endpoints, config files), so it is refused.
   * @default - none
   */
  readonly functionEnvironment?: Record<string, string>;
  /**
   * Managed policies IAM lets one role have in this account: 10 (IAM's default quota) or, once the account's quota
   * is raised, up to 20. The grants on secrets and users fill managed policies of at most 6,144 characters; when the
   * function's role cannot hold them all, they are split over grant roles (`<name>-keys-<n>`) that the function assumes.
   * @default 10
   */
  readonly managedPoliciesPerRole?: number;
  /**
   * How many invocations of the rotation function may run at once (its reserved concurrency), 10 to 1000, or -1 for
   * no reservation (for accounts whose concurrency quota cannot spare it: Lambda keeps 100 unreserved). A cap keeps a
   * fleet whose rotations fall due together from flooding IAM and Secrets Manager with calls they would throttle.
   * @default 10
   */
  readonly reservedConcurrency?: number;
}

export const DEFAULT_NAME = 'iam-key-rotation';
const DEFAULT_ENCRYPTION: Encryption = 'aws-managed';
/** A year of rotation history covers an annual audit; never "forever" (cost, and the logs name users). */
export const DEFAULT_LOG_RETENTION_DAYS = 365;
/** The longest window: a secret deleted by mistake can be restored, with its key, for a month. */
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** IAM's default quota of managed policies per role, and the most it can be raised to. */
const DEFAULT_MANAGED_POLICIES_PER_ROLE = MANAGED_POLICIES_PER_ROLE;
const MAX_MANAGED_POLICIES_PER_ROLE = 20;
/**
 * Ten rotation steps at once: as many as Terraform's default parallelism starts first rotations, and few enough that
 * IAM's and Secrets Manager's request rates absorb them.
 */
export const DEFAULT_RESERVED_CONCURRENCY = 10;
/** AWS's advice for rotation functions: fewer can leave Secrets Manager's invocations throttled. */
const MIN_RESERVED_CONCURRENCY = 10;
const MAX_RESERVED_CONCURRENCY = 1000;
/** Lambda's value for "no reserved concurrency". */
const NO_RESERVED_CONCURRENCY = -1;

/**
 * Rotates the access keys of a set of IAM users: one shared rotation function, and per user a secret that
 * Secrets Manager rotates through it. Terraform never creates a key, so state and plans hold no key material.
 * Adds the rotation policy checks (lib/rules) to the stack.
 */
export class IamAccessKeyRotation extends Construct {
  readonly rotationFunction: RotationFunction;
  /** Present when `encryption` is 'customer-managed' without `kmsKeyArn`. */
  readonly secretsKey: SecretsKey | undefined;
  readonly users: RotatedUser[];
  readonly notifications: NotificationTopic;
  readonly sweepSchedule: SweepSchedule;
  readonly rotationFailureAlert: RotationFailureAlert;
  readonly alarms: FunctionAlarms;

  constructor(scope: Construct, id: string, props: IamAccessKeyRotationProps) {
    super(scope, id);
    validateProps(props);
    const name = props.name ?? DEFAULT_NAME;
    const tags = props.tags ?? {};
    const encryption = props.encryption ?? DEFAULT_ENCRYPTION;
    const context = new AwsContext(this, 'aws');
    const secretNamePatterns = stackSecretNamePatterns(props);
    // Validation found a count.
    const grantRoles = grantRoleCount(grantSizings(props), managedPoliciesPerRoleOf(props)) as number;
    if (grantRoles > 0 && props.kmsKeyArn !== undefined) {
      Annotations.of(this).addWarning(
        `The grants on the secrets are split over ${grantRoles} grant roles, ${grantRoleNamePrefix(name)}1 to ${grantRoleNamePrefix(name)}${grantRoles}: ` +
          `the policy of \`kmsKeyArn\` ${props.kmsKeyArn} must let them use the key through Secrets Manager (kms:Decrypt, kms:GenerateDataKey); the function's own role ${name} no longer does.`,
      );
    }

    // The topic's key names the role and the function's environment names the topic: a lazy environment breaks the cycle.
    let topicArn = '';
    this.rotationFunction = new RotationFunction(this, 'rotation-function', {
      name,
      zipPath: props.functionZipPath ?? defaultFunctionZipPath(),
      environment: {
        ...props.functionEnvironment,
        ...ownEnvironment(
          props,
          stackManagedSecretEntries(props),
          Lazy.stringValue({ produce: () => topicArn }),
          grantRoles,
        ),
      },
      logRetentionInDays: props.logRetentionInDays ?? DEFAULT_LOG_RETENTION_DAYS,
      tags,
      context,
      secretNamePatterns,
      secretNames: props.users.map((user) => secretNameOf(props, user)),
      grantRoleCount: grantRoles,
      managedPoliciesPerRole: managedPoliciesPerRoleOf(props),
      reservedConcurrency: props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
    });

    this.notifications = new NotificationTopic(this, 'notifications', {
      name,
      options: props.notifications ?? {},
      rotationRoleArn: roleArn(context.arnParts, this.rotationFunction.role.name),
      tags,
      context,
    });
    topicArn = this.notifications.topicArn;
    this.rotationFunction.grantPublish({ topicArn: this.notifications.policyTopicArn });
    this.sweepSchedule = new SweepSchedule(this, 'sweep', {
      name,
      function: this.rotationFunction.function,
      hourUtc: props.sweepHourUtc ?? DEFAULT_SWEEP_HOUR_UTC,
      tags,
      context,
    });
    this.rotationFailureAlert = new RotationFailureAlert(this, 'rotation-failed', {
      name,
      secretNamePatterns,
      topicArn,
      tags,
      context,
    });
    this.alarms = new FunctionAlarms(this, 'alarms', {
      name,
      functionName: this.rotationFunction.function.functionName,
      sweepRuleName: this.sweepSchedule.ruleName,
      topicArn,
      tags,
    });
    this.notifications.allowPublishers({
      ruleArns: this.rotationFailureAlert.ruleArns,
      alarmArns: [this.alarms.errors, this.alarms.sweepMissing].map((alarm) =>
        alarmArn(context.arnParts, alarm.alarmName),
      ),
    });

    let kmsKeyArn: string | undefined;
    if (encryption === 'customer-managed') {
      if (props.kmsKeyArn === undefined) {
        this.secretsKey = new SecretsKey(this, 'secrets-key', {
          rotationRoleArns: this.rotationFunction.secretRoleArns,
          readers: keyReadersOf(props),
          tags,
          context,
        });
        kmsKeyArn = this.secretsKey.key.arn;
      } else {
        kmsKeyArn = props.kmsKeyArn;
        this.rotationFunction.grantKeyUse(kmsKeyArn);
      }
    }

    this.users = props.users.map(
      (user) =>
        new RotatedUser(this, `user-${user.name}`, {
          userName: user.name,
          secretName: secretNameOf(props, user),
          schedule: user.schedule ?? props.schedule ?? {},
          createUser: user.createUser ?? false,
          rotationFunction: this.rotationFunction,
          kmsKeyArn,
          recoveryWindowInDays: props.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS,
          tags,
          previousKeyPolicy: hasOwnPreviousKeyPolicy(user)
            ? formatPreviousKeyPolicy(effectivePreviousKeyPolicy(user, props))
            : undefined,
          readers: readersOf(props.readers, user.readers),
          rotationRoleArn: secretRoleArn(context.arnParts, name, grantRoles, secretNameOf(props, user)),
          sameAccountReadersIn: encryption === 'aws-managed' ? context.accountId : undefined,
          arnParts: context.arnParts,
        }),
    );

    applyRotationChecks(TerraformStack.of(this));
  }

  /** Secret ARN per user name. */
  get secretArns(): Record<string, string> {
    return Object.fromEntries(this.users.map((user) => [user.userName, user.secret.arn]));
  }
}

/**
 * Every problem with the props, each naming the prop (or `users[i].field`) in backticks and echoing the bad
 * value. Values that are unresolved tokens are not checked. Shared with the config loader.
 */
export function iamAccessKeyRotationPropsProblems(props: IamAccessKeyRotationProps): string[] {
  const problems: string[] = [];
  const check = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(error.message);
    }
  };
  const report = (errors: ValidationError[]): void => {
    problems.push(...errors.map((error) => error.message));
  };
  if (!Array.isArray(props.users) || props.users.length === 0) {
    return [new ValidationError('users', `must list at least one user, got ${show(props.users)}`).message];
  }
  // Every string prop, tags included: no value may reach Terraform as an expression (references are the caller's).
  report(terraformExpressionProblems(props, '', true));
  const name = props.name ?? DEFAULT_NAME;
  check(() => checkResourceName(name, 'name'));
  if (props.secretNamePrefix !== undefined)
    check(() => checkSecretNamePrefix(props.secretNamePrefix, 'secretNamePrefix'));
  const prefix = secretNamePrefixOf(props);
  const userNames = new Set<string>();
  const secretNames = new Set<string>();
  props.users.forEach((user, index) => {
    check(() => checkIamUserName(user.name, `users[${index}].name`));
    // A missing or non-string name is reported just above; no more problems are derived from it.
    const hasName = typeof user.name === 'string';
    // IAM user names are unique case-insensitively: "Alice" and "alice" are the same user.
    const key = String(user.name).toLowerCase();
    if (hasName && userNames.has(key)) {
      problems.push(
        new ValidationError(`users[${index}].name`, `must be unique (IAM ignores case), got ${show(user.name)} again`)
          .message,
      );
    }
    if (hasName) userNames.add(key);
    // Without a name there is no default secret name to check.
    if (user.secretName !== undefined || hasName) {
      const secretName = secretNameOf(props, user);
      if (user.secretName === undefined && /,/.test(secretName)) {
        // IAM allows ',' in user names, Secrets Manager not in secret names.
        problems.push(
          new ValidationError(
            `users[${index}].secretName`,
            `must be set: the default ${show(secretName)} is not a valid secret name (no ',' allowed)`,
          ).message,
        );
      } else {
        check(() => checkSecretName(secretName, `users[${index}].secretName`));
      }
      if (secretNames.has(secretName)) {
        problems.push(
          new ValidationError(`users[${index}].secretName`, `must be unique, got ${show(secretName)} again`).message,
        );
      }
      secretNames.add(secretName);
    }
    if (user.schedule !== undefined) report(rotationScheduleProblems(user.schedule, `users[${index}].schedule`));
    if (user.readers !== undefined) report(readersProblems(user.readers, `users[${index}].readers`));
    if (Array.isArray(user.readers) || Array.isArray(props.readers)) {
      const sizeProblem = secretPolicySizeProblem(
        readersOf(arrayOrNone(props.readers), arrayOrNone(user.readers)),
        `users[${index}].readers`,
        name,
      );
      if (sizeProblem !== undefined) problems.push(sizeProblem.message);
    }
    report(previousKeyOptionsProblems(user, `users[${index}].`));
    const graceProblem = graceWithinIntervalProblem({ label: `users[${index}]`, user, stack: props });
    // Once per message: the stack's grace against the shared schedule reads the same for every user.
    if (graceProblem !== undefined && !problems.includes(graceProblem.message)) problems.push(graceProblem.message);
  });
  if (props.schedule !== undefined) report(rotationScheduleProblems(props.schedule, 'schedule'));
  if (props.readers !== undefined) report(readersProblems(props.readers, 'readers'));
  const { testBudgetMs, logLevel, encryption, kmsKeyArn, readerArns } = props;
  report(previousKeyOptionsProblems(props, ''));
  if (props.notifications !== undefined) report(notificationOptionsProblems(props.notifications, 'notifications'));
  if (props.sweepHourUtc !== undefined)
    check(() => checkIntegerInRange(props.sweepHourUtc as number, 0, 23, 'sweepHourUtc'));
  if (testBudgetMs !== undefined) check(() => checkIntegerInRange(testBudgetMs, 1000, 50_000, 'testBudgetMs'));
  if (logLevel !== undefined) check(() => checkOneOf(logLevel, LOG_LEVELS, 'logLevel'));
  if (encryption !== undefined) check(() => checkOneOf(encryption, ENCRYPTIONS, 'encryption'));
  if (kmsKeyArn !== undefined) {
    if (encryption !== 'customer-managed') {
      problems.push(
        new ValidationError(
          'kmsKeyArn',
          `needs \`encryption: 'customer-managed'\`, got ${show(kmsKeyArn)} with encryption ${show(encryption ?? DEFAULT_ENCRYPTION)}`,
        ).message,
      );
    }
    check(() => checkKmsKeyArn(kmsKeyArn, 'kmsKeyArn'));
  }
  if (readerArns !== undefined) {
    const createsKey = encryption === 'customer-managed' && kmsKeyArn === undefined;
    if (readerArns.length > 0 && !createsKey) {
      problems.push(
        new ValidationError(
          'readerArns',
          `only applies to a key the construct creates (\`encryption: 'customer-managed'\` without \`kmsKeyArn\`), got ${show(readerArns)}`,
        ).message,
      );
    }
    readerArns.forEach((arn, index) => check(() => checkPrincipalArn(arn, `readerArns[${index}]`)));
  }
  const { logRetentionInDays, recoveryWindowInDays, tags } = props;
  if (logRetentionInDays !== undefined) check(() => checkLogRetention(logRetentionInDays, 'logRetentionInDays'));
  if (recoveryWindowInDays !== undefined)
    check(() => checkRecoveryWindow(recoveryWindowInDays, 'recoveryWindowInDays'));
  if (tags !== undefined) {
    const someUserHasOwnPolicy = props.users.some(hasOwnPreviousKeyPolicy);
    report(
      tagsProblems(
        tags,
        RESERVED_TAG_KEYS,
        'tags',
        someUserHasOwnPolicy
          ? [USER_TAG_KEY, ATTEMPT_TAG_KEY, PREVIOUS_KEY_POLICY_TAG_KEY]
          : [USER_TAG_KEY, ATTEMPT_TAG_KEY],
        someUserHasOwnPolicy
          ? 'some user has its own previous-key policy, which its secret carries as a tag'
          : undefined,
      ),
    );
  }
  const { managedPoliciesPerRole, reservedConcurrency } = props;
  if (managedPoliciesPerRole !== undefined)
    check(() =>
      checkIntegerInRange(managedPoliciesPerRole, 1, MAX_MANAGED_POLICIES_PER_ROLE, 'managedPoliciesPerRole'),
    );
  if (reservedConcurrency !== undefined && reservedConcurrency !== NO_RESERVED_CONCURRENCY) {
    check(() =>
      checkIntegerInRange(
        reservedConcurrency,
        MIN_RESERVED_CONCURRENCY,
        MAX_RESERVED_CONCURRENCY,
        'reservedConcurrency',
        `, or ${NO_RESERVED_CONCURRENCY} for no reservation (AWS advises at least 10 for a rotation function)`,
      ),
    );
  }
  // Sizing needs every name valid; the problems above say which is not.
  let grantRoles = 0;
  if (problems.length === 0) {
    const count = grantRoleCount(grantSizings(props), managedPoliciesPerRoleOf(props));
    const unknownName = props.users.findIndex((user) => isUnresolved(secretNameOf(props, user)));
    if (count !== undefined && count > 0 && unknownName !== -1) {
      // The construct and the function pick a secret's grant role by hashing its name: both must see the same name.
      problems.push(
        new ValidationError(
          `users[${unknownName}].secretName`,
          `must be known at synth, not a reference, once the grants are split over grant roles (${count} here): the grant role holding a secret's grants is chosen by its name`,
        ).message,
      );
    } else if (count === undefined) {
      problems.push(
        new ValidationError(
          'users',
          `need more than ${MAX_GRANT_ROLES} grant roles of ${managedPoliciesPerRoleOf(props)} managed policies each to name their ${props.users.length} secrets and users: ` +
            "raise IAM's quota of managed policies per role and `managedPoliciesPerRole` with it (up to 20), shorten the secret names, or split the users over several stacks",
        ).message,
      );
    } else {
      grantRoles = count;
    }
  }
  if (problems.length === 0 && encryption === 'customer-managed' && kmsKeyArn === undefined) {
    const keyPolicy = policyJson(
      secretsKeyStatements(SIZING_KEY_CONTEXT, sizingRotationRoleArns(name, grantRoles), keyReadersOf(props)),
    );
    if (keyPolicy.length > KEY_POLICY_SIZE_LIMIT) {
      problems.push(
        new ValidationError(
          'readers',
          `with \`readerArns\` and the users' own readers would make the created key's policy ${keyPolicy.length} characters long, more than KMS's ${KEY_POLICY_SIZE_LIMIT} ` +
            '(it names each reader, and each secret that only some readers read): name fewer principals (e.g. one role per consuming team), make a principal that reads many secrets a reader of them all (`readers`), or split the users over several stacks',
        ).message,
      );
    }
  }
  const entries = stackManagedSecretEntries(props);
  const own = ownEnvironment(props, entries, props.notifications?.topicArn ?? sizingTopicArn(name), grantRoles);
  report(functionEnvironmentProblems(props.functionEnvironment ?? {}, own, 'functionEnvironment'));
  const bytes = environmentBytes({ ...props.functionEnvironment, ...own });
  if (bytes > LAMBDA_ENVIRONMENT_MAX_BYTES) {
    const listed = entries.filter((entry) => typeof entry !== 'string').length;
    problems.push(
      new ValidationError(
        'users',
        `give ${listed} secrets a name other than \`secretNamePrefix\` and the user name (${show(`${prefix}<user name>`)}): the function's environment lists each one ` +
          `with its user (${FUNCTION_ENV.managedSecrets}) and would take ${bytes} bytes, more than Lambda's ${LAMBDA_ENVIRONMENT_MAX_BYTES}; ` +
          'leave `secretName` unset for more of them (a default name costs nothing: the function derives it), or set `secretNamePrefix` to what the names share when they end in the user name',
      ).message,
    );
  }
  return problems;
}

/** The tag keys the construct or the function write on the secrets, which `tags` may not set, and why. */
export const RESERVED_TAG_KEYS: Readonly<Record<string, string>> = {
  [USER_TAG_KEY]: 'the construct sets it on each secret to the user it rotates',
  [ATTEMPT_TAG_KEY]: 'the rotation function writes it on each secret while a rotation runs',
  [PREVIOUS_KEY_POLICY_TAG_KEY]: 'the construct sets it on the secret of each user with its own previous-key policy',
};

/**
 * The variables the construct sets on the function (they win over `functionEnvironment`); also the plain module's.
 * `managedSecrets` is MANAGED_SECRETS (lib/construct/secret-names.ts, managedSecretEntries).
 */
export function ownEnvironment(
  props: IamAccessKeyRotationProps,
  managedSecrets: readonly ManagedSecretEntry[],
  topicArn: string,
  grantRoles: number,
): Record<string, string> {
  const policy = effectivePreviousKeyPolicy(props);
  const grantRoleVariables: Record<string, string> =
    grantRoles === 0
      ? {}
      : {
          [FUNCTION_ENV.grantRoleCount]: String(grantRoles),
          [FUNCTION_ENV.grantRoleNamePrefix]: grantRoleNamePrefix(props.name ?? DEFAULT_NAME),
        };
  return {
    ...grantRoleVariables,
    [FUNCTION_ENV.previousKeyAction]: policy.action,
    // The plain module's grace is a Terraform variable.
    [FUNCTION_ENV.previousKeyGraceDays]: Tokenization.stringifyNumber(policy.graceDays),
    [FUNCTION_ENV.previousKeyInUse]: policy.inUse,
    [FUNCTION_ENV.testBudgetMs]: String(props.testBudgetMs ?? DEFAULT_TEST_BUDGET_MS),
    [FUNCTION_ENV.logLevel]: props.logLevel ?? DEFAULT_LOG_LEVEL,
    [FUNCTION_ENV.managedSecrets]: JSON.stringify(managedSecrets),
    [FUNCTION_ENV.notificationTopicArn]: topicArn,
  };
}

/** The created topic's ARN as long as it can get, to size the function's environment at validation. */
function sizingTopicArn(name: string): string {
  return regionalArn(LONGEST_ARN_PARTS, 'sns', `${name}-notifications`);
}

/** Stand-ins for where the created key lives, as long as its policy's ARNs and conditions can get. */
const SIZING_KEY_CONTEXT: KeyPolicyContext = {
  arnParts: LONGEST_ARN_PARTS,
  dnsSuffix: LONGEST_DNS_SUFFIX,
  accountRootArn: accountRootArn(LONGEST_ARN_PARTS),
};

/** Stand-ins for the ARNs of the roles that use the secrets' key: the grant roles, or the function's own role. */
function sizingRotationRoleArns(name: string, grantRoles: number): string[] {
  return grantRoles === 0 ? [roleArn(LONGEST_ARN_PARTS, name)] : grantRoleArns(LONGEST_ARN_PARTS, name, grantRoles);
}

/** Who reads the secrets through the created key: `readerArns` and the stack's `readers` all of them, users' own readers theirs. */
function keyReadersOf(props: IamAccessKeyRotationProps): KeyReaders {
  return keyReaders(
    [...new Set([...(props.readerArns ?? []), ...(props.readers ?? [])])],
    props.users.map((user) => ({ secretName: secretNameOf(props, user), readers: user.readers ?? [] })),
  );
}

/** A list as given, or none when it is not one (validation reports it). */
function arrayOrNone(value: readonly string[] | undefined): readonly string[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function managedPoliciesPerRoleOf(props: IamAccessKeyRotationProps): number {
  return props.managedPoliciesPerRole ?? DEFAULT_MANAGED_POLICIES_PER_ROLE;
}

/** Each user's secret and user names, to size the grants. */
function grantSizings(props: IamAccessKeyRotationProps): GrantSizing[] {
  return props.users.map((user) => ({ secretName: secretNameOf(props, user), configuredUserName: user.name }));
}

function secretNamePrefixOf(props: IamAccessKeyRotationProps): string {
  return props.secretNamePrefix ?? `${props.name ?? DEFAULT_NAME}/`;
}

function secretNameOf(props: IamAccessKeyRotationProps, user: RotatedUserOptions): string {
  return user.secretName ?? `${secretNamePrefixOf(props)}${user.name}`;
}

/** The stack's trust boundary (lib/construct/secret-names.ts). */
function stackSecretNamePatterns(props: IamAccessKeyRotationProps): string[] {
  // Validation calls this before it knows every name is a string: any other is reported on its own.
  const names = props.users
    .map((user) => secretNameOf(props, user))
    .filter((name): name is string => typeof name === 'string');
  return secretNamePatterns(secretNamePrefixOf(props), names);
}

/** Each secret with the user it binds, as the function's environment lists them (lib/construct/secret-names.ts). */
function stackManagedSecretEntries(props: IamAccessKeyRotationProps): ManagedSecretEntry[] {
  const secrets = props.users
    .map((user) => ({ secretName: secretNameOf(props, user), userName: user.name }))
    .filter((secret) => typeof secret.secretName === 'string' && typeof secret.userName === 'string');
  return managedSecretEntries(secretNamePrefixOf(props), secrets);
}

function validateProps(props: IamAccessKeyRotationProps): void {
  const problems = iamAccessKeyRotationPropsProblems(props);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
