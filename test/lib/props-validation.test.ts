import { Token } from 'cdktf';
import { IamAccessKeyRotationProps } from '../../lib';
import { onlyResource, synthRotation } from './fixtures';

function manyTags(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`tag${index}`, 'x']));
}

/** `count` users whose secrets are named each in its own folder, outside the default prefix. */
function usersNamedOutsideThePrefix(count: number, nameLength = 60): IamAccessKeyRotationProps['users'] {
  return Array.from({ length: count }, (_, index) => ({
    name: `u${index}`,
    secretName: `team-${index}/${'x'.repeat(nameLength)}`,
  }));
}

/** A given topic, so that the environment's size is known at synth (a created topic's ARN is a reference). */
const GIVEN_TOPIC = { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

/**
 * Users with secrets outside the prefix whose list (each name with its user, `u<index>`) makes the function's environment
 * exactly `bytes` long (with GIVEN_TOPIC).
 */
function usersFillingTheEnvironment(bytes: number): IamAccessKeyRotationProps['users'] {
  const environment = (names: string[]): number =>
    JSON.stringify({
      PREVIOUS_KEY_ACTION: 'deactivate-after-grace',
      PREVIOUS_KEY_GRACE_DAYS: '7',
      PREVIOUS_KEY_IN_USE: 'hold',
      TEST_BUDGET_MS: '30000',
      LOG_LEVEL: 'INFO',
      MANAGED_SECRETS: JSON.stringify(names.map((name, index) => [name, `u${index}`])),
      NOTIFICATION_TOPIC_ARN: GIVEN_TOPIC.topicArn,
    }).length;
  const names: string[] = [];
  while (bytes - environment([...names, 'last/']) > 510) names.push(`n${names.length}/${'x'.repeat(500)}`);
  names.push(`last/${'y'.repeat(bytes - environment([...names, 'last/']))}`);
  return names.map((secretName, index) => ({ name: `u${index}`, secretName }));
}

// Each case: props (merged over one valid user) and the message the synth must fail with.
const INVALID: [string, Partial<IamAccessKeyRotationProps>, RegExp][] = [
  ['no users', { users: [] }, /`users` must list at least one user, got \[\]/],
  ['bad user name', { users: [{ name: 'al ice' }] }, /`users\[0\]\.name` must be 1-64 characters .*, got "al ice"/],
  [
    'user without a name (JS caller)',
    { users: [{} as IamAccessKeyRotationProps['users'][number]] },
    /`users\[0\]\.name` is required/,
  ],
  [
    'user name not a string (JS caller)',
    { users: [{ name: 5 as unknown as string }] },
    /`users\[0\]\.name` must be a string, got 5/,
  ],
  [
    'secret name not a string (JS caller)',
    { users: [{ name: 'a', secretName: 5 as unknown as string }] },
    /`users\[0\]\.secretName` must be a string, got 5/,
  ],
  ['too long user name', { users: [{ name: 'a'.repeat(65) }] }, /`users\[0\]\.name` must be 1-64 characters/],
  [
    'duplicate user (case-insensitive)',
    { users: [{ name: 'alice' }, { name: 'Alice' }] },
    /`users\[1\]\.name` must be unique \(IAM ignores case\), got "Alice"/,
  ],
  [
    'duplicate secret name',
    {
      users: [
        { name: 'a', secretName: 's' },
        { name: 'b', secretName: 's' },
      ],
    },
    /`users\[1\]\.secretName` must be unique, got "s"/,
  ],
  [
    'bad secret name',
    { users: [{ name: 'a', secretName: 'a b' }] },
    /`users\[0\]\.secretName` must be 1-512 characters .*, got "a b"/,
  ],
  [
    'comma in user name, default secret name',
    { users: [{ name: 'a,b' }] },
    /`users\[0\]\.secretName` must be set: the default "iam-key-rotation\/a,b" is not a valid secret name/,
  ],
  ['bad name', { name: 'key rotation' }, /`name` must be 1-56 characters .*, got "key rotation"/],
  [
    'concurrency below 10',
    { reservedConcurrency: 5 },
    /`reservedConcurrency` must be an integer between 10 and 1000, or -1 for no reservation \(AWS advises at least 10 for a rotation function\), got 5/,
  ],
  ['concurrency 0', { reservedConcurrency: 0 }, /`reservedConcurrency` must be an integer between 10 and 1000, or -1/],
  [
    'policies per role above 20',
    { managedPoliciesPerRole: 21 },
    /`managedPoliciesPerRole` must be an integer between 1 and 20, got 21/,
  ],
  [
    'days too small',
    { schedule: { automaticallyAfterDays: 0 } },
    /`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 0/,
  ],
  [
    'days too large',
    { schedule: { automaticallyAfterDays: 1001 } },
    /`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 1001/,
  ],
  [
    'days and expression',
    { schedule: { automaticallyAfterDays: 30, scheduleExpression: 'rate(30 days)' } },
    /`schedule` must set `automaticallyAfterDays` or `scheduleExpression`, not both/,
  ],
  [
    'bad expression',
    { schedule: { scheduleExpression: 'every day' } },
    /`schedule\.scheduleExpression` must be rate\(N days\), rate\(N hours\) or a six-field cron\(\.\.\.\) expression, got "every day"/,
  ],
  [
    'rate too frequent',
    { schedule: { scheduleExpression: 'rate(2 hours)' } },
    /`schedule\.scheduleExpression` must rotate at most every 4 hours/,
  ],
  [
    'bad duration',
    { schedule: { duration: '3 hours' } },
    /`schedule\.duration` must be between 1h and 24h, e\.g\. '3h', got "3 hours"/,
  ],
  ['duration too long', { schedule: { duration: '25h' } }, /`schedule\.duration` must be between 1h and 24h/],
  [
    'window longer than the rate interval',
    { schedule: { scheduleExpression: 'rate(4 hours)', duration: '5h' } },
    /`schedule\.duration` must not run into the next rotation window: .* every 4 hours, so at most 4h, got "5h"/,
  ],
  [
    'rate beyond 999 days',
    { schedule: { scheduleExpression: 'rate(1000 days)' } },
    /`schedule\.scheduleExpression` must be rate\(N days\) with N from 1 to 999 .*, got "rate\(1000 days\)"/,
  ],
  [
    'cron minutes not 0',
    { schedule: { scheduleExpression: 'cron(30 4 * * ? *)' } },
    /`schedule\.scheduleExpression` must have 0 as the minutes of cron\(\.\.\.\).*, got "cron\(30 4 \* \* \? \*\)"/,
  ],
  [
    'cron year not *',
    { schedule: { scheduleExpression: 'cron(0 4 * * ? 2030)' } },
    /`schedule\.scheduleExpression` must have \* as the year of cron\(\.\.\.\).*, got "cron\(0 4 \* \* \? 2030\)"/,
  ],
  [
    'cron hour 24',
    { schedule: { scheduleExpression: 'cron(0 24 * * ? *)' } },
    /`schedule\.scheduleExpression` must have hours of cron\(\.\.\.\) from 0 to 23 .*, got "cron\(0 24 \* \* \? \*\)"/,
  ],
  [
    'cron every 2 hours',
    { schedule: { scheduleExpression: 'cron(0 */2 * * ? *)' } },
    /`schedule\.scheduleExpression` must rotate at most every 4 hours, but opens windows at 00:00 and 02:00, got "cron\(0 \*\/2 \* \* \? \*\)"/,
  ],
  [
    'cron hours listed 3 apart',
    { schedule: { scheduleExpression: 'cron(0 1,12,15 * * ? *)' } },
    /`schedule\.scheduleExpression` must rotate at most every 4 hours, but opens windows at 12:00 and 15:00/,
  ],
  [
    'cron window past the end of the UTC day',
    { schedule: { scheduleExpression: 'cron(0 22 ? * MON *)', duration: '3h' } },
    /`schedule\.duration` must close the rotation window by the end of the UTC day: .* at 22:00, so at most 2h, got "3h"/,
  ],
  [
    'cron window into the next window',
    { schedule: { scheduleExpression: 'cron(0 4/6 * * ? *)', duration: '8h' } },
    /`schedule\.duration` must not run into the next rotation window: .* at 04:00 and 10:00, so at most 6h, got "8h"/,
  ],
  [
    'bad per-user schedule',
    { users: [{ name: 'a', schedule: { automaticallyAfterDays: -1 } }] },
    /`users\[0\]\.schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got -1/,
  ],
  [
    'bad previous key action',
    { previousKeyAction: 'delete' as never },
    /`previousKeyAction` must be one of "deactivate-after-grace", "deactivate", "keep", got "delete"/,
  ],
  [
    'grace of 0 days',
    { previousKeyGraceDays: 0 },
    /`previousKeyGraceDays` must be an integer between 1 and 365, got 0/,
  ],
  [
    'grace over a year',
    { previousKeyGraceDays: 366, schedule: { automaticallyAfterDays: 1000 } },
    /`previousKeyGraceDays` must be an integer between 1 and 365, got 366/,
  ],
  [
    'fractional grace',
    { previousKeyGraceDays: 1.5 },
    /`previousKeyGraceDays` must be an integer between 1 and 365, got 1\.5/,
  ],
  [
    'grace with another action',
    { previousKeyAction: 'keep', previousKeyGraceDays: 3 },
    /`previousKeyGraceDays` only applies to `previousKeyAction: 'deactivate-after-grace'`, got 3 with "keep"/,
  ],
  [
    'bad in-use action',
    { previousKeyInUse: 'ignore' as never },
    /`previousKeyInUse` must be one of "hold", "deactivate", got "ignore"/,
  ],
  [
    'bad user previous key action',
    { users: [{ name: 'a', previousKeyAction: 'delete' as never }] },
    /`users\[0\]\.previousKeyAction` must be one of "deactivate-after-grace", "deactivate", "keep", got "delete"/,
  ],
  [
    'bad user grace',
    { users: [{ name: 'a', previousKeyGraceDays: 400 }] },
    /`users\[0\]\.previousKeyGraceDays` must be an integer between 1 and 365, got 400/,
  ],
  [
    'bad user in-use action',
    { users: [{ name: 'a', previousKeyInUse: 'wait' as never }] },
    /`users\[0\]\.previousKeyInUse` must be one of "hold", "deactivate", got "wait"/,
  ],
  [
    "user grace with the user's other action",
    { users: [{ name: 'a', previousKeyAction: 'deactivate', previousKeyGraceDays: 3 }] },
    /`users\[0\]\.previousKeyGraceDays` only applies to `users\[0\]\.previousKeyAction: 'deactivate-after-grace'`, got 3 with "deactivate"/,
  ],
  [
    'grace as long as the shared interval',
    { previousKeyGraceDays: 30, schedule: { automaticallyAfterDays: 30 } },
    /`previousKeyGraceDays` must be less than the rotation interval of users\[0\] \(30 days, `schedule`\): the next rotation deletes the previous key before the grace period ends, got 30/,
  ],
  [
    'grace longer than the default 90 days',
    { previousKeyGraceDays: 120 },
    /`previousKeyGraceDays` must be less than the rotation interval of users\[0\] \(90 days, the default schedule\)/,
  ],
  [
    "user grace longer than the user's rate",
    { users: [{ name: 'a', previousKeyGraceDays: 10, schedule: { scheduleExpression: 'rate(7 days)' } }] },
    /`users\[0\]\.previousKeyGraceDays` must be less than the rotation interval of users\[0\] \(7 days, `users\[0\]\.schedule`\)/,
  ],
  [
    'explicit grace action, default grace, hourly rotation',
    { previousKeyAction: 'deactivate-after-grace', schedule: { scheduleExpression: 'rate(12 hours)' } },
    /`previousKeyAction` 'deactivate-after-grace' needs `previousKeyGraceDays` \(default 7\) less than the rotation interval of users\[0\] \(12 hours, `schedule`\)/,
  ],
  [
    "stack grace against one user's short schedule",
    { previousKeyGraceDays: 14, users: [{ name: 'a' }, { name: 'b', schedule: { automaticallyAfterDays: 14 } }] },
    /`previousKeyGraceDays` must be less than the rotation interval of users\[1\] \(14 days, `users\[1\]\.schedule`\)/,
  ],
  [
    'topic ARN of another service',
    { notifications: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } },
    /`notifications\.topicArn` must be the ARN of a standard SNS topic \(arn:<partition>:sns:<region>:<12-digit account>:<name>\), got "arn:aws:sqs:eu-west-1:123456789012:q"/,
  ],
  [
    'FIFO topic',
    { notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo' } },
    /`notifications\.topicArn` must be the ARN of a standard SNS topic/,
  ],
  [
    'topic name, not ARN',
    { notifications: { topicArn: 'alerts' } },
    /`notifications\.topicArn` must be the ARN of a standard SNS topic .*, got "alerts"/,
  ],
  [
    'not an e-mail address',
    { notifications: { emails: ['ops.example.com'] } },
    /`notifications\.emails\[0\]` must be an e-mail address like ops@example\.com, got "ops\.example\.com"/,
  ],
  [
    'e-mail address with a space',
    { notifications: { emails: ['ops team@example.com'] } },
    /`notifications\.emails\[0\]` must be an e-mail address/,
  ],
  [
    'the same e-mail address twice',
    { notifications: { emails: ['ops@example.com', 'OPS@example.com'] } },
    /`notifications\.emails\[1\]` must be unique, got "OPS@example\.com" again/,
  ],
  [
    '11 e-mail addresses',
    { notifications: { emails: Array.from({ length: 11 }, (_, index) => `ops${index}@example.com`) } },
    /`notifications\.emails` must list at most 10 addresses \(use a mailing list for more\), got 11/,
  ],
  ['sweep hour 24', { sweepHourUtc: 24 }, /`sweepHourUtc` must be an integer between 0 and 23, got 24/],
  ['sweep hour -1', { sweepHourUtc: -1 }, /`sweepHourUtc` must be an integer between 0 and 23, got -1/],
  [
    "the construct's previous-key tag",
    { tags: { 'iam-key-rotation:previous-key': 'x' } },
    /`tags` must not set "iam-key-rotation:previous-key": the construct sets it on the secret of each user with its own previous-key policy/,
  ],
  [
    '48 tags when a user has its own previous-key policy',
    { tags: manyTags(48), users: [{ name: 'a', previousKeyInUse: 'deactivate' }] },
    /`tags` must have at most 47 tags: AWS allows 50 per resource, and iam-key-rotation:user, iam-key-rotation:attempt and iam-key-rotation:previous-key come on top \(some user has its own previous-key policy, which its secret carries as a tag\), got 48/,
  ],
  ['bad test budget', { testBudgetMs: 60_000 }, /`testBudgetMs` must be an integer between 1000 and 50000, got 60000/],
  [
    'bad log level',
    { logLevel: 'TRACE' as never },
    /`logLevel` must be one of "DEBUG", "INFO", "WARN", "ERROR", got "TRACE"/,
  ],
  [
    'bad encryption',
    { encryption: 'kms' as never },
    /`encryption` must be one of "aws-managed", "customer-managed", got "kms"/,
  ],
  [
    'key ARN without customer encryption',
    { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/x' },
    /`kmsKeyArn` needs `encryption: 'customer-managed'`/,
  ],
  [
    'bad key ARN',
    { encryption: 'customer-managed', kmsKeyArn: 'alias/mine' },
    /`kmsKeyArn` must be an kms ARN .*, got "alias\/mine"/,
  ],
  [
    'key alias ARN',
    { encryption: 'customer-managed', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/x' },
    /`kmsKeyArn` must be a key ARN \(arn:<partition>:kms:<region>:<account>:key\/<key-id>\), not an alias.*, got "arn:aws:kms:us-east-1:123456789012:alias\/x"/,
  ],
  [
    'readers without a created key',
    { readerArns: ['arn:aws:iam::123456789012:role/r'] },
    /`readerArns` only applies to a key the construct creates/,
  ],
  [
    'bad reader ARN',
    { encryption: 'customer-managed', readerArns: ['reader'] },
    /`readerArns\[0\]` must be the ARN of an account root, IAM role or IAM user .*, got "reader"/,
  ],
  [
    'group as reader',
    { encryption: 'customer-managed', readerArns: ['arn:aws:iam::123456789012:group/devs'] },
    /`readerArns\[0\]` must be the ARN of an account root, IAM role or IAM user .*, got "arn:aws:iam::123456789012:group\/devs"/,
  ],
  [
    'wildcard reader',
    { encryption: 'customer-managed', readerArns: ['arn:aws:iam::123456789012:role/ci-*'] },
    /`readerArns\[0\]` must not contain a wildcard: .*, got "arn:aws:iam::123456789012:role\/ci-\*"/,
  ],
  [
    'reader ARN with a region',
    { encryption: 'customer-managed', readerArns: ['arn:aws:iam:us-east-1:123456789012:role/r'] },
    /`readerArns\[0\]` must be the ARN of an account root, IAM role or IAM user with a 12-digit account and no region/,
  ],
  [
    'reader ARN without an account',
    { encryption: 'customer-managed', readerArns: ['arn:aws:iam:::role/r'] },
    /`readerArns\[0\]` must be the ARN of an account root, IAM role or IAM user with a 12-digit account/,
  ],
  [
    'role session as reader',
    { encryption: 'customer-managed', readerArns: ['arn:aws:sts::123456789012:assumed-role/r/s'] },
    /`readerArns\[0\]` must be the ARN of an account root, IAM role or IAM user/,
  ],
  [
    'infinite log retention',
    { logRetentionInDays: 0 },
    /`logRetentionInDays` must be one of CloudWatch's retention periods .*, got 0/,
  ],
  [
    'odd log retention',
    { logRetentionInDays: 100 },
    /`logRetentionInDays` must be one of CloudWatch's retention periods .*, got 100/,
  ],
  [
    'bad recovery window',
    { recoveryWindowInDays: 3 },
    /`recoveryWindowInDays` must be 0 \(delete immediately\) or between 7 and 30, got 3/,
  ],
  ['reserved tag', { tags: { 'iam-key-rotation:user': 'x' } }, /`tags` must not set "iam-key-rotation:user"/],
  [
    "the function's tag",
    { tags: { 'iam-key-rotation:attempt': 'x' } },
    /`tags` must not set "iam-key-rotation:attempt": the rotation function writes it/,
  ],
  [
    'tag key with a character AWS rejects',
    { tags: { 'team#1': 'x' } },
    /`tags` keys must be letters, digits, spaces and _\.:\/=\+-@, got "team#1"/,
  ],
  [
    'tag value with a character AWS rejects',
    { tags: { team: 'a;b' } },
    /`tags\.team` must be letters, digits, spaces and _\.:\/=\+-@, got "a;b"/,
  ],
  [
    'tag key with the aws: prefix, any case',
    { tags: { 'AWS:team': 'x' } },
    /`tags` keys must not start with "aws:", which AWS reserves, got "AWS:team"/,
  ],
  [
    'tag value with the aws: prefix',
    { tags: { team: 'aws:platform' } },
    /`tags\.team` must not start with "aws:", which AWS reserves, got "aws:platform"/,
  ],
  [
    '49 tags (a secret carries 2 more)',
    { tags: manyTags(49) },
    /`tags` must have at most 48 tags: AWS allows 50 per resource, and iam-key-rotation:user and iam-key-rotation:attempt come on top, got 49/,
  ],
  [
    'contract env overridden',
    { functionEnvironment: { LOG_LEVEL: 'DEBUG' } },
    /`functionEnvironment` must not set "LOG_LEVEL"/,
  ],
  [
    'code before the handler',
    { functionEnvironment: { NODE_OPTIONS: '--require /tmp/x.js' } },
    /`functionEnvironment` must not set "NODE_OPTIONS": Node\.js would load the code it names before the handler\. Only AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT may be set/,
  ],
  [
    'a Lambda wrapper script',
    { functionEnvironment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper' } },
    /`functionEnvironment` must not set "AWS_LAMBDA_EXEC_WRAPPER": Lambda would run the script it names/,
  ],
  [
    'another certificate authority',
    { functionEnvironment: { NODE_EXTRA_CA_CERTS: '/tmp/ca.pem' } },
    /`functionEnvironment` must not set "NODE_EXTRA_CA_CERTS": a certificate it trusts could let a proxy read the new keys/,
  ],
  [
    "the SDK's CA bundle",
    { functionEnvironment: { AWS_CA_BUNDLE: '/tmp/ca.pem' } },
    /`functionEnvironment` must not set "AWS_CA_BUNDLE": a certificate it trusts/,
  ],
  [
    'a proxy',
    { functionEnvironment: { HTTPS_PROXY: 'http://proxy:3128' } },
    /`functionEnvironment` must not set "HTTPS_PROXY": it would send the function's calls, and the new keys, through a proxy/,
  ],
  [
    'a proxy in lowercase',
    { functionEnvironment: { https_proxy: 'http://proxy:3128' } },
    /`functionEnvironment` must not set "https_proxy": .* through a proxy/,
  ],
  [
    'an SDK config file',
    { functionEnvironment: { AWS_CONFIG_FILE: '/tmp/config' } },
    /`functionEnvironment` must not set "AWS_CONFIG_FILE": it would change the credentials and endpoints the SDK uses/,
  ],
  [
    'SDK endpoint override',
    { functionEnvironment: { AWS_ENDPOINT_URL: 'https://example.com' } },
    /`functionEnvironment` must not set "AWS_ENDPOINT_URL": it would send the function's AWS calls, and the new keys, to another endpoint/,
  ],
  [
    'service endpoint override',
    { functionEnvironment: { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://example.com' } },
    /`functionEnvironment` must not set "AWS_ENDPOINT_URL_SECRETS_MANAGER": .* to another endpoint/,
  ],
  [
    'Lambda reserved env key',
    { functionEnvironment: { AWS_REGION: 'us-east-1' } },
    /`functionEnvironment` must not set "AWS_REGION": it has no documented use here/,
  ],
  [
    'a variable without a documented use',
    { functionEnvironment: { GREETING: 'hello' } },
    /`functionEnvironment` must not set "GREETING": it has no documented use here, and an unknown variable could change what runs or where the new keys go\. Only AWS_MAX_ATTEMPTS/,
  ],
  [
    'a name objects inherit',
    { functionEnvironment: { constructor: 'x' } },
    /`functionEnvironment` must not set "constructor": it has no documented use here/,
  ],
  [
    'no attempts',
    { functionEnvironment: { AWS_MAX_ATTEMPTS: '0' } },
    /`functionEnvironment\.AWS_MAX_ATTEMPTS` must be a whole number from 1 to 10, got "0"/,
  ],
  [
    'too many attempts',
    { functionEnvironment: { AWS_MAX_ATTEMPTS: '11' } },
    /`functionEnvironment\.AWS_MAX_ATTEMPTS` must be a whole number from 1 to 10, got "11"/,
  ],
  [
    'an unknown retry mode',
    { functionEnvironment: { AWS_RETRY_MODE: 'legacy' } },
    /`functionEnvironment\.AWS_RETRY_MODE` must be "standard" or "adaptive", got "legacy"/,
  ],
  [
    'a FIPS switch that is not a boolean',
    { functionEnvironment: { AWS_USE_FIPS_ENDPOINT: 'yes' } },
    /`functionEnvironment\.AWS_USE_FIPS_ENDPOINT` must be "true" or "false", got "yes"/,
  ],
  [
    'a value that is not a string (JS caller)',
    { functionEnvironment: { AWS_MAX_ATTEMPTS: 3 as unknown as string } },
    /`functionEnvironment\.AWS_MAX_ATTEMPTS` must be a string, got 3/,
  ],
  [
    'empty secret-name prefix',
    { secretNamePrefix: '' },
    /`secretNamePrefix` must be 1-511 characters of letters, digits and \/_\+=\.@-, got ""/,
  ],
  [
    'secret-name prefix with a space',
    { secretNamePrefix: 'ci keys/' },
    /`secretNamePrefix` must be 1-511 characters .*, got "ci keys\/"/,
  ],
  [
    'secret-name prefix with a wildcard',
    { secretNamePrefix: 'ci/*' },
    /`secretNamePrefix` must be 1-511 characters .*, got "ci\/\*"/,
  ],
  // Finding 11 of issue 22: `prod` is also the start of another team's `production-db`, which the boundary `prod*` covers.
  [
    'secret-name prefix ending in a letter',
    { secretNamePrefix: 'prod' },
    /`secretNamePrefix` must end with a separator, one of \/_\+=\.@- \(e\.g\. "prod\/"\): the stack acts on every secret whose name starts with it, so it would also cover names like "prod2\/db", got "prod"/,
  ],
  [
    'secret-name prefix ending in a digit',
    { secretNamePrefix: 'team/1' },
    /`secretNamePrefix` must end with a separator, .*, got "team\/1"/,
  ],
  [
    "too many secrets named outside the prefix for the function's environment",
    { users: usersNamedOutsideThePrefix(60) },
    /`users` give 60 secrets a name other than `secretNamePrefix` and the user name \("iam-key-rotation\/<user name>"\): the function's environment lists each one with its user \(MANAGED_SECRETS\) and would take \d{4} bytes, more than Lambda's 4096; leave `secretName` unset/,
  ],
  // A custom name under the prefix binds only its user, so the function must be told which: it is listed too.
  [
    'too many custom secret names under the prefix given',
    { users: usersNamedOutsideThePrefix(60), secretNamePrefix: 'team-' },
    /`users` give 60 secrets a name other than `secretNamePrefix` and the user name \("team-<user name>"\): .* would take \d{4} bytes, more than Lambda's 4096/,
  ],
];

describe('invalid props fail the synth', () => {
  test.each(INVALID)('%s', (_case, props, message) => {
    expect(() => synthRotation(props)).toThrow(message);
  });

  test('every problem is reported at once', () => {
    expect(() => synthRotation({ logRetentionInDays: 0, recoveryWindowInDays: 3 })).toThrow(
      /`logRetentionInDays`[^\n]*\n`recoveryWindowInDays`/,
    );
  });

  test('every problem of a schedule, of the tags and of the environment is reported', () => {
    expect(() =>
      synthRotation({
        schedule: { scheduleExpression: 'cron(30 4 * * ? 2030)' },
        tags: { 'a#': 'x', b: 'y;' },
        functionEnvironment: { AWS_REGION: 'x', AWS_ENDPOINT_URL: 'https://example.com' },
      }),
    ).toThrow(
      /minutes of cron[^\n]*\n[^\n]*year of cron[^\n]*\n`tags` keys[^\n]*"a#"\n`tags\.b`[^\n]*\n[^\n]*"AWS_REGION"[^\n]*\n[^\n]*"AWS_ENDPOINT_URL"/,
    );
  });

  test('secrets outside the prefix that make the environment one byte over 4 KB fail', () => {
    expect(() => synthRotation({ users: usersFillingTheEnvironment(4097), notifications: GIVEN_TOPIC })).toThrow(
      /would take 4097 bytes, more than Lambda's 4096/,
    );
  });
});

describe('valid edge values pass', () => {
  test.each<[string, Partial<IamAccessKeyRotationProps>]>([
    ['1 day', { schedule: { automaticallyAfterDays: 1 } }],
    ['1000 days and a 24h window', { schedule: { automaticallyAfterDays: 1000, duration: '24h' } }],
    ['rate(4 hours) with a 3h window', { schedule: { scheduleExpression: 'rate(4 hours)', duration: '3h' } }],
    [
      'rate(4 hours) with a window as long as the interval',
      { schedule: { scheduleExpression: 'rate(4 hours)', duration: '4h' } },
    ],
    ['rate(1 day)', { schedule: { scheduleExpression: 'rate(1 day)' } }],
    ['rate(999 days)', { schedule: { scheduleExpression: 'rate(999 days)', duration: '24h' } }],
    [
      'weekly cron with a window to midnight',
      { schedule: { scheduleExpression: 'cron(0 20 ? * MON *)', duration: '4h' } },
    ],
    [
      'cron every 4 hours, windows filling the day',
      { schedule: { scheduleExpression: 'cron(0 0/4 * * ? *)', duration: '4h' } },
    ],
    [
      'cron hours listed and ranged',
      { schedule: { scheduleExpression: 'cron(0 2,8-16/4,23 L * ? *)', duration: '1h' } },
    ],
    ['cron on the last day of the month', { schedule: { scheduleExpression: 'cron(0 16 L * ? *)' } }],
    [
      'reader roots, users and roles with paths, in any partition',
      {
        encryption: 'customer-managed',
        readerArns: [
          'arn:aws:iam::123456789012:root',
          'arn:aws:iam::123456789012:user/ops/alice',
          'arn:aws-cn:iam::123456789012:role/service-role/ci.runner@x',
          'arn:aws-us-gov:iam::210987654321:role/reader',
        ],
      },
    ],
    ['48 tags', { tags: manyTags(48) }],
    [
      '47 tags and a user with its own previous-key policy',
      { tags: manyTags(47), users: [{ name: 'a', previousKeyAction: 'keep' }] },
    ],
    [
      'the configs of before: keep, deactivate, and no action with a weekly or hourly schedule',
      {
        previousKeyAction: 'keep',
        users: [
          { name: 'a', schedule: { automaticallyAfterDays: 1 } },
          { name: 'b', previousKeyAction: 'deactivate' },
        ],
      },
    ],
    [
      'the default grace with a schedule shorter than it, no previous-key prop given (the key lives until the next rotation)',
      { schedule: { scheduleExpression: 'rate(4 hours)' } },
    ],
    ['grace of a day less than the interval', { previousKeyGraceDays: 29, schedule: { automaticallyAfterDays: 30 } }],
    [
      'grace of 365 days with a longer interval',
      { previousKeyGraceDays: 365, schedule: { automaticallyAfterDays: 1000 } },
    ],
    [
      'any grace with a cron schedule (its interval is not checked)',
      { previousKeyGraceDays: 200, schedule: { scheduleExpression: 'cron(0 4 ? * MON *)' } },
    ],
    [
      "a user grace that fits the user's own schedule, the stack's default 90 days would too",
      { users: [{ name: 'a', previousKeyGraceDays: 20, schedule: { automaticallyAfterDays: 21 } }] },
    ],
    [
      'grace days with the action given only at the other level',
      {
        previousKeyAction: 'keep',
        users: [{ name: 'a', previousKeyAction: 'deactivate-after-grace', previousKeyGraceDays: 3 }],
      },
    ],
    [
      'ten e-mail addresses and a topic in another partition',
      {
        notifications: {
          topicArn: 'arn:aws-cn:sns:cn-north-1:123456789012:alerts_1-x',
          emails: Array.from({ length: 10 }, (_, index) => `ops+${index}@sub.example.com`),
        },
      },
    ],
    ['sweep at midnight', { sweepHourUtc: 0 }],
    ['sweep at 23:00', { sweepHourUtc: 23 }],
    [
      'tags of Unicode letters, spaces and every allowed symbol',
      { tags: { 'équipe 1': 'plate-forme ü _.:/=+-@', empty: '' } },
    ],
    [
      'an environment of every documented variable',
      {
        functionEnvironment: {
          AWS_MAX_ATTEMPTS: '10',
          AWS_RETRY_MODE: 'adaptive',
          AWS_USE_FIPS_ENDPOINT: 'true',
          AWS_USE_DUALSTACK_ENDPOINT: 'false',
        },
      },
    ],
    ['tag keys that objects inherit', { tags: { constructor: 'x', toString: 'y' } }],
    [
      'many secrets outside the default prefix, all under the prefix given',
      { users: usersNamedOutsideThePrefix(60, 10), secretNamePrefix: 'team-' },
    ],
    ['no recovery window', { recoveryWindowInDays: 0 }],
    ...['/', '-', '_', '+', '=', '.', '@'].map((separator): [string, Partial<IamAccessKeyRotationProps>] => [
      `a secret-name prefix ending in ${separator}`,
      { secretNamePrefix: `prod${separator}` },
    ]),
    ['user name with every allowed symbol', { users: [{ name: 'a_b+c=d,e.f@g-h', secretName: 'keys/a_b' }] }],
  ])('%s', (_case, props) => {
    expect(() => synthRotation(props)).not.toThrow();
  });

  test('secrets outside the prefix that make the environment exactly 4 KB pass', () => {
    const { json } = synthRotation({ users: usersFillingTheEnvironment(4096), notifications: GIVEN_TOPIC });
    const { environment } = onlyResource(json, 'aws_lambda_function') as {
      environment: { variables: Record<string, string> };
    };
    expect(Buffer.byteLength(JSON.stringify(environment.variables))).toBe(4096);
  });

  test('unresolved tokens are not checked', () => {
    expect(() =>
      synthRotation({
        users: [{ name: Token.asString({ Ref: 'x' }) }],
        logRetentionInDays: Token.asNumber({ Ref: 'y' }),
      }),
    ).not.toThrow();
  });
});
