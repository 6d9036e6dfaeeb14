import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, loadRotationConfig, parseRotationConfig } from '../../lib';

const EXAMPLE = path.join(__dirname, '..', '..', 'rotation.config.json');

function problemsOf(document: unknown): string[] {
  try {
    parseRotationConfig(document);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
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
    ['unknown top-level key', { users: [{ name: 'a' }], user: [] }, /^`user` is not a known key \(known: region, name, users/],
    ['unknown user key', { users: [{ name: 'a', create: true }] }, /^`users\[0\]\.create` is not a known key/],
    ['unknown schedule key', { users: [{ name: 'a' }], schedule: { days: 3 } }, /^`schedule\.days` is not a known key/],
    ['missing users', {}, /^`users` is required/],
    ['missing user name', { users: [{ createUser: true }] }, /^`users\[0\]\.name` is required$/],
    ['users not a list', { users: { name: 'a' } }, /^`users` must be a list of users, got \{"name":"a"\}$/],
    ['wrong type number', { users: [{ name: 'a' }], logRetentionInDays: '365' }, /^`logRetentionInDays` must be a number, got "365"$/],
    ['wrong type boolean', { users: [{ name: 'a', createUser: 'yes' }] }, /^`users\[0\]\.createUser` must be a boolean, got "yes"$/],
    ['wrong tags', { users: [{ name: 'a' }], tags: { a: 1 } }, /^`tags` must be an object of strings, got \{"a":1\}$/],
    ['bad user name', { users: [{ name: 'a b' }] }, /^`users\[0\]\.name` must be 1-64 characters/],
    ['duplicate user', { users: [{ name: 'a' }, { name: 'a' }] }, /^`users\[1\]\.name` must be unique/],
    ['schedule out of range', { users: [{ name: 'a', schedule: { automaticallyAfterDays: 2000 } }] }, /^`users\[0\]\.schedule\.automaticallyAfterDays` must be an integer between 1 and 1000, got 2000$/],
    ['bad region', { users: [{ name: 'a' }], region: 'Europe' }, /^`region` must be an AWS region like us-east-1, got "Europe"$/],
    [
      'key in another region',
      { region: 'us-east-1', users: [{ name: 'a' }], encryption: 'customer-managed', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd' },
      /^`kmsKeyArn` must be a key in `region` "us-east-1" \(.*\), got a key in "eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key\/abcd"$/,
    ],
    ['prop rules apply to the config', { users: [{ name: 'a' }], tags: { 'aws:team': 'x' } }, /^`tags` keys must not start with "aws:"/],
  ])('%s', (_case, document, message) => {
    expect(problemsOf(document)).toContainEqual(expect.stringMatching(message));
  });
  test('all problems are listed, with the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ users: [{ name: 'a' }], testBudgetMs: 'x', logLevel: 3 }));
    expect(() => loadRotationConfig(file)).toThrow(
      new RegExp(`^Invalid iam-key-rotation config ${file}:\\n  - \`testBudgetMs\` must be a number, got "x"\\n  - \`logLevel\` must be a string, got 3$`),
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
    expect(() => loadRotationConfig(file)).toThrow(/bad\.json:\n  - is not valid JSON/);
    expect(() => loadRotationConfig(path.join(dir, 'missing.json'))).toThrow(/missing\.json:\n  - cannot be read/);
  });
});

describe('backend problems name the key', () => {
  const S3 = { bucket: 'state', key: 'iam-key-rotation.tfstate' };
  const withBackend = (backend: unknown): unknown => ({ users: [{ name: 'a' }], backend });

  test.each<[string, unknown, RegExp]>([
    ['not an object', 's3', /^`backend` must be an object, got "s3"$/],
    ['no backend named', {}, /^`backend` must set `s3`, the one backend offered here \(for another, add its construct to your own stack\), got \{\}$/],
    ['another backend', { local: { path: 'x' } }, /^`backend\.local` is not a known key \(known: s3\)$/],
    ['s3 not an object', { s3: 'state' }, /^`backend\.s3` must be an object, got "state"$/],
    ['unknown s3 key', { s3: { ...S3, dynamodb_table: 'locks' } }, /^`backend\.s3\.dynamodb_table` is not a known key \(known: bucket, key, region, useLockfile, dynamodbTable, encrypt, kmsKeyId\)$/],
    ['missing bucket', { s3: { key: 'k' } }, /^`backend\.s3\.bucket` is required$/],
    ['missing key', { s3: { bucket: 'b' } }, /^`backend\.s3\.key` is required$/],
    ['bucket not a string', { s3: { ...S3, bucket: 3 } }, /^`backend\.s3\.bucket` must be a string, got 3$/],
    ['useLockfile not a boolean', { s3: { ...S3, useLockfile: 'yes' } }, /^`backend\.s3\.useLockfile` must be a boolean, got "yes"$/],
    ['encrypt not a boolean', { s3: { ...S3, encrypt: 'true' } }, /^`backend\.s3\.encrypt` must be a boolean, got "true"$/],
    ['bucket as a URL', { s3: { ...S3, bucket: 's3://state' } }, /^`backend\.s3\.bucket` must be a bucket name \(.*\), got "s3:\/\/state"$/],
    ['empty bucket', { s3: { ...S3, bucket: '' } }, /^`backend\.s3\.bucket` must be a bucket name \(.*\), got ""$/],
    ['key with a leading slash', { s3: { ...S3, key: '/state.tfstate' } }, /^`backend\.s3\.key` must be an object key that does not start or end with "\/", got "\/state\.tfstate"$/],
    ['key ending in a slash', { s3: { ...S3, key: 'states/' } }, /^`backend\.s3\.key` must be .*, got "states\/"$/],
    ['bad region', { s3: { ...S3, region: 'Europe' } }, /^`backend\.s3\.region` must be an AWS region like us-east-1, got "Europe"$/],
    ['empty lock table', { s3: { ...S3, dynamodbTable: ' ' } }, /^`backend\.s3\.dynamodbTable` must be a table name, got " "$/],
    ['bad KMS key', { s3: { ...S3, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/state' } }, /^`backend\.s3\.kmsKeyId` must be a KMS key ARN .*, got "arn:aws:kms:us-east-1:123456789012:key\/state"$/],
    ['KMS key that is not KMS', { s3: { ...S3, kmsKeyId: 'arn:aws:s3:::state' } }, /^`backend\.s3\.kmsKeyId` must be a KMS key ARN .*, got "arn:aws:s3:::state"$/],
    [
      'KMS key without encryption',
      { s3: { ...S3, encrypt: false, kmsKeyId: 'alias/state' } },
      /^`backend\.s3\.kmsKeyId` needs `encrypt` true \(the default\): the S3 backend ignores the key without it, got "alias\/state" with encrypt false$/,
    ],
    [
      'KMS key in another region',
      { s3: { ...S3, region: 'us-east-1', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:alias/state' } },
      /^`backend\.s3\.kmsKeyId` must be a key in the bucket's `region` "us-east-1" \(.*\), got a key in "eu-west-1": "arn:aws:kms:eu-west-1:123456789012:alias\/state"$/,
    ],
  ])('%s', (_case, backend, message) => {
    expect(problemsOf(withBackend(backend))).toContainEqual(expect.stringMatching(message));
  });

  test('every backend problem comes in one report with the others', () => {
    expect(problemsOf({ users: [{ name: 'a' }, { name: 'A' }], region: 'Europe', backend: { s3: { key: '/k', region: 'mars' } } })).toEqual([
      '`region` must be an AWS region like us-east-1, got "Europe"',
      '`users[1].name` must be unique (IAM ignores case), got "A" again',
      '`backend.s3.bucket` is required',
      '`backend.s3.key` must be an object key that does not start or end with "/", got "/k"',
      '`backend.s3.region` must be an AWS region like us-east-1, got "mars"',
    ]);
  });

  test('type problems of the backend come in one report with the other keys\' types', () => {
    expect(problemsOf({ users: [{ name: 'a' }], logLevel: 3, backend: { s3: { bucket: 1, key: 2, encrypt: 'no' } } })).toEqual([
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
    ['without a region in the config (the provider\'s applies)', {}],
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
  ])('take %s as the state\'s KMS key', (_case, kmsKeyId) => {
    const backend = { s3: { bucket: 'state', key: 'k', region: 'eu-west-1', kmsKeyId } };
    expect(parseRotationConfig({ users: [{ name: 'a' }], backend }).backend).toEqual(backend);
  });

  test('keep the backend apart from the construct props', () => {
    // GIVEN
    const backend = {
      s3: { bucket: 'platform-terraform-state', key: 'iam-key-rotation/123456789012.tfstate', region: 'eu-west-1', useLockfile: true, encrypt: true },
    };
    // WHEN
    const config = parseRotationConfig({ region: 'eu-central-1', users: [{ name: 'ci' }], backend });
    // THEN
    expect(config).toEqual({ region: 'eu-central-1', backend, rotation: { users: [{ name: 'ci' }] } });
  });

  test('without a backend have none (the stack keeps a local state)', () => {
    expect(loadRotationConfig(EXAMPLE)).not.toHaveProperty('backend');
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
