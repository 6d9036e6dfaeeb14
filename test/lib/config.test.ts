import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadRotationConfig, parseRotationConfig } from '../../lib';
import { problemsOfCall } from './fixtures';
import { scanJson } from '../../lib/validation/json-scan';
import { AWS_PROVIDER_REGIONS } from '../../lib/validation/regions';
import { AWS_REGION, show } from '../../lib/validation/validation';

const EXAMPLE = path.join(__dirname, '..', '..', 'rotation.config.json');

function problemsOf(document: unknown): string[] {
  return problemsOfCall(() => parseRotationConfig(document));
}

/** The problems loadRotationConfig reports for a file with this text. */
function problemsOfText(text: string): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'config-')), 'rotation.config.json');
  fs.writeFileSync(file, text);
  return problemsOfCall(() => loadRotationConfig(file));
}

describe('the checked-in example', () => {
  test('is valid, with two users the stack creates', () => {
    const config = loadRotationConfig(EXAMPLE);
    expect(config.region).toBe('us-east-1');
    expect(config.rotation.users.map((user) => [user.name, user.createUser])).toEqual([
      ['alice', true],
      ['bob', true],
    ]);
  });
});

describe('config problems name the key', () => {
  test.each<[string, unknown, RegExp]>([
    ['not an object', [], /^the config must be an object, got \[\]$/],
    [
      'unknown top-level key',
      { users: [{ name: 'a' }], user: [] },
      /^`user` is not a known key \(known: region, name, users/,
    ],
    ['unknown user key', { users: [{ name: 'a', create: true }] }, /^`users\[0\]\.create` is not a known key/],
    ['unknown schedule key', { users: [{ name: 'a' }], schedule: { days: 3 } }, /^`schedule\.days` is not a known key/],
    ['missing users', {}, /^`users` is required/],
    ['missing user name', { users: [{ createUser: true }] }, /^`users\[0\]\.name` is required$/],
    ['users not a list', { users: { name: 'a' } }, /^`users` must be a list of users, got \{"name":"a"\}$/],
    [
      'wrong type number',
      { users: [{ name: 'a' }], logRetentionInDays: '365' },
      /^`logRetentionInDays` must be a number, got "365"$/,
    ],
    [
      'wrong type boolean',
      { users: [{ name: 'a', createUser: 'yes' }] },
      /^`users\[0\]\.createUser` must be a boolean, got "yes"$/,
    ],
    ['wrong tags', { users: [{ name: 'a' }], tags: { a: 1 } }, /^`tags` must be an object of strings, got \{"a":1\}$/],
    ['bad user name', { users: [{ name: 'a b' }] }, /^`users\[0\]\.name` must be 1-64 characters/],
    ['duplicate user', { users: [{ name: 'a' }, { name: 'a' }] }, /^`users\[1\]\.name` must be unique/],
    [
      'schedule out of range',
      { users: [{ name: 'a', schedule: { automaticallyAfterDays: 2000 } }] },
      /^`users\[0\]\.schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 2000$/,
    ],
    [
      'bad region',
      { users: [{ name: 'a' }], region: 'Europe' },
      /^`region` must be an AWS region like us-east-1, got "Europe"$/,
    ],
    [
      'key in another region',
      {
        region: 'us-east-1',
        users: [{ name: 'a' }],
        encryption: 'customer-managed',
        kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd',
      },
      /^`kmsKeyArn` must be a key in `region` "us-east-1" \(.*\), got a key in "eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key\/abcd"$/,
    ],
    [
      'prop rules apply to the config',
      { users: [{ name: 'a' }], tags: { 'aws:team': 'x' } },
      /^`tags` keys must not start with "aws:"/,
    ],
    [
      'grace days not a number',
      { users: [{ name: 'a' }], previousKeyGraceDays: '7' },
      /^`previousKeyGraceDays` must be a number, got "7"$/,
    ],
    [
      'user grace days not a number',
      { users: [{ name: 'a', previousKeyGraceDays: true }] },
      /^`users\[0\]\.previousKeyGraceDays` must be a number, got true$/,
    ],
    [
      'user in-use action not a string',
      { users: [{ name: 'a', previousKeyInUse: 1 }] },
      /^`users\[0\]\.previousKeyInUse` must be a string, got 1$/,
    ],
    [
      'user action unknown',
      { users: [{ name: 'a', previousKeyAction: 'rotate' }] },
      /^`users\[0\]\.previousKeyAction` must be one of "deactivate-after-grace", "deactivate", "keep", got "rotate"$/,
    ],
    [
      "user grace with the user's keep",
      { users: [{ name: 'a', previousKeyAction: 'keep', previousKeyGraceDays: 3 }] },
      /^`users\[0\]\.previousKeyGraceDays` only applies to `users\[0\]\.previousKeyAction: 'deactivate-after-grace'`, got 3 with "keep"$/,
    ],
    [
      "grace not shorter than a user's interval",
      { users: [{ name: 'a', schedule: { automaticallyAfterDays: 7 } }], previousKeyGraceDays: 7 },
      /^`previousKeyGraceDays` must be less than the rotation interval of users\[0\] \(7 days, `users\[0\]\.schedule`\)/,
    ],
    [
      'notifications not an object',
      { users: [{ name: 'a' }], notifications: 'ops@example.com' },
      /^`notifications` must be an object, got "ops@example.com"$/,
    ],
    [
      'unknown notifications key',
      { users: [{ name: 'a' }], notifications: { email: 'ops@example.com' } },
      /^`notifications\.email` is not a known key \(known: topicArn, emails\)$/,
    ],
    [
      'emails not a list of strings',
      { users: [{ name: 'a' }], notifications: { emails: 'ops@example.com' } },
      /^`notifications\.emails` must be a list of strings, got "ops@example.com"$/,
    ],
    [
      'bad e-mail address',
      { users: [{ name: 'a' }], notifications: { emails: ['ops'] } },
      /^`notifications\.emails\[0\]` must be an e-mail address like ops@example\.com, got "ops"$/,
    ],
    [
      'bad topic ARN',
      { users: [{ name: 'a' }], notifications: { topicArn: 'arn:aws:sns:eu-west-1:1234:alerts' } },
      /^`notifications\.topicArn` must be the ARN of a standard SNS topic/,
    ],
    [
      'topic in another region',
      {
        region: 'us-east-1',
        users: [{ name: 'a' }],
        notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
      },
      /^`notifications\.topicArn` must be a topic in `region` "us-east-1" \(EventBridge rules and CloudWatch alarms publish only to topics of their own region\), got a topic in "eu-west-1": "arn:aws:sns:eu-west-1:123456789012:alerts"$/,
    ],
    [
      'sweep hour not a number',
      { users: [{ name: 'a' }], sweepHourUtc: '6' },
      /^`sweepHourUtc` must be a number, got "6"$/,
    ],
    [
      'sweep hour out of range',
      { users: [{ name: 'a' }], sweepHourUtc: 24 },
      /^`sweepHourUtc` must be an integer between 0 and 23, got 24$/,
    ],
    [
      'secret-name prefix without a separator (also covers production-db)',
      { users: [{ name: 'a' }], secretNamePrefix: 'prod' },
      /^`secretNamePrefix` must end with a separator, one of \/_\+=\.@- \(e\.g\. "prod\/"\).*, got "prod"$/,
    ],
  ])('%s', (_case, document, message) => {
    expect(problemsOf(document)).toContainEqual(expect.stringMatching(message));
  });
  test('all problems are listed, with the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ users: [{ name: 'a' }], testBudgetMs: 'x', logLevel: 3 }));
    expect(() => loadRotationConfig(file)).toThrow(
      new RegExp(
        `^Invalid iam-key-rotation config ${file}:\\n  - \`testBudgetMs\` must be a number, got "x"\\n  - \`logLevel\` must be a string, got 3$`,
      ),
    );
  });

  test('value problems of the config and of the props come in one report', () => {
    expect(problemsOf({ users: [{ createUser: true }], region: 'Europe' })).toEqual([
      '`region` must be an AWS region like us-east-1, got "Europe"',
      '`users[0].name` is required',
    ]);
  });

  test('a file that is not JSON, or missing, is reported as such', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, '{ users: ');
    expect(() => loadRotationConfig(file)).toThrow(/bad\.json:\n {2}- is not valid JSON/);
    expect(() => loadRotationConfig(path.join(dir, 'missing.json'))).toThrow(/missing\.json:\n {2}- cannot be read/);
  });
});

describe('backend problems name the key', () => {
  const S3 = { bucket: 'state', key: 'iam-key-rotation.tfstate' };
  const withBackend = (backend: unknown): unknown => ({ users: [{ name: 'a' }], backend });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 's3', /^`backend` must be an object, got "s3"$/],
    [
      'no backend named',
      {},
      /^`backend` must set `s3`, the one backend offered here \(for another, add its construct to your own stack\), got \{\}$/,
    ],
    ['another backend', { local: { path: 'x' } }, /^`backend\.local` is not a known key \(known: s3\)$/],
    ['s3 not an object', { s3: 'state' }, /^`backend\.s3` must be an object, got "state"$/],
    [
      'unknown s3 key',
      { s3: { ...S3, dynamodb_table: 'locks' } },
      /^`backend\.s3\.dynamodb_table` is not a known key \(known: bucket, key, region, useLockfile, dynamodbTable, encrypt, kmsKeyId\)$/,
    ],
    ['missing bucket', { s3: { key: 'k' } }, /^`backend\.s3\.bucket` is required$/],
    ['missing key', { s3: { bucket: 'b' } }, /^`backend\.s3\.key` is required$/],
    ['bucket not a string', { s3: { ...S3, bucket: 3 } }, /^`backend\.s3\.bucket` must be a string, got 3$/],
    [
      'useLockfile not a boolean',
      { s3: { ...S3, useLockfile: 'yes' } },
      /^`backend\.s3\.useLockfile` must be a boolean, got "yes"$/,
    ],
    [
      'encrypt not a boolean',
      { s3: { ...S3, encrypt: 'true' } },
      /^`backend\.s3\.encrypt` must be a boolean, got "true"$/,
    ],
    [
      'bucket as a URL',
      { s3: { ...S3, bucket: 's3://state' } },
      /^`backend\.s3\.bucket` must be a bucket name \(.*\), got "s3:\/\/state"$/,
    ],
    ['empty bucket', { s3: { ...S3, bucket: '' } }, /^`backend\.s3\.bucket` must be a bucket name \(.*\), got ""$/],
    [
      'key with a leading slash',
      { s3: { ...S3, key: '/state.tfstate' } },
      /^`backend\.s3\.key` must be an object key that does not start or end with "\/", got "\/state\.tfstate"$/,
    ],
    ['key ending in a slash', { s3: { ...S3, key: 'states/' } }, /^`backend\.s3\.key` must be .*, got "states\/"$/],
    [
      'bad region',
      { s3: { ...S3, region: 'Europe' } },
      /^`backend\.s3\.region` must be an AWS region like us-east-1, got "Europe"$/,
    ],
    [
      'empty lock table',
      { s3: { ...S3, dynamodbTable: ' ' } },
      /^`backend\.s3\.dynamodbTable` must be a table name, got " "$/,
    ],
    [
      'bad KMS key',
      { s3: { ...S3, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/state' } },
      /^`backend\.s3\.kmsKeyId` must be a KMS key ARN .*, got "arn:aws:kms:us-east-1:123456789012:key\/state"$/,
    ],
    [
      'KMS key that is not KMS',
      { s3: { ...S3, kmsKeyId: 'arn:aws:s3:::state' } },
      /^`backend\.s3\.kmsKeyId` must be a KMS key ARN .*, got "arn:aws:s3:::state"$/,
    ],
    [
      'KMS key without encryption',
      { s3: { ...S3, encrypt: false, kmsKeyId: 'alias/state' } },
      /^`backend\.s3\.kmsKeyId` needs `encrypt` true \(the default\): the S3 backend ignores the key without it, got "alias\/state" with encrypt false$/,
    ],
    [
      'KMS key in another region',
      { s3: { ...S3, region: 'us-east-1', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/state' } },
      /^`backend\.s3\.kmsKeyId` must be a key in the bucket's region, `backend\.s3\.region` "us-east-1" \(.*\), got a key in "eu-west-1": "arn:aws:kms:eu-west-1:123456789012:alias\/state"$/,
    ],
  ])('%s', (_case, backend, message) => {
    expect(problemsOf(withBackend(backend))).toContainEqual(expect.stringMatching(message));
  });

  test('every backend problem comes in one report with the others', () => {
    expect(
      problemsOf({
        users: [{ name: 'a' }, { name: 'A' }],
        region: 'Europe',
        backend: { s3: { key: '/k', region: 'mars' } },
      }),
    ).toEqual([
      '`region` must be an AWS region like us-east-1, got "Europe"',
      '`users[1].name` must be unique (IAM ignores case), got "A" again',
      '`backend.s3.bucket` is required',
      '`backend.s3.key` must be an object key that does not start or end with "/", got "/k"',
      '`backend.s3.region` must be an AWS region like us-east-1, got "mars"',
    ]);
  });

  test("type problems of the backend come in one report with the other keys' types", () => {
    expect(
      problemsOf({ users: [{ name: 'a' }], logLevel: 3, backend: { s3: { bucket: 1, key: 2, encrypt: 'no' } } }),
    ).toEqual([
      '`logLevel` must be a string, got 3',
      '`backend.s3.bucket` must be a string, got 1',
      '`backend.s3.key` must be a string, got 2',
      '`backend.s3.encrypt` must be a boolean, got "no"',
    ]);
  });
});

describe('valid configs', () => {
  test.each([
    ['in the region of the config', { region: 'eu-west-1' }],
    ["without a region in the config (the provider's applies)", {}],
  ])('take a key %s', (_case, regionKey) => {
    const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/abcd';
    const document = { ...regionKey, users: [{ name: 'a' }], encryption: 'customer-managed', kmsKeyArn };
    expect(parseRotationConfig(document).rotation.kmsKeyArn).toBe(kmsKeyArn);
  });

  test.each([
    ['a key ARN', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-4cde-8f12-1234567890ab'],
    ['a multi-Region key ARN', 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['an alias ARN', 'arn:aws:kms:eu-west-1:123456789012:alias/terraform-state'],
    ['a key id', '1234abcd-12ab-4cde-8f12-1234567890ab'],
    ['an alias name', 'alias/terraform-state'],
  ])("take %s as the state's KMS key", (_case, kmsKeyId) => {
    const backend = { s3: { bucket: 'state', key: 'k', region: 'eu-west-1', kmsKeyId } };
    expect(parseRotationConfig({ users: [{ name: 'a' }], backend }).backend).toEqual(backend);
  });

  test('keep the backend apart from the construct props', () => {
    // GIVEN
    const backend = {
      s3: {
        bucket: 'platform-terraform-state',
        key: 'iam-key-rotation/123456789012.tfstate',
        region: 'eu-west-1',
        useLockfile: true,
        encrypt: true,
      },
    };
    // WHEN
    const config = parseRotationConfig({ region: 'eu-central-1', users: [{ name: 'ci' }], backend });
    // THEN
    expect(config).toEqual({ region: 'eu-central-1', backend, rotation: { users: [{ name: 'ci' }] } });
  });

  test('without a backend have none (the stack keeps a local state)', () => {
    expect(loadRotationConfig(EXAMPLE)).not.toHaveProperty('backend');
  });

  test('take the lifecycle keys: previous-key policy per stack and user, notifications, sweep hour', () => {
    const document = {
      region: 'eu-west-1',
      users: [
        {
          name: 'ci',
          previousKeyAction: 'deactivate-after-grace',
          previousKeyGraceDays: 3,
          previousKeyInUse: 'deactivate',
        },
        { name: 'vendor' },
      ],
      previousKeyAction: 'keep',
      previousKeyInUse: 'hold',
      notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts', emails: ['ops@example.com'] },
      sweepHourUtc: 4,
    };
    const { region, ...rotation } = document;
    expect(parseRotationConfig(document)).toEqual({ region, rotation });
  });

  test('map to the construct props, region apart', () => {
    expect(
      parseRotationConfig({
        region: 'eu-central-1',
        users: [{ name: 'ci', secretName: 'ci/key', schedule: { scheduleExpression: 'rate(7 days)', duration: '2h' } }],
        encryption: 'customer-managed',
        readerArns: ['arn:aws:iam::123456789012:role/deployer'],
      }),
    ).toEqual({
      region: 'eu-central-1',
      rotation: {
        users: [{ name: 'ci', secretName: 'ci/key', schedule: { scheduleExpression: 'rate(7 days)', duration: '2h' } }],
        encryption: 'customer-managed',
        readerArns: ['arn:aws:iam::123456789012:role/deployer'],
      },
    });
  });
});

describe('keys that Object.prototype has are unknown keys', () => {
  const INHERITED_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
  // JSON text with `"<key>": {}` at one level that has a shape; JSON.parse makes `__proto__` an own key.
  const LEVELS: [string, (member: string) => string, string, string][] = [
    ['the top level', (member) => `{"users": [{"name": "a"}], ${member}}`, '', 'region, name, users'],
    [
      '`schedule`',
      (member) => `{"users": [{"name": "a"}], "schedule": {"automaticallyAfterDays": 30, ${member}}}`,
      'schedule.',
      'automaticallyAfterDays',
    ],
    ['`users[i]`', (member) => `{"users": [{"name": "a"}, {"name": "b", ${member}}]}`, 'users[1].', 'name, secretName'],
    [
      '`users[i].schedule`',
      (member) => `{"users": [{"name": "a", "schedule": {${member}}}]}`,
      'users[0].schedule.',
      'automaticallyAfterDays',
    ],
    [
      '`backend`',
      (member) => `{"users": [{"name": "a"}], "backend": {"s3": {"bucket": "b", "key": "k"}, ${member}}}`,
      'backend.',
      's3',
    ],
    [
      '`backend.s3`',
      (member) => `{"users": [{"name": "a"}], "backend": {"s3": {"bucket": "b", "key": "k", ${member}}}}`,
      'backend.s3.',
      'bucket, key',
    ],
  ];
  const CASES = LEVELS.flatMap(([level, text, prefix, known]) =>
    INHERITED_KEYS.map((key) => [level, key, text(`"${key}": {}`), `${prefix}${key}`, known] as const),
  );

  test.each(CASES)('at %s: %s, in a file', (_level, _key, text, label, known) => {
    // GIVEN a config file whose only problem is the key
    // WHEN it is loaded
    const problems = problemsOfText(text);
    // THEN the key is refused like any unknown key
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^\`${escape(label)}\` is not a known key \\(known: ${escape(known)}`)),
    ]);
  });

  test.each(CASES)('at %s: %s, in a parsed document', (_level, _key, text, label) => {
    expect(problemsOf(JSON.parse(text))).toEqual([
      expect.stringMatching(new RegExp(`^\`${escape(label)}\` is not a known key`)),
    ]);
  });

  test('a `__proto__` key changes neither the config nor Object.prototype', () => {
    // GIVEN a `__proto__` that would set a region and a backend if it became the prototype
    const text =
      '{"users": [{"name": "a"}], "__proto__": {"region": "us-west-2", "backend": {"s3": {"bucket": "b", "key": "k"}}}}';
    // WHEN / THEN it is refused before the config is built
    expect(problemsOfText(text)).toEqual([expect.stringMatching(/^`__proto__` is not a known key/)]);
    expect(({} as { region?: unknown }).region).toBeUndefined();
    expect(Object.getPrototypeOf(JSON.parse(text))).toBe(Object.prototype);
  });

  function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
});

describe('a key given twice in the file', () => {
  const TWICE = '(a JSON key may appear only once in an object)';

  test.each([
    ['at the top level', '{"users": [{"name": "a"}], "name": "a", "name": "b"}', `\`name\` is given twice ${TWICE}`],
    [
      'in a user',
      '{"users": [{"name": "a"}, {"name": "b", "createUser": true, "name": "c"}]}',
      `\`users[1].name\` is given twice ${TWICE}`,
    ],
    [
      "in a user's schedule",
      '{"users": [{"name": "a"}, {"name": "b", "schedule": {"duration": "2h", "automaticallyAfterDays": 7, "duration": "3h"}}]}',
      `\`users[1].schedule.duration\` is given twice ${TWICE}`,
    ],
    [
      'in the S3 backend',
      '{"users": [{"name": "a"}], "backend": {"s3": {"bucket": "a", "key": "k", "bucket": "b"}}}',
      `\`backend.s3.bucket\` is given twice ${TWICE}`,
    ],
    [
      'in the tags',
      '{"users": [{"name": "a"}], "tags": {"team": "a", "team": "b"}}',
      `\`tags.team\` is given twice ${TWICE}`,
    ],
    [
      'written with an escape',
      '{"users": [{"name": "a"}], "name": "a", "na\\u006de": "b"}',
      `\`name\` is given twice ${TWICE}`,
    ],
    [
      'three times',
      '{"users": [{"name": "a"}], "logLevel": "INFO", "logLevel": "DEBUG", "logLevel": "WARN"}',
      `\`logLevel\` is given 3 times ${TWICE}`,
    ],
  ])('%s is refused, with its path', (_case, text, message) => {
    // GIVEN a config that is valid but for the repeated key (JSON.parse would keep the last value)
    expect(() => parseRotationConfig(JSON.parse(text))).not.toThrow();
    // WHEN / THEN
    expect(problemsOfText(text)).toEqual([message]);
  });

  test('every repeat is reported in the order of the file, with the other problems, in one report', () => {
    // GIVEN
    const text = `{
      "name": "a",
      "users": [{"name": "a", "schedule": {"duration": "2h", "duration": "3h"}}, {"name": "A"}],
      "name": "b",
      "tags": {"team": "a", "owner": "b", "team": "c", "owner": "d"},
      "region": "xx-nowhere-1"
    }`;
    // WHEN
    const problems = problemsOfText(text);
    // THEN
    expect(problems).toEqual([
      `\`users[0].schedule.duration\` is given twice ${TWICE}`,
      `\`name\` is given twice ${TWICE}`,
      `\`tags.team\` is given twice ${TWICE}`,
      `\`tags.owner\` is given twice ${TWICE}`,
      expect.stringMatching(/^`region` must be a region the AWS provider 5\.100\.0 knows/),
      '`users[1].name` must be unique (IAM ignores case), got "A" again',
    ]);
  });

  test('comes in one report with the type problems', () => {
    expect(problemsOfText('{"users": [{"name": "a", "name": "b"}], "logLevel": 3}')).toEqual([
      `\`users[0].name\` is given twice ${TWICE}`,
      '`logLevel` must be a string, got 3',
    ]);
  });
});

describe('scanJson', () => {
  test('keeps keys apart per object', () => {
    const text = '{"k": [{"k": 1}, {"k": 2}], "o": {"k": {"k": 1}}, "a": [[{"k": 1}], {"k": 1}]}';
    expect(scanJson(text).repeatedKeys).toEqual([]);
  });

  test('reads keys and values that hold punctuation, quotes and escapes', () => {
    // GIVEN strings that look like JSON, and a key repeated after them
    const text = '{"a": "{\\"a\\": 1, [", "b\\\\": ["}", ",", ":"], "\\"a\\"": 1, "a": "]", "b\\u005c": 2}';
    // WHEN
    const { repeatedKeys } = scanJson(text);
    // THEN
    expect(repeatedKeys).toEqual([
      { path: 'a', count: 2 },
      { path: 'b\\', count: 2 },
    ]);
  });

  test('gives the text of the numbers that are too large for a double, by path', () => {
    const text =
      '{"users": [{"schedule": {"automaticallyAfterDays": 1E+400}}], "n": [1, -1e400, 1.5e308], "m": 1e-400}';
    expect(scanJson(text).nonFiniteNumbers).toEqual(
      new Map([
        ['users[0].schedule.automaticallyAfterDays', '1E+400'],
        ['n[1]', '-1e400'],
      ]),
    );
    expect(scanJson('1e400').nonFiniteNumbers).toEqual(new Map([['', '1e400']]));
  });
});

describe('a number too large for a double', () => {
  test.each([
    [
      'a number key',
      '{"users": [{"name": "a"}], "logRetentionInDays": 1e400}',
      '`logRetentionInDays` must be a finite number, got 1e400',
    ],
    [
      'a negative one',
      '{"users": [{"name": "a"}], "testBudgetMs": -1e400}',
      '`testBudgetMs` must be a finite number, got -1e400',
    ],
    [
      'a schedule',
      '{"users": [{"name": "a", "schedule": {"automaticallyAfterDays": 1E+400}}]}',
      '`users[0].schedule.automaticallyAfterDays` must be a finite number, got 1E+400',
    ],
    ['a string key', '{"users": [{"name": 1e400}]}', '`users[0].name` must be a string, got 1e400'],
    ['a user', '{"users": [1e400]}', '`users[0]` must be an object, got 1e400'],
    ['the config', '1e400', 'the config must be an object, got 1e400'],
  ])('in %s is reported as the file writes it', (_case, text, message) => {
    expect(problemsOfText(text)).toEqual([message]);
  });

  test.each<[string, unknown, string]>([
    ['Infinity', Infinity, '`logRetentionInDays` must be a finite number, got Infinity'],
    ['-Infinity', -Infinity, '`logRetentionInDays` must be a finite number, got -Infinity'],
    ['NaN', NaN, '`logRetentionInDays` must be a finite number, got NaN'],
  ])('is refused in a parsed document: %s', (_case, logRetentionInDays, message) => {
    expect(problemsOf({ users: [{ name: 'a' }], logRetentionInDays })).toEqual([message]);
  });
});

describe('show', () => {
  test.each<[unknown, string]>([
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [NaN, 'NaN'],
    [1.5, '1.5'],
    [-0, '0'],
    [1e21, '1e+21'],
    ['x', '"x"'],
    [{ a: 1 }, '{"a":1}'],
    [undefined, 'undefined'],
  ])('renders %p as %s', (value, shown) => {
    expect(show(value)).toBe(shown);
  });
});

describe('regions', () => {
  test('the measured list is 44 distinct region names', () => {
    expect(AWS_PROVIDER_REGIONS).toHaveLength(44);
    expect(new Set(AWS_PROVIDER_REGIONS).size).toBe(44);
    expect(AWS_PROVIDER_REGIONS.filter((region) => !AWS_REGION.test(region))).toEqual([]);
  });

  test.each(['xx-nowhere-1', 'ap-southeast-6', 'us-isob-west-1', 'eu-west-4', 'ap-south-3'])(
    '%s, unknown to the provider, is refused at synth',
    (region) => {
      expect(problemsOf({ region, users: [{ name: 'a' }] })).toEqual([
        `\`region\` must be a region the AWS provider 5.100.0 knows (${AWS_PROVIDER_REGIONS.join(', ')}), got "${region}"`,
      ]);
    },
  );

  test('each region the provider knows is taken', () => {
    for (const region of AWS_PROVIDER_REGIONS)
      expect(parseRotationConfig({ region, users: [{ name: 'a' }] }).region).toBe(region);
  });

  test.each(['eusc-de-east-1', 'us-gov-west-1', 'cn-northwest-1', 'us-isof-south-1'])(
    '%s is taken from a file',
    (region) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'config-')), 'rotation.config.json');
      fs.writeFileSync(file, JSON.stringify({ region, users: [{ name: 'a' }] }));
      expect(loadRotationConfig(file).region).toBe(region);
    },
  );

  test('the S3 backend takes the European Sovereign Cloud region', () => {
    const backend = { s3: { bucket: 'state', key: 'k', region: 'eusc-de-east-1' } };
    expect(parseRotationConfig({ users: [{ name: 'a' }], backend }).backend).toEqual(backend);
  });
});
