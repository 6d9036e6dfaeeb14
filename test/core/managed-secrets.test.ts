import { parseArn, type ParsedArn } from '../../core/arn';
import { UnmanagedSecretError } from '../../core/errors';
import { assertManagedSecret, bindingProblem, toManagedSecrets, type ManagedSecrets } from '../../core/managed-secrets';
import { FUNCTION_ARN } from '../lambda/helpers';

const MANAGED = toManagedSecrets([
  'iam-key-rotation/*',
  ['vendors/sync', 'sync'],
  ['iam-key-rotation/team/bob', 'bob'],
]) as ManagedSecrets;
const FUNCTION = parseArn(FUNCTION_ARN) as ParsedArn;
const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
const SCOPE = { step: 'createSecret' };

const check = (secretId: string): void => assertManagedSecret(secretId, MANAGED, FUNCTION, SCOPE);

describe("the stack's secrets (MANAGED_SECRETS)", () => {
  test.each([
    ['under the prefix, by ARN', `${ARN_PREFIX}iam-key-rotation/alice-AbCdEf`],
    ['deeper under the prefix', `${ARN_PREFIX}iam-key-rotation/team/alice-AbCdEf`],
    ['an exact name, by ARN', `${ARN_PREFIX}vendors/sync-AbCdEf`],
    ['an exact name, by partial ARN', `${ARN_PREFIX}vendors/sync`],
    ['under the prefix, by name', 'iam-key-rotation/alice'],
    ['an exact name, by name', 'vendors/sync'],
  ])('accepts a secret %s', (_case, secretId) => {
    expect(() => check(secretId)).not.toThrow();
  });

  test.each([
    [
      'outside every pattern',
      `${ARN_PREFIX}attacker/alice-AbCdEf`,
      /its name matches none of iam-key-rotation\/\*, vendors\/sync, iam-key-rotation\/team\/bob \(MANAGED_SECRETS\)/,
    ],
    ['a longer name that starts like an exact one', `${ARN_PREFIX}vendors/sync-extra-AbCdEf`, /matches none of/],
    ['a shorter name', `${ARN_PREFIX}vendors/syn-AbCdEf`, /matches none of/],
    ['the prefix without its separator', `${ARN_PREFIX}iam-key-rotation-AbCdEf`, /matches none of/],
    ['a name outside every pattern', 'attacker/alice', /matches none of/],
    [
      'in another account',
      'arn:aws:secretsmanager:us-east-1:999999999999:secret:iam-key-rotation/alice-AbCdEf',
      /it is in partition aws, region us-east-1, account 999999999999, the function in partition aws, region us-east-1, account 123456789012/,
    ],
    [
      'in another region',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:iam-key-rotation/alice-AbCdEf',
      /region eu-west-1/,
    ],
    [
      'in another partition',
      'arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf',
      /partition aws-cn/,
    ],
    [
      'not a Secrets Manager ARN',
      'arn:aws:ssm:us-east-1:123456789012:parameter/iam-key-rotation/alice',
      /it is not a Secrets Manager secret ARN/,
    ],
    ['a malformed ARN', 'arn:aws', /it is not a Secrets Manager secret ARN/],
  ])('refuses a secret %s, naming it and why', (_case, secretId, why) => {
    // WHEN
    let error: unknown;
    try {
      check(secretId);
    } catch (caught) {
      error = caught;
    }
    // THEN
    expect(error).toBeInstanceOf(UnmanagedSecretError);
    expect((error as Error).message).toContain(`createSecret: secret ${secretId} is not one of this stack's secrets: `);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toMatch(/the function acts only on the stack's own secrets$/);
  });

  test.each([
    ['an empty pattern', ['']],
    ['a bare wildcard', ['*']],
    ['a non-string', ['iam-key-rotation/*', 3]],
    ["an exact name without its user (an older construct's)", ['iam-key-rotation/*', 'vendors/sync']],
    ['a pair with an empty user', [['vendors/sync', '']]],
    ['a pair of a prefix and a user', [['iam-key-rotation/*', 'alice']]],
    ['a pair with a third element', [['vendors/sync', 'sync', 'alice']]],
  ])('a list with %s is not a valid boundary', (_case, patterns) => {
    expect(toManagedSecrets(patterns)).toBeUndefined();
  });
});

describe('a secret binds exactly one user', () => {
  test.each([
    ['a default name binds the user it ends with', 'iam-key-rotation/alice', 'alice'],
    ['a listed name binds its listed user', 'vendors/sync', 'sync'],
    ['a listed name under the prefix binds its listed user', 'iam-key-rotation/team/bob', 'bob'],
  ])('%s', (_case, name, userTag) => {
    expect(bindingProblem(name, userTag, MANAGED)).toBeUndefined();
  });

  test.each([
    [
      'another name under the prefix, tagged with a managed user',
      'iam-key-rotation/zz-rogue',
      'alice',
      'under iam-key-rotation/* the secret of user alice is named iam-key-rotation/alice',
    ],
    [
      "a user's default name tagged with another user",
      'iam-key-rotation/alice',
      'carol',
      'under iam-key-rotation/* the secret of user carol is named iam-key-rotation/carol',
    ],
    [
      'a listed name tagged with another user',
      'vendors/sync',
      'alice',
      'the stack lists it as the secret of user sync, not alice',
    ],
    [
      'a listed name tagged with its user in another case',
      'vendors/sync',
      'SYNC',
      'the stack lists it as the secret of user sync, not SYNC',
    ],
    [
      'the default-prefix twin of a user with a listed name',
      'iam-key-rotation/bob',
      'bob',
      "the stack's secret of user bob is iam-key-rotation/team/bob",
    ],
    [
      'a case variant of that twin',
      'iam-key-rotation/Bob',
      'Bob',
      "the stack's secret of user bob is iam-key-rotation/team/bob",
    ],
    [
      'a twin of a user listed outside the prefix',
      'iam-key-rotation/sync',
      'sync',
      "the stack's secret of user sync is vendors/sync",
    ],
    [
      'a name outside every pattern',
      'other/alice',
      'alice',
      'its name matches none of iam-key-rotation/*, vendors/sync, iam-key-rotation/team/bob',
    ],
    ['the prefix itself with a blank tag', 'iam-key-rotation/', '', 'its tag names no user'],
  ])('refuses %s', (_case, name, userTag, why) => {
    expect(bindingProblem(name, userTag, MANAGED)).toBe(why);
  });
});
