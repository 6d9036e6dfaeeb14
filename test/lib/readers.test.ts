import { App } from 'cdktf';
import { parseRotationConfig } from '../../lib';
import { TerraformJson, policyOf, resourcesOfType, synthRotation } from './fixtures';

const APP = 'arn:aws:iam::123456789012:role/app';
const AUDIT = 'arn:aws:iam::210987654321:role/audit';
const PARTNER = 'arn:aws:iam::210987654321:root';

/** The read policy of each secret, by secret name. */
function readPolicies(json: TerraformJson): Record<string, Record<string, unknown>> {
  const secrets = json.resource.aws_secretsmanager_secret;
  return Object.fromEntries(
    resourcesOfType(json, 'aws_secretsmanager_secret_policy').map((policy) => {
      const id = /^\$\{aws_secretsmanager_secret\.([\w-]+)\.arn\}$/.exec(String(policy.secret_arn))?.[1] ?? '';
      return [String(secrets[id].name), policy];
    }),
  );
}

describe('readers', () => {
  const users = [{ name: 'alice', readers: [AUDIT] }, { name: 'bob' }, { name: 'carol', readers: [APP] }];

  test('each secret lets the stack\'s readers and its user\'s own read it, with GetSecretValue and DescribeSecret only', () => {
    const { json } = synthRotation({ users, readers: [APP], encryption: 'customer-managed' });
    const policies = readPolicies(json);
    expect(Object.keys(policies).sort()).toEqual(['iam-key-rotation/alice', 'iam-key-rotation/bob', 'iam-key-rotation/carol']);
    const principals = (name: string): unknown => (policyOf(policies[name]).Statement[0].Principal as { AWS: string[] }).AWS;
    expect(principals('iam-key-rotation/alice')).toEqual([APP, AUDIT]);
    expect(principals('iam-key-rotation/bob')).toEqual([APP]);
    expect(principals('iam-key-rotation/carol')).toEqual([APP]);
    for (const policy of Object.values(policies)) {
      expect(policy.block_public_policy).toBe(true);
      expect(policyOf(policy).Statement).toEqual([
        expect.objectContaining({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: '*' }),
      ]);
    }
  });

  /** The created key's statements letting readers decrypt, by Sid. */
  function readerKeyStatements(json: TerraformJson): Record<string, Record<string, unknown>> {
    const key = resourcesOfType(json, 'aws_kms_key').find((candidate) => /secrets/.test(String(candidate.description))) as Record<string, unknown>;
    return Object.fromEntries(
      policyOf(key)
        .Statement.filter((statement) => String(statement.Sid).startsWith('ReadersDecrypt'))
        .map((statement) => [statement.Sid, statement as unknown as Record<string, unknown>]),
    );
  }
  const secretArnsLike = (...names: string[]): string[] =>
    names.map((name) => expect.stringMatching(new RegExp(`^arn:\\$\\{data\\.aws_partition\\.[\\w-]+\\.partition\\}:secretsmanager:\\$\\{data\\.aws_region\\.[\\w-]+\\.name\\}:\\$\\{data\\.aws_caller_identity\\.[\\w-]+\\.account_id\\}:secret:${name}-\\?{6}$`)));

  test("the created key lets the stack's readers decrypt every secret and a user's own readers only that user's, only through Secrets Manager", () => {
    const { json } = synthRotation({ users, readers: [APP], readerArns: [PARTNER], encryption: 'customer-managed' });
    const statements = readerKeyStatements(json);
    // carol's own reader is the stack's too: it reads every secret already.
    expect(Object.keys(statements)).toEqual(['ReadersDecryptThroughSecretsManager', 'ReadersDecryptTheirSecrets1']);
    expect(statements.ReadersDecryptThroughSecretsManager).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Principal: { AWS: [PARTNER, APP] } });
    expect(statements.ReadersDecryptThroughSecretsManager.Condition).toEqual({ StringEquals: { 'kms:ViaService': expect.stringMatching(/^secretsmanager\./) } });
    expect(statements.ReadersDecryptTheirSecrets1).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Principal: { AWS: [AUDIT] } });
    expect(statements.ReadersDecryptTheirSecrets1.Condition).toEqual({
      StringEquals: { 'kms:ViaService': expect.stringMatching(/^secretsmanager\./) },
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArnsLike('iam-key-rotation/alice') },
    });
    for (const policy of Object.values(readPolicies(json))) expect(policy.lifecycle).toBeUndefined();
  });

  test('readers of the same secrets share one statement, which names each of those secrets once', () => {
    const grouped = [
      { name: 'alice', readers: [AUDIT, APP] },
      { name: 'bob', readers: [APP, AUDIT] },
      { name: 'carol', secretName: 'vendors/carol', readers: [PARTNER] },
      { name: 'dave' },
    ];
    const statements = readerKeyStatements(synthRotation({ users: grouped, encryption: 'customer-managed' }).json);
    expect(Object.keys(statements)).toEqual(['ReadersDecryptTheirSecrets1', 'ReadersDecryptTheirSecrets2']);
    expect(statements.ReadersDecryptTheirSecrets1.Principal).toEqual({ AWS: [AUDIT, APP] });
    expect(statements.ReadersDecryptTheirSecrets1.Condition).toMatchObject({
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArnsLike('iam-key-rotation/alice', 'iam-key-rotation/bob') },
    });
    expect(statements.ReadersDecryptTheirSecrets2.Principal).toEqual({ AWS: [PARTNER] });
    expect(statements.ReadersDecryptTheirSecrets2.Condition).toMatchObject({ StringLike: { 'kms:EncryptionContext:SecretARN': secretArnsLike('vendors/carol') } });
  });

  test("the created key's policy is sized whole: readerArns and per-secret readers count, and only a created key is sized", () => {
    const role = (index: number): string => `arn:aws:iam::123456789012:role/${'r'.repeat(60)}${index}`;
    // 350 readerArns of 95 characters: 33 KB of principals, which the key policy alone lists.
    expect(() => synthRotation({ users: [{ name: 'alice' }], encryption: 'customer-managed', readerArns: Array.from({ length: 350 }, (_, i) => role(i)) })).toThrow(
      /`readers` with `readerArns` and the users' own readers would make the created key's policy \d+ characters long, more than KMS's 32768/,
    );
    // One reader of 400 secrets, each by its own ARN pattern.
    const manyUsers = Array.from({ length: 400 }, (_, i) => ({ name: `user-${i}`, readers: [APP] }));
    expect(() => synthRotation({ users: manyUsers, encryption: 'customer-managed' })).toThrow(/would make the created key's policy \d+ characters long/);
    // The same reader as the stack's: one statement, and the stack synthesizes.
    expect(() => synthRotation({ users: manyUsers.map(({ name }) => ({ name })), readers: [APP], encryption: 'customer-managed' })).not.toThrow();
    // No key created, nothing to size: 100 users with 3 readers each of their own (29 KB in all) under the AWS managed key.
    const ownReaders = Array.from({ length: 100 }, (_, i) => ({ name: `user-${i}`, readers: [role(3 * i), role(3 * i + 1), role(3 * i + 2)] }));
    expect(() => synthRotation({ users: ownReaders })).not.toThrow();
  });

  test('with the AWS managed key, the plan fails when a reader is in another account', () => {
    const { json } = synthRotation({ users, readers: [APP] });
    const policies = readPolicies(json);
    const [alice] = (policies['iam-key-rotation/alice'].lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition;
    expect(alice.condition).toMatch(/^\$\{alltrue\(\[for account in \["123456789012","210987654321"\] : account == data\.aws_caller_identity\.[\w-]+\.account_id\]\)\}$/);
    expect(alice.error_message).toMatch(/readers of secret iam-key-rotation\/alice include another account.*set encryption to 'customer-managed'/);
  });

  test('no readers, no resource policy', () => {
    const { json } = synthRotation({ users: [{ name: 'alice' }] });
    expect(resourcesOfType(json, 'aws_secretsmanager_secret_policy')).toEqual([]);
  });

  test.each([
    ['*', { readers: ['*'] }, /`readers\[0\]` must not contain a wildcard/],
    ['a wildcard role', { readers: ['arn:aws:iam::123456789012:role/*'] }, /`readers\[0\]` must not contain a wildcard/],
    ['a repeated reader', { readers: [APP, APP] }, /`readers\[1\]` must be unique/],
    ['a session', { readers: ['arn:aws:sts::123456789012:assumed-role/app/s'] }, /`readers\[0\]` must be the ARN of an account root, IAM role or IAM user/],
    ['a user\'s wildcard', { users: [{ name: 'alice', readers: ['arn:aws:iam::123456789012:user/*'] }] }, /`users\[0\]\.readers\[0\]` must not contain a wildcard/],
    ['a policy too large', { users: [{ name: 'alice', readers: Array.from({ length: 400 }, (_, index) => `arn:aws:iam::123456789012:role/${'r'.repeat(40)}${index}`) }] }, /`users\[0\]\.readers` name 400 readers, whose resource policy would take \d+ characters, more than Secrets Manager's 20480/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => synthRotation(props)).toThrow(message);
  });

  test('the config takes readers for the stack and for each user', () => {
    const config = parseRotationConfig({ region: 'us-east-1', readers: [APP], users: [{ name: 'alice', readers: [AUDIT] }] });
    expect(config.rotation.readers).toEqual([APP]);
    expect(config.rotation.users[0].readers).toEqual([AUDIT]);
    expect(() => parseRotationConfig({ users: [{ name: 'alice', readers: 'x' }] })).toThrow(/`users\[0\]\.readers` must be a list of strings/);
  });

  test('synthesizes with its checks passing', () => {
    const { stack } = synthRotation({ users, readers: [APP], encryption: 'customer-managed' });
    expect(() => App.of(stack).synth()).not.toThrow();
  });
});
