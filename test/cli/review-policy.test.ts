// The review command's policy logic, unit by unit: normalization, wildcard detection, statement diffs.
import { parsePolicy, type PolicyStatement } from '../../cli/commands/review/policy-statements';
import { diffStatements } from '../../cli/commands/review/statement-diff';
import { findWildcards, isWildcardResource } from '../../cli/commands/review/wildcards';
import type { PolicyKind } from '../../core/policy-attributes';

function statementsOf(document: unknown): readonly PolicyStatement[] {
  const parsed = parsePolicy(document);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.statements;
}

/** The wildcard findings of one Allow statement (Markdown). */
function wildcards(statement: Record<string, unknown>, kind: PolicyKind = 'identity'): string[] {
  return findWildcards(statementsOf({ Statement: [{ Effect: 'Allow', ...statement }] }), kind).map(
    (match) => match.what,
  );
}

describe('policy normalization', () => {
  test('single values become sorted, deduplicated lists; a lone statement object is a list of one', () => {
    // GIVEN
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Sid: 'A',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:Decrypt'],
        Resource: 'arn:aws:kms:r:1:key/k',
      },
    });
    // WHEN
    const [statement] = statementsOf(document);
    // THEN
    expect(statement).toMatchObject({
      sid: 'A',
      effect: 'Allow',
      action: ['kms:Decrypt', 'kms:Encrypt'],
      resource: ['arn:aws:kms:r:1:key/k'],
    });
  });

  test('Principal "*" and {"AWS": "*"} are the same; condition values become strings', () => {
    const [star] = statementsOf({
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Condition: { Bool: { 'aws:SecureTransport': true } },
        },
      ],
    });
    const [aws] = statementsOf({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['s3:GetObject'],
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
    });
    expect(star).toEqual(aws);
    expect(star.principal).toEqual({ AWS: ['*'] });
    expect(star.condition).toEqual({ Bool: { 'aws:SecureTransport': ['true'] } });
  });

  test('an empty document has no statements; a malformed one is a problem that quotes nothing of it', () => {
    expect(parsePolicy('')).toEqual({ ok: true, statements: [] });
    expect(parsePolicy('{"Statement": [')).toEqual({ ok: false, problem: 'the policy is not valid JSON' });
    expect(parsePolicy({ Statement: [{ Action: 'x:Y' }] })).toEqual({ ok: false, problem: 'Statement 1: no Effect' });
    expect(parsePolicy({ Statement: [{ Effect: 'Allow', Action: { secret: 'hunter2' } }] })).toEqual({
      ok: false,
      problem: 'Statement 1: action is not a string, a list of strings or a map of them',
    });
  });
});

describe('wildcard grants', () => {
  test.each([
    [
      'Principal *',
      { Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
      'resource',
      /^Principal `\*` \(anyone\)$/,
    ],
    [
      'Principal AWS *',
      { Principal: { AWS: ['arn:aws:iam::1:root', '*'] }, Action: 'kms:Decrypt', Resource: '*' },
      'resource',
      /^Principal `\*`/,
    ],
    [
      'Action *',
      { Action: '*', Resource: 'arn:aws:iam::1:user/alice' },
      'identity',
      /^Action `\*` \(every action of every service\)$/,
    ],
    [
      'a whole service',
      { Action: ['iam:ListUsers', 'iam:*'], Resource: 'arn:aws:iam::1:user/alice' },
      'identity',
      /^Action `iam:\*` \(every iam action\)$/,
    ],
    [
      'NotAction in an Allow',
      { NotAction: 'iam:*', Resource: 'arn:aws:iam::1:user/alice' },
      'identity',
      /^NotAction in an Allow/,
    ],
    [
      'NotResource in an Allow',
      { Action: 'sns:Publish', NotResource: 'arn:aws:sns:r:1:t' },
      'identity',
      /^NotResource in an Allow/,
    ],
    ['Resource *', { Action: 'iam:CreateAccessKey', Resource: '*' }, 'identity', /^Resource `\*` \(every resource\)$/],
    [
      'every user',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::1:user/*' },
      'identity',
      /^Resource `arn:aws:iam::1:user\/\*` \(every iam user\)$/,
    ],
    [
      'every secret',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:1:secret:*' },
      'identity',
      /every secretsmanager secret/,
    ],
    [
      'every log group',
      { Action: 'logs:PutLogEvents', Resource: 'arn:aws:logs:r:1:log-group:*' },
      'identity',
      /every logs log-group/,
    ],
    // Issue 22's bypasses: a wildcard anywhere in the type or the name of a user or secret reaches more than one.
    [
      'users by a type cut short (user*)',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user*' },
      'identity',
      /^Resource `arn:aws:iam::123456789012:user\*` \(could match more than one IAM user\)$/,
    ],
    [
      'any user name (user/?*)',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::1:user/?*' },
      'identity',
      /could match more than one IAM user/,
    ],
    [
      'users by name prefix',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::1:user/team-*' },
      'identity',
      /could match more than one IAM user/,
    ],
    [
      'any secret name (secret:?*)',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:1:secret:?*' },
      'identity',
      /^Resource `[^`]+` \(could match more than one secret\)$/,
    ],
    [
      'secrets by name prefix',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:1:secret:iam-key-rotation/*' },
      'identity',
      /could match more than one secret/,
    ],
    [
      'a secret in any account',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:*:secret:app-??????' },
      'identity',
      /could match more than one secret/,
    ],
    [
      'a secret suffix of five ? (another name fits)',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:1:secret:app-?????' },
      'identity',
      /could match more than one secret/,
    ],
    [
      'users and secrets of any service and region',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:*:*:1:*x' },
      'identity',
      /could match more than one IAM user or secret/,
    ],
  ] as const)('flags %s', (_, statement, kind, expected) => {
    // WHEN
    const found = wildcards(statement, kind);
    // THEN
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  test.each([
    [
      'one user under any IAM path',
      { Action: 'iam:CreateAccessKey', Resource: ['arn:aws:iam::1:user/alice', 'arn:aws:iam::1:user/*/alice'] },
      'identity',
    ],
    [
      'one user under a path with wildcards',
      { Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::1:user/team-?/*/alice' },
      'identity',
    ],
    [
      'exact secret ARNs',
      { Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:r:1:secret:app-AbCdEf' },
      'identity',
    ],
    [
      'a role pattern (neither a user nor a secret)',
      { Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::1:role/iam-key-rotation-keys-*' },
      'identity',
    ],
    [
      'a secret with its 6-character suffix',
      {
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:r:1:secret:iam-key-rotation/alice-??????',
      },
      'identity',
    ],
    [
      "one log group's streams",
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:r:1:log-group:/aws/lambda/x:*' },
      'identity',
    ],
    [
      "a key policy's Resource * (this key)",
      { Principal: { AWS: 'arn:aws:iam::1:root' }, Action: ['kms:Get*', 'kms:GenerateDataKey*'], Resource: '*' },
      'resource',
    ],
    [
      "a secret policy's Resource * (this secret)",
      { Principal: { AWS: ['arn:aws:iam::1:role/app'] }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
      'resource',
    ],
    [
      'action patterns narrower than a service',
      { Action: ['kms:Get*', 'kms:GenerateDataKey*', 'iam:*AccessKey*'], Resource: 'arn:aws:kms:r:1:key/k' },
      'identity',
    ],
    [
      'actions that only accept *',
      { Action: ['secretsmanager:ListSecrets', 'sts:GetCallerIdentity', 'kms:ListAliases'], Resource: '*' },
      'identity',
    ],
    [
      'a bucket prefix (S3 resources are bucket/key)',
      { Action: 's3:GetObject', Resource: 'arn:aws:s3:::state-bucket/*' },
      'identity',
    ],
  ] as const)('does not flag %s', (_, statement, kind) => {
    expect(wildcards(statement, kind)).toEqual([]);
  });

  test('an action that accepts a resource next to one that does not keeps the Resource check', () => {
    expect(
      wildcards({ Action: ['secretsmanager:ListSecrets', 'secretsmanager:GetSecretValue'], Resource: '*' }),
    ).toEqual(['Resource `*` (every resource)']);
  });

  test('Deny statements are never flagged, NotResource included', () => {
    const statements = statementsOf({
      Statement: [
        {
          Sid: 'Fence',
          Effect: 'Deny',
          NotAction: 'x:Y',
          Action: '*',
          NotResource: 'arn:aws:secretsmanager:r:1:secret:p/*',
          Principal: '*',
        },
      ],
    });
    expect(findWildcards(statements, 'identity')).toEqual([]);
  });

  test('each finding names the Sid', () => {
    const statements = statementsOf({
      Statement: [{ Sid: 'TooMuch', Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: 'arn:aws:iam::1:role/x' }],
    });
    expect(findWildcards(statements, 'identity')).toEqual([
      { sid: 'TooMuch', what: 'Action `iam:*` (every iam action)' },
      { sid: 'TooMuch', what: 'Action `sts:*` (every sts action)' },
    ]);
  });

  test.each([
    ['*', true],
    ['arn:aws:iam::1:*', true],
    ['arn:aws:iam::1:user/*', true],
    ['arn:aws:iam::1:user/*/*', true],
    ['arn:aws:logs:r:1:log-group:*:*', true],
    ['arn:aws:s3:::*', true],
    ['arn:aws:iam::1:user/*/alice', false],
    ['arn:aws:iam::1:user/team-*', false],
    ['arn:aws:secretsmanager:r:1:secret:name-??????', false],
    ['arn:aws:logs:r:1:log-group:/aws/lambda/x:*', false],
    ['arn:aws:s3:::bucket/*', false],
  ])('isWildcardResource(%s) is %s', (resource, expected) => {
    expect(isWildcardResource(resource)).toBe(expected);
  });
});

describe('statement diffs', () => {
  const userPolicy = (users: string[]) =>
    statementsOf({
      Statement: [
        {
          Sid: 'RotateManagedSecrets',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: users.map((user) => `arn:aws:secretsmanager:r:1:secret:iam-key-rotation/${user}-??????`),
        },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t' },
      ],
    });

  test('a statement matched by Sid shows only the elements it gains and loses', () => {
    // WHEN
    const changes = diffStatements(userPolicy(['alice', 'bob']), userPolicy(['alice', 'carol']));
    // THEN
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      kind: 'changed',
      fields: [
        {
          field: 'Resource',
          added: ['arn:aws:secretsmanager:r:1:secret:iam-key-rotation/carol-??????'],
          removed: ['arn:aws:secretsmanager:r:1:secret:iam-key-rotation/bob-??????'],
        },
      ],
    });
  });

  test('statements without a Sid match by identical content, whatever the order and spelling', () => {
    const before = statementsOf({
      Statement: [
        { Effect: 'Allow', Action: 'a:B', Resource: 'r' },
        { Effect: 'Allow', Action: ['c:D'], Resource: ['s'] },
      ],
    });
    const after = statementsOf({
      Statement: [
        { Effect: 'Allow', Action: ['c:D'], Resource: 's' },
        { Effect: 'Allow', Action: ['a:B'], Resource: ['r'] },
      ],
    });
    expect(diffStatements(before, after)).toEqual([]);
  });

  test('an unnamed statement that changes is one removed and one added', () => {
    const before = statementsOf({ Statement: [{ Effect: 'Allow', Action: 'a:B', Resource: 'r' }] });
    const after = statementsOf({ Statement: [{ Effect: 'Allow', Action: 'a:B', Resource: ['r', 's'] }] });
    expect(diffStatements(before, after).map((change) => change.kind)).toEqual(['added', 'removed']);
  });

  test('principals, conditions and the effect are diffed element by element', () => {
    const before = statementsOf({
      Statement: [
        {
          Sid: 'Read',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::1:role/a'] },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.r.amazonaws.com' } },
        },
      ],
    });
    const after = statementsOf({
      Statement: [
        {
          Sid: 'Read',
          Effect: 'Deny',
          Principal: { AWS: ['arn:aws:iam::1:role/a', 'arn:aws:iam::2:root'] },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ],
    });
    expect(diffStatements(before, after)).toMatchObject([
      {
        kind: 'changed',
        fields: [
          { field: 'Effect', added: ['Deny'], removed: ['Allow'] },
          { field: 'Principal', added: ['arn:aws:iam::2:root'], removed: [] },
          { field: 'Condition', added: [], removed: ['kms:ViaService StringEquals secretsmanager.r.amazonaws.com'] },
        ],
      },
    ]);
  });

  test('added and removed statements: the new ones in document order, then the removed ones', () => {
    const before = statementsOf({
      Statement: [
        { Sid: 'Old', Effect: 'Allow', Action: 'a:B', Resource: 'r' },
        { Sid: 'Kept', Effect: 'Allow', Action: 'c:D', Resource: 'r' },
      ],
    });
    const after = statementsOf({
      Statement: [
        { Sid: 'New', Effect: 'Allow', Action: 'e:F', Resource: 'r' },
        { Sid: 'Kept', Effect: 'Allow', Action: 'c:D', Resource: 'r' },
      ],
    });
    expect(diffStatements(before, after).map((change) => [change.kind, change.statement.sid])).toEqual([
      ['added', 'New'],
      ['removed', 'Old'],
    ]);
  });

  test('a renamed Sid with the same grant is no change', () => {
    const before = statementsOf({ Statement: [{ Sid: 'Old', Effect: 'Allow', Action: 'a:B', Resource: 'r' }] });
    const after = statementsOf({ Statement: [{ Sid: 'New', Effect: 'Allow', Action: 'a:B', Resource: 'r' }] });
    expect(diffStatements(before, after)).toEqual([]);
  });
});
