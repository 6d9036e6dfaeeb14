import { Token } from 'cdktf';
import { IamAccessKeyRotationProps } from '../../lib';
import { synthRotation } from './fixtures';

// Each case: props (merged over one valid user) and the message the synth must fail with.
const INVALID: [string, Partial<IamAccessKeyRotationProps>, RegExp][] = [
  ['no users', { users: [] }, /`users` must list at least one user, got \[\]/],
  ['bad user name', { users: [{ name: 'al ice' }] }, /`users\[0\]\.name` must be 1-64 characters .*, got "al ice"/],
  ['user without a name (JS caller)', { users: [{} as IamAccessKeyRotationProps['users'][number]] }, /`users\[0\]\.name` is required/],
  ['user name not a string (JS caller)', { users: [{ name: 5 as unknown as string }] }, /`users\[0\]\.name` must be a string, got 5/],
  ['secret name not a string (JS caller)', { users: [{ name: 'a', secretName: 5 as unknown as string }] }, /`users\[0\]\.secretName` must be a string, got 5/],
  ['too long user name', { users: [{ name: 'a'.repeat(65) }] }, /`users\[0\]\.name` must be 1-64 characters/],
  ['duplicate user (case-insensitive)', { users: [{ name: 'alice' }, { name: 'Alice' }] }, /`users\[1\]\.name` must be unique \(IAM ignores case\), got "Alice"/],
  ['duplicate secret name', { users: [{ name: 'a', secretName: 's' }, { name: 'b', secretName: 's' }] }, /`users\[1\]\.secretName` must be unique, got "s"/],
  ['bad secret name', { users: [{ name: 'a', secretName: 'a b' }] }, /`users\[0\]\.secretName` must be 1-512 characters .*, got "a b"/],
  ['comma in user name, default secret name', { users: [{ name: 'a,b' }] }, /`users\[0\]\.secretName` must be set: the default "iam-key-rotation\/a,b" is not a valid secret name/],
  ['bad name', { name: 'key rotation' }, /`name` must be 1-56 characters .*, got "key rotation"/],
  ['days too small', { schedule: { automaticallyAfterDays: 0 } }, /`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 0/],
  ['days too large', { schedule: { automaticallyAfterDays: 1001 } }, /`schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 1001/],
  ['days and expression', { schedule: { automaticallyAfterDays: 30, scheduleExpression: 'rate(30 days)' } }, /`schedule` must set `automaticallyAfterDays` or `scheduleExpression`, not both/],
  ['bad expression', { schedule: { scheduleExpression: 'every day' } }, /`schedule\.scheduleExpression` must be rate\(N days\), rate\(N hours\) or a six-field cron\(\.\.\.\) expression, got "every day"/],
  ['rate too frequent', { schedule: { scheduleExpression: 'rate(2 hours)' } }, /`schedule\.scheduleExpression` must rotate at most every 4 hours/],
  ['bad duration', { schedule: { duration: '3 hours' } }, /`schedule\.duration` must be between 1h and 24h, e\.g\. '3h', got "3 hours"/],
  ['duration too long', { schedule: { duration: '25h' } }, /`schedule\.duration` must be between 1h and 24h/],
  ['window longer than interval', { schedule: { scheduleExpression: 'rate(4 hours)', duration: '4h' } }, /`schedule\.duration` must be shorter than the interval/],
  ['bad per-user schedule', { users: [{ name: 'a', schedule: { automaticallyAfterDays: -1 } }] }, /`users\[0\]\.schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got -1/],
  ['bad previous key action', { previousKeyAction: 'delete' as never }, /`previousKeyAction` must be one of "keep", "deactivate", got "delete"/],
  ['bad test budget', { testBudgetMs: 60_000 }, /`testBudgetMs` must be an integer between 1000 and 50000, got 60000/],
  ['bad log level', { logLevel: 'TRACE' as never }, /`logLevel` must be one of "DEBUG", "INFO", "WARN", "ERROR", got "TRACE"/],
  ['bad encryption', { encryption: 'kms' as never }, /`encryption` must be one of "aws-managed", "customer-managed", got "kms"/],
  ['key ARN without customer encryption', { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/x' }, /`kmsKeyArn` needs `encryption: 'customer-managed'`/],
  ['bad key ARN', { encryption: 'customer-managed', kmsKeyArn: 'alias/mine' }, /`kmsKeyArn` must be an kms ARN .*, got "alias\/mine"/],
  ['key alias ARN', { encryption: 'customer-managed', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/x' }, /`kmsKeyArn` must be a key ARN \(arn:<partition>:kms:<region>:<account>:key\/<key-id>\), not an alias.*, got "arn:aws:kms:us-east-1:123456789012:alias\/x"/],
  ['readers without a created key', { readerArns: ['arn:aws:iam::123456789012:role/r'] }, /`readerArns` only applies to a key the construct creates/],
  ['bad reader ARN', { encryption: 'customer-managed', readerArns: ['reader'] }, /`readerArns\[0\]` must be an iam ARN/],
  ['infinite log retention', { logRetentionInDays: 0 }, /`logRetentionInDays` must be one of CloudWatch's retention periods .*, got 0/],
  ['odd log retention', { logRetentionInDays: 100 }, /`logRetentionInDays` must be one of CloudWatch's retention periods .*, got 100/],
  ['bad recovery window', { recoveryWindowInDays: 3 }, /`recoveryWindowInDays` must be 0 \(delete immediately\) or between 7 and 30, got 3/],
  ['reserved tag', { tags: { 'iam-key-rotation:user': 'x' } }, /`tags` must not set "iam-key-rotation:user"/],
  ['contract env overridden', { functionEnvironment: { LOG_LEVEL: 'DEBUG' } }, /`functionEnvironment` must not set "LOG_LEVEL"/],
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
});

describe('valid edge values pass', () => {
  test.each<[string, Partial<IamAccessKeyRotationProps>]>([
    ['1 day', { schedule: { automaticallyAfterDays: 1 } }],
    ['1000 days and a 24h window', { schedule: { automaticallyAfterDays: 1000, duration: '24h' } }],
    ['rate(4 hours) with a 3h window', { schedule: { scheduleExpression: 'rate(4 hours)', duration: '3h' } }],
    ['rate(1 day)', { schedule: { scheduleExpression: 'rate(1 day)' } }],
    ['no recovery window', { recoveryWindowInDays: 0 }],
    ['user name with every allowed symbol', { users: [{ name: 'a_b+c=d,e.f@g-h', secretName: 'keys/a_b' }] }],
  ])('%s', (_case, props) => {
    expect(() => synthRotation(props)).not.toThrow();
  });

  test('unresolved tokens are not checked', () => {
    expect(() =>
      synthRotation({ users: [{ name: Token.asString({ Ref: 'x' }) }], logRetentionInDays: Token.asNumber({ Ref: 'y' }) }),
    ).not.toThrow();
  });
});
