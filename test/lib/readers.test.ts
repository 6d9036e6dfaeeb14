import { App } from 'cdktf';
import { grantRoleIndex } from '../../core/contract';
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

  test("each secret lets the stack's readers and its user's own read it, with GetSecretValue and DescribeSecret only", () => {
    const { json } = synthRotation({ users, readers: [APP], encryption: 'customer-managed' });
    const policies = readPolicies(json);
    expect(Object.keys(policies).sort()).toEqual([
      'iam-key-rotation/alice',
      'iam-key-rotation/bob',
      'iam-key-rotation/carol',
    ]);
    const principals = (name: string): unknown =>
      (policyOf(policies[name]).Statement[0].Principal as { AWS: string[] }).AWS;
    expect(principals('iam-key-rotation/alice')).toEqual([APP, AUDIT]);
    expect(principals('iam-key-rotation/bob')).toEqual([APP]);
    expect(principals('iam-key-rotation/carol')).toEqual([APP]);
    for (const policy of Object.values(policies)) {
      expect(policy.block_public_policy).toBe(true);
      const allows = policyOf(policy).Statement.filter((statement) => statement.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: '*',
        }),
      ]);
    }
  });

  describe('readers read AWSCURRENT and AWSPREVIOUS, nothing else (finding 8)', () => {
    const ROTATION_ROLE = 'arn:aws:iam::123456789012:role/iam-key-rotation';
    const PARTNER_ROLE = 'arn:aws:iam::210987654321:role/anything';

    test('a reader gets the current key (no stage, or by stage) and the previous one', () => {
      // GIVEN alice's read policy, with a reader role and a reader account
      const policy = alicesReadPolicy([APP, PARTNER]);
      // THEN
      expect(decision(policy, { principal: APP })).toBe('allow');
      expect(decision(policy, { principal: APP, versionStage: 'AWSCURRENT' })).toBe('allow');
      expect(decision(policy, { principal: APP, versionStage: 'AWSPREVIOUS' })).toBe('allow');
      expect(decision(policy, { principal: PARTNER_ROLE })).toBe('allow');
    });

    test('the attack: a reader asks for AWSPENDING, a key not tested yet, and is refused', () => {
      const policy = alicesReadPolicy([APP, PARTNER]);
      expect(decision(policy, { principal: APP, versionStage: 'AWSPENDING' })).toBe('deny');
      expect(decision(policy, { principal: PARTNER_ROLE, versionStage: 'AWSPENDING' })).toBe('deny');
      expect(decision(policy, { principal: APP, versionStage: 'MYLABEL' })).toBe('deny');
    });

    test('the attack: a reader asks for a version by id (the pending one, or a retired key) and is refused, whatever the stage with it', () => {
      const policy = alicesReadPolicy([APP, PARTNER]);
      expect(decision(policy, { principal: APP, versionId: 'a1b2c3' })).toBe('deny');
      expect(decision(policy, { principal: APP, versionId: 'a1b2c3', versionStage: 'AWSCURRENT' })).toBe('deny');
      expect(decision(policy, { principal: PARTNER_ROLE, versionId: 'a1b2c3' })).toBe('deny');
    });

    test("the Denies bind the readers only: the rotation reads AWSPENDING even when a reader is its own account's root", () => {
      // GIVEN this account's root as a reader: every principal of the account is one
      const policy = alicesReadPolicy(['arn:aws:iam::123456789012:root']);
      // THEN the rotation role reads the pending version by id and stage, as createSecret does; any other principal does not
      expect(decision(policy, { principal: ROTATION_ROLE, versionId: 'a1b2c3', versionStage: 'AWSPENDING' })).toBe(
        'allow',
      );
      expect(decision(policy, { principal: 'arn:aws:iam::123456789012:role/app', versionStage: 'AWSPENDING' })).toBe(
        'deny',
      );
    });

    test("with grant roles, the role exempt is the grant role holding the secret's grants", () => {
      // GIVEN 200 users with long names: their grants go to 2 grant roles
      const users = Array.from({ length: 200 }, (_, index) => ({
        name: `service-account-with-a-really-long-descriptive-name-number-${String(index).padStart(3, '0')}`,
      }));
      const { json } = synthRotation({ users, readers: [APP] });
      // THEN each secret's Denies leave exactly the grant role that rotates it alone
      const roleNames = new Set<string>();
      for (const [secretName, policy] of Object.entries(readPolicies(json))) {
        const exempt = policyOf(policy)
          .Statement.filter((statement) => statement.Effect === 'Deny')
          .map(
            (statement) =>
              (statement.Condition as Record<string, Record<string, string>>).ArnNotEquals['aws:PrincipalArn'],
          );
        const roleName = `iam-key-rotation-keys-${grantRoleIndex(secretName, 2) + 1}`;
        expect(exempt).toEqual([
          expect.stringMatching(new RegExp(`:role/${roleName}$`)),
          expect.stringMatching(new RegExp(`:role/${roleName}$`)),
        ]);
        roleNames.add(roleName);
      }
      expect([...roleNames].sort()).toEqual(['iam-key-rotation-keys-1', 'iam-key-rotation-keys-2']);
    });

    test("the policy as synthesized: the Denies' conditions, the function's role exempt by ARN", () => {
      const { json } = synthRotation({ users: [{ name: 'alice' }], readers: [APP] });
      const statements = policyOf(readPolicies(json)['iam-key-rotation/alice']).Statement;
      const roleArn = `arn:\${data.aws_partition.${Object.keys(json.data?.aws_partition ?? {})[0]}.partition}:iam::\${data.aws_caller_identity.${Object.keys(json.data?.aws_caller_identity ?? {})[0]}.account_id}:role/iam-key-rotation`;
      expect(statements.slice(1)).toEqual([
        {
          Sid: 'ReadersReadOnlyCurrentAndPrevious',
          Effect: 'Deny',
          Principal: { AWS: [APP] },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: {
            Null: { 'secretsmanager:VersionStage': 'false' },
            StringNotEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] },
            ArnNotEquals: { 'aws:PrincipalArn': roleArn },
          },
        },
        {
          Sid: 'ReadersReadNoVersionById',
          Effect: 'Deny',
          Principal: { AWS: [APP] },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { Null: { 'secretsmanager:VersionId': 'false' }, ArnNotEquals: { 'aws:PrincipalArn': roleArn } },
        },
      ]);
    });

    /** alice's read policy, the account and partition of the references filled in (the stack's account is 123456789012). */
    function alicesReadPolicy(readers: string[]): PolicyDocument {
      const { json } = synthRotation({ users: [{ name: 'alice' }], readers, encryption: 'customer-managed' });
      const text = String(readPolicies(json)['iam-key-rotation/alice'].policy)
        .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws')
        .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, '123456789012');
      return JSON.parse(text) as PolicyDocument;
    }
  });

  /** The created key's statements letting readers decrypt, by Sid. */
  function readerKeyStatements(json: TerraformJson): Record<string, Record<string, unknown>> {
    const key = resourcesOfType(json, 'aws_kms_key').find((candidate) =>
      /secrets/.test(String(candidate.description)),
    ) as Record<string, unknown>;
    return Object.fromEntries(
      policyOf(key)
        .Statement.filter((statement) => String(statement.Sid).startsWith('ReadersDecrypt'))
        .map((statement) => [statement.Sid, statement as unknown as Record<string, unknown>]),
    );
  }
  const secretArnsLike = (...names: string[]): string[] =>
    names.map((name) =>
      expect.stringMatching(
        new RegExp(
          `^arn:\\$\\{data\\.aws_partition\\.[\\w-]+\\.partition\\}:secretsmanager:\\$\\{data\\.aws_region\\.[\\w-]+\\.name\\}:\\$\\{data\\.aws_caller_identity\\.[\\w-]+\\.account_id\\}:secret:${name}-\\?{6}$`,
        ),
      ),
    );

  test("the created key lets the stack's readers decrypt every secret and a user's own readers only that user's, only through Secrets Manager", () => {
    const { json } = synthRotation({ users, readers: [APP], readerArns: [PARTNER], encryption: 'customer-managed' });
    const statements = readerKeyStatements(json);
    // carol's own reader is the stack's too: it reads every secret already.
    expect(Object.keys(statements)).toEqual(['ReadersDecryptThroughSecretsManager', 'ReadersDecryptTheirSecrets1']);
    expect(statements.ReadersDecryptThroughSecretsManager).toMatchObject({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '*',
      Principal: { AWS: [PARTNER, APP] },
    });
    expect(statements.ReadersDecryptThroughSecretsManager.Condition).toEqual({
      StringEquals: { 'kms:ViaService': expect.stringMatching(/^secretsmanager\./) },
    });
    expect(statements.ReadersDecryptTheirSecrets1).toMatchObject({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '*',
      Principal: { AWS: [AUDIT] },
    });
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
      StringLike: {
        'kms:EncryptionContext:SecretARN': secretArnsLike('iam-key-rotation/alice', 'iam-key-rotation/bob'),
      },
    });
    expect(statements.ReadersDecryptTheirSecrets2.Principal).toEqual({ AWS: [PARTNER] });
    expect(statements.ReadersDecryptTheirSecrets2.Condition).toMatchObject({
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArnsLike('vendors/carol') },
    });
  });

  test("the created key's policy is sized whole: readerArns and per-secret readers count, and only a created key is sized", () => {
    const role = (index: number): string => `arn:aws:iam::123456789012:role/${'r'.repeat(60)}${index}`;
    // 350 readerArns of 95 characters: 33 KB of principals, which the key policy alone lists.
    expect(() =>
      synthRotation({
        users: [{ name: 'alice' }],
        encryption: 'customer-managed',
        readerArns: Array.from({ length: 350 }, (_, i) => role(i)),
      }),
    ).toThrow(
      /`readers` with `readerArns` and the users' own readers would make the created key's policy \d+ characters long, more than KMS's 32768/,
    );
    // One reader of 400 secrets, each by its own ARN pattern.
    const manyUsers = Array.from({ length: 400 }, (_, i) => ({ name: `user-${i}`, readers: [APP] }));
    expect(() => synthRotation({ users: manyUsers, encryption: 'customer-managed' })).toThrow(
      /would make the created key's policy \d+ characters long/,
    );
    // The same reader as the stack's: one statement, and the stack synthesizes.
    expect(() =>
      synthRotation({ users: manyUsers.map(({ name }) => ({ name })), readers: [APP], encryption: 'customer-managed' }),
    ).not.toThrow();
    // No key created, nothing to size: 100 users with 3 readers each of their own (29 KB in all) under the AWS managed key.
    const ownReaders = Array.from({ length: 100 }, (_, i) => ({
      name: `user-${i}`,
      readers: [role(3 * i), role(3 * i + 1), role(3 * i + 2)],
    }));
    expect(() => synthRotation({ users: ownReaders })).not.toThrow();
  });

  test('with the AWS managed key, the plan fails when a reader is in another account', () => {
    const { json } = synthRotation({ users, readers: [APP] });
    const policies = readPolicies(json);
    const [alice] = (
      policies['iam-key-rotation/alice'].lifecycle as { precondition: { condition: string; error_message: string }[] }
    ).precondition;
    expect(alice.condition).toMatch(
      /^\$\{alltrue\(\[for account in \["123456789012","210987654321"\] : account == data\.aws_caller_identity\.[\w-]+\.account_id\]\)\}$/,
    );
    expect(alice.error_message).toMatch(
      /readers of secret iam-key-rotation\/alice include another account.*set encryption to 'customer-managed'/,
    );
  });

  test('no readers, no resource policy', () => {
    const { json } = synthRotation({ users: [{ name: 'alice' }] });
    expect(resourcesOfType(json, 'aws_secretsmanager_secret_policy')).toEqual([]);
  });

  test.each([
    ['*', { readers: ['*'] }, /`readers\[0\]` must not contain a wildcard/],
    [
      'a wildcard role',
      { readers: ['arn:aws:iam::123456789012:role/*'] },
      /`readers\[0\]` must not contain a wildcard/,
    ],
    ['a repeated reader', { readers: [APP, APP] }, /`readers\[1\]` must be unique/],
    [
      'a session',
      { readers: ['arn:aws:sts::123456789012:assumed-role/app/s'] },
      /`readers\[0\]` must be the ARN of an account root, IAM role or IAM user/,
    ],
    [
      "a user's wildcard",
      { users: [{ name: 'alice', readers: ['arn:aws:iam::123456789012:user/*'] }] },
      /`users\[0\]\.readers\[0\]` must not contain a wildcard/,
    ],
    [
      'a policy too large',
      {
        users: [
          {
            name: 'alice',
            readers: Array.from(
              { length: 400 },
              (_, index) => `arn:aws:iam::123456789012:role/${'r'.repeat(40)}${index}`,
            ),
          },
        ],
      },
      /`users\[0\]\.readers` name 400 readers, whose resource policy would take \d+ characters, more than Secrets Manager's 20480/,
    ],
  ])('refuses %s', (_name, props, message) => {
    expect(() => synthRotation(props)).toThrow(message);
  });

  test('the config takes readers for the stack and for each user', () => {
    const config = parseRotationConfig({
      region: 'us-east-1',
      readers: [APP],
      users: [{ name: 'alice', readers: [AUDIT] }],
    });
    expect(config.rotation.readers).toEqual([APP]);
    expect(config.rotation.users[0].readers).toEqual([AUDIT]);
    expect(() => parseRotationConfig({ users: [{ name: 'alice', readers: 'x' }] })).toThrow(
      /`users\[0\]\.readers` must be a list of strings/,
    );
  });

  test('synthesizes with its checks passing', () => {
    const { stack } = synthRotation({ users, readers: [APP], encryption: 'customer-managed' });
    expect(() => App.of(stack).synth()).not.toThrow();
  });
});

interface PolicyDocument {
  readonly Statement: {
    Effect: string;
    Principal: { AWS: string[] };
    Action: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

/** A GetSecretValue as IAM sees it: the caller, and the request's VersionStage and VersionId when it gives them. */
interface ReadRequest {
  readonly principal: string;
  readonly versionStage?: string;
  readonly versionId?: string;
}

/**
 * How a resource policy decides a GetSecretValue, with IAM's documented semantics for what these statements use: a
 * principal matches by its ARN or by its account's root; `secretsmanager:VersionStage` and `secretsmanager:VersionId`
 * are the request's parameters (absent when not given); `Null: "false"` needs the key present; a negated operator
 * (`StringNotEquals`, `ArnNotEquals`) matches an absent key and a value outside its list; conditions are ANDed.
 */
function decision(policy: PolicyDocument, request: ReadRequest): 'allow' | 'deny' | 'none' {
  const context: Record<string, string | undefined> = {
    'aws:PrincipalArn': request.principal,
    'secretsmanager:VersionStage': request.versionStage,
    'secretsmanager:VersionId': request.versionId,
  };
  const account = request.principal.split(':')[4];
  const holds = (operator: string, key: string, expected: string | string[]): boolean => {
    const values = Array.isArray(expected) ? expected : [expected];
    const value = context[key];
    if (operator === 'Null') return (value === undefined) === (values[0] === 'true');
    if (operator === 'StringNotEquals' || operator === 'ArnNotEquals')
      return value === undefined || !values.includes(value);
    throw new Error(`no semantics for ${operator} in this test`);
  };
  const applies = policy.Statement.filter(
    (statement) =>
      [statement.Action].flat().includes('secretsmanager:GetSecretValue') &&
      statement.Principal.AWS.some(
        (principal) => principal === request.principal || principal === `arn:aws:iam::${account}:root`,
      ) &&
      Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => holds(operator, key, expected)),
      ),
  );
  if (applies.some((statement) => statement.Effect === 'Deny')) return 'deny';
  return applies.some((statement) => statement.Effect === 'Allow') ? 'allow' : 'none';
}
