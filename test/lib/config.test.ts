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

describe('valid configs', () => {
  test.each([
    ['in the region of the config', { region: 'eu-west-1' }],
    ['without a region in the config (the provider\'s applies)', {}],
  ])('take a key %s', (_case, regionKey) => {
    const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/abcd';
    const document = { ...regionKey, users: [{ name: 'a' }], encryption: 'customer-managed', kmsKeyArn };
    expect(parseRotationConfig(document).rotation.kmsKeyArn).toBe(kmsKeyArn);
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
