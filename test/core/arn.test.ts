import { isArnOfUser, parseArn } from '../../core/arn';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/alice-AbCdEf';

describe('ARNs', () => {
  test('parses the parts, keeping colons in the resource', () => {
    expect(parseArn(SECRET_ARN)).toEqual({
      partition: 'aws',
      service: 'secretsmanager',
      region: 'eu-west-1',
      account: '123456789012',
      resource: 'secret:app/alice-AbCdEf',
    });
  });

  test.each(['', 'alice', 'arn:aws', 'arn::iam::123456789012:user/alice', 'urn:aws:iam::123456789012:user/alice'])(
    'rejects %j',
    (text) => {
      expect(parseArn(text)).toBeUndefined();
    },
  );

  test("a user ARN in the secret's partition and account matches, under any path", () => {
    expect(isArnOfUser('arn:aws:iam::123456789012:user/alice', 'alice', SECRET_ARN)).toBe(true);
    expect(isArnOfUser('arn:aws:iam::123456789012:user/a/b/alice', 'alice', SECRET_ARN)).toBe(true);
  });

  test('names differing only in case are the same IAM user', () => {
    expect(isArnOfUser('arn:aws:iam::123456789012:user/alice', 'Alice', SECRET_ARN)).toBe(true);
  });

  test('anything else does not', () => {
    expect(isArnOfUser('arn:aws:iam::123456789012:user/alice', 'alice', 'not-an-arn')).toBe(false);
    expect(isArnOfUser('arn:aws:iam::123456789012:role/alice', 'alice', SECRET_ARN)).toBe(false);
    expect(isArnOfUser('arn:aws:iam::123456789012:user/alice/x', 'alice', SECRET_ARN)).toBe(false);
    expect(isArnOfUser('arn:aws:iam::123456789012:user/alicia', 'alice', SECRET_ARN)).toBe(false);
    expect(isArnOfUser('arn:aws:iam::123456789012:user', 'alice', SECRET_ARN)).toBe(false);
  });
});
