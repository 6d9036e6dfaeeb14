import { parseArn, type ParsedArn } from '../../lambda/arn';
import { UnmanagedSecretError } from '../../lambda/errors';
import { assertManagedSecret, toManagedSecrets, type ManagedSecrets } from '../../lambda/managed-secrets';
import { FUNCTION_ARN } from './helpers';

const MANAGED = toManagedSecrets(['iam-key-rotation/*', 'vendors/sync']) as ManagedSecrets;
const FUNCTION = parseArn(FUNCTION_ARN) as ParsedArn;
const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
const SCOPE = { step: 'createSecret' };

const check = (secretId: string): void => assertManagedSecret(secretId, MANAGED, FUNCTION, SCOPE);

describe('the stack\'s secrets (MANAGED_SECRETS)', () => {
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
    ['outside every pattern', `${ARN_PREFIX}attacker/alice-AbCdEf`, /its name matches none of iam-key-rotation\/\*, vendors\/sync \(MANAGED_SECRETS\)/],
    ['a longer name that starts like an exact one', `${ARN_PREFIX}vendors/sync-extra-AbCdEf`, /matches none of/],
    ['a shorter name', `${ARN_PREFIX}vendors/syn-AbCdEf`, /matches none of/],
    ['the prefix without its separator', `${ARN_PREFIX}iam-key-rotation-AbCdEf`, /matches none of/],
    ['a name outside every pattern', 'attacker/alice', /matches none of/],
    [
      'in another account',
      'arn:aws:secretsmanager:us-east-1:999999999999:secret:iam-key-rotation/alice-AbCdEf',
      /it is in partition aws, region us-east-1, account 999999999999, the function in partition aws, region us-east-1, account 123456789012/,
    ],
    ['in another region', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:iam-key-rotation/alice-AbCdEf', /region eu-west-1/],
    ['in another partition', 'arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf', /partition aws-cn/],
    ['not a Secrets Manager ARN', 'arn:aws:ssm:us-east-1:123456789012:parameter/iam-key-rotation/alice', /it is not a Secrets Manager secret ARN/],
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
  ])('a list with %s is not a valid boundary', (_case, patterns) => {
    expect(toManagedSecrets(patterns)).toBeUndefined();
  });
});
