import { App, TerraformStack, Testing } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import {
  ROTATION_RULES,
  Rule,
  SynthesizedResource,
  applyRotationChecks,
  invokePermissionEventRule,
  invokePermissionSourceAccount,
  invokePermissionSourceArn,
  logRetentionSet,
  noWildcardAccessKeyResource,
  rotationConfigured,
} from '../../lib/rules';
import { errorAnnotations, synthRotation } from './fixtures';

/** A stack with the checks applied and nothing else. */
function checkedStack(): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'bad');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  applyRotationChecks(stack);
  return { app, stack };
}

function errorsAfterSynth(stack: TerraformStack): string[] {
  Testing.synth(stack);
  return errorAnnotations(stack);
}

const policy = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const resource = (type: string, config: Record<string, unknown>, name = 'r'): SynthesizedResource => ({
  type,
  name,
  config,
});
const noStack = { resources: [] };

describe('each rule has an id, a one-line summary and an explanation', () => {
  test.each(ROTATION_RULES.map((rule): [string, Rule] => [rule.id, rule]))('%s', (_id, rule) => {
    expect(rule.id).toMatch(/^IKR\d+$/);
    expect(rule.summary).not.toContain('\n');
    expect(rule.explanation.length).toBeGreaterThan(40);
  });

  test('ids are unique', () => {
    expect(new Set(ROTATION_RULES.map((rule) => rule.id)).size).toBe(ROTATION_RULES.length);
  });
});

describe('IKR1 rotation configured', () => {
  test('fires on a managed secret without rotation, and aborts synthesis', () => {
    // GIVEN
    const { app, stack } = checkedStack();
    new SecretsmanagerSecret(stack, 'orphan', { name: 'x', tags: { 'iam-key-rotation:user': 'alice' } });
    // THEN
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(/^bad\/orphan: \[IKR1\] The managed secret has no aws_secretsmanager_secret_rotation/),
    ]);
    expect(() => app.synth()).toThrow(/IKR1/);
  });

  test('ignores secrets that are not managed', () => {
    const { stack } = checkedStack();
    new SecretsmanagerSecret(stack, 'other', { name: 'x' });
    expect(errorsAfterSynth(stack)).toEqual([]);
  });

  test('needs a schedule, not just a rotation resource', () => {
    const secret = resource('aws_secretsmanager_secret', { tags: { 'iam-key-rotation:user': 'a' } }, 's');
    const rotation = resource('aws_secretsmanager_secret_rotation', {
      secret_id: '${aws_secretsmanager_secret.s.id}',
      rotation_lambda_arn: '${aws_lambda_function.f.arn}',
      rotation_rules: {},
    });
    expect(rotationConfigured.check(secret, { resources: [secret, rotation] })).toBe('non-compliant');
    const scheduled = { ...rotation, config: { ...rotation.config, rotation_rules: { automatically_after_days: 7 } } };
    expect(rotationConfigured.check(secret, { resources: [secret, scheduled] })).toBe('compliant');
  });
});

describe('IKR2 no wildcard resource on access-key actions', () => {
  test('fires on iam:CreateAccessKey on *', () => {
    const { stack } = checkedStack();
    new IamPolicy(stack, 'minter', {
      policy: policy({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }),
    });
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(/^bad\/minter: \[IKR2\] A policy allows access-key actions/),
    ]);
  });

  test.each<[string, object, string]>([
    [
      'iam:* on all users',
      { Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::123456789012:user/*' },
      'non-compliant',
    ],
    ['wildcard action pattern', { Effect: 'Allow', Action: ['iam:*AccessKey*'], Resource: '*' }, 'non-compliant'],
    ['NotAction not excluding keys', { Effect: 'Allow', NotAction: 's3:*', Resource: '*' }, 'non-compliant'],
    [
      'NotResource',
      { Effect: 'Allow', Action: 'iam:DeleteAccessKey', NotResource: 'arn:aws:iam::1:user/admin' },
      'non-compliant',
    ],
    [
      'named users',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: ['${aws_iam_user.a.arn}'] },
      'compliant',
    ],
    [
      'one user under any path',
      {
        Effect: 'Allow',
        Action: 'iam:CreateAccessKey',
        Resource: ['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/*/alice'],
      },
      'compliant',
    ],
    [
      'users under any path',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user*' },
      'non-compliant',
    ],
    [
      'users by name prefix',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user/ci-*' },
      'non-compliant',
    ],
    [
      'users by one-character wildcard',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user/*/alic?' },
      'non-compliant',
    ],
    [
      'every IAM resource',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:*' },
      'non-compliant',
    ],
    // The bypasses of issue 22: a wildcard anywhere in the resource type or the name reaches other users.
    [
      'a resource type cut short: u*',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:u*' },
      'non-compliant',
    ],
    [
      'a resource type with ?: use?/*',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:use?/*' },
      'non-compliant',
    ],
    [
      'any name of at least one character: user/?*',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user/?*' },
      'non-compliant',
    ],
    [
      'a user in any account',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::*:user/alice' },
      'non-compliant',
    ],
    [
      'any service: arn:aws:*',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:*' },
      'non-compliant',
    ],
    [
      'one user under a path with wildcards',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:user/team-*/alice' },
      'compliant',
    ],
    [
      'a role pattern (no user matches it)',
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::123456789012:role/ci-*' },
      'compliant',
    ],
    ['other actions on *', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, 'compliant'],
    ['deny on *', { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }, 'compliant'],
  ])('%s', (_case, statement, expected) => {
    expect(
      noWildcardAccessKeyResource.check(resource('aws_iam_role_policy', { policy: policy(statement) }), noStack),
    ).toBe(expected);
  });

  test('checks inline policies of roles, and fails policies it cannot read', () => {
    const inline = [{ name: 'p', policy: policy({ Effect: 'Allow', Action: 'iam:UpdateAccessKey', Resource: '*' }) }];
    expect(noWildcardAccessKeyResource.check(resource('aws_iam_role', { inline_policy: inline }), noStack)).toBe(
      'non-compliant',
    );
    expect(noWildcardAccessKeyResource.check(resource('aws_iam_role', {}), noStack)).toBe('not-applicable');
    expect(noWildcardAccessKeyResource.check(resource('aws_iam_policy', { policy: '${data.x.json}' }), noStack)).toBe(
      'non-compliant',
    );
  });
});

describe('IKR3 log retention set', () => {
  test('fires on a log group without retention', () => {
    const { stack } = checkedStack();
    new CloudwatchLogGroup(stack, 'forever', { name: '/aws/lambda/x' });
    expect(errorsAfterSynth(stack)).toEqual([expect.stringMatching(/^bad\/forever: \[IKR3\]/)]);
  });

  test('fires on retention 0 and passes on a period', () => {
    expect(logRetentionSet.check(resource('aws_cloudwatch_log_group', { retention_in_days: 0 }), noStack)).toBe(
      'non-compliant',
    );
    expect(logRetentionSet.check(resource('aws_cloudwatch_log_group', { retention_in_days: 14 }), noStack)).toBe(
      'compliant',
    );
  });
});

describe('IKR4 invoke permission scoped by source account', () => {
  test('fires on a service permission without source_account', () => {
    const { stack } = checkedStack();
    new LambdaPermission(stack, 'open', {
      action: 'lambda:InvokeFunction',
      functionName: 'f',
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keys/*',
    });
    expect(errorsAfterSynth(stack)).toEqual([expect.stringMatching(/^bad\/open: \[IKR4\]/)]);
  });

  test('does not apply to account principals', () => {
    const permission = resource('aws_lambda_permission', { principal: '123456789012' });
    expect(invokePermissionSourceAccount.check(permission, noStack)).toBe('not-applicable');
  });
});

describe("IKR5 invoke permission scoped to the stack's secrets", () => {
  test('fires on a Secrets Manager permission without source_arn', () => {
    const { stack } = checkedStack();
    new LambdaPermission(stack, 'any-secret', {
      action: 'lambda:InvokeFunction',
      functionName: 'f',
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: '123456789012',
    });
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(
        /^bad\/any-secret: \[IKR5\] The Lambda permission lets Secrets Manager invoke the function for any secret/,
      ),
    ]);
  });

  test.each([
    ['every secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:*', 'non-compliant'],
    ['secrets by a one-character wildcard', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:?*', 'non-compliant'],
    ['a prefix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keys/*', 'compliant'],
    ['one secret', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keys/alice-??????', 'compliant'],
  ])('%s', (_case, sourceArn, expected) => {
    const permission = resource('aws_lambda_permission', {
      principal: 'secretsmanager.amazonaws.com',
      source_arn: sourceArn,
    });
    expect(invokePermissionSourceArn.check(permission, noStack)).toBe(expected);
  });

  test('does not apply to other principals', () => {
    expect(
      invokePermissionSourceArn.check(
        resource('aws_lambda_permission', { principal: 'events.amazonaws.com' }),
        noStack,
      ),
    ).toBe('not-applicable');
  });
});

describe('IKR6 EventBridge invoke permission scoped to a rule', () => {
  test('fires on an EventBridge permission without source_arn, and aborts synthesis', () => {
    // GIVEN
    const { app, stack } = checkedStack();
    new LambdaPermission(stack, 'any-rule', {
      action: 'lambda:InvokeFunction',
      functionName: 'f',
      principal: 'events.amazonaws.com',
      sourceAccount: '123456789012',
    });
    // THEN
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(
        /^bad\/any-rule: \[IKR6\] The Lambda permission lets EventBridge invoke the function for any rule/,
      ),
    ]);
    expect(() => app.synth()).toThrow(/IKR6/);
  });

  test.each([
    ['every rule', 'arn:aws:events:us-east-1:123456789012:rule/*', 'non-compliant'],
    ['an empty ARN', '', 'non-compliant'],
    ['one rule', 'arn:aws:events:us-east-1:123456789012:rule/iam-key-rotation-sweep', 'compliant'],
    ['a rule by reference', '${aws_cloudwatch_event_rule.sweep.arn}', 'compliant'],
  ])('%s', (_case, sourceArn, expected) => {
    const permission = resource('aws_lambda_permission', { principal: 'events.amazonaws.com', source_arn: sourceArn });
    expect(invokePermissionEventRule.check(permission, noStack)).toBe(expected);
  });

  test('does not apply to other principals', () => {
    expect(
      invokePermissionEventRule.check(
        resource('aws_lambda_permission', { principal: 'secretsmanager.amazonaws.com' }),
        noStack,
      ),
    ).toBe('not-applicable');
  });

  test("the construct's sweep permission names its rule and passes", () => {
    const { json } = synthRotation();
    const permissions = Object.entries(json.resource.aws_lambda_permission)
      .map(([name, config]) => resource('aws_lambda_permission', config, name))
      .filter((permission) => permission.config.principal === 'events.amazonaws.com');
    expect(
      permissions.map((permission) => [
        permission.config.source_arn,
        invokePermissionEventRule.check(permission, noStack),
      ]),
    ).toEqual([
      [expect.stringMatching(/:events:.*:rule\/\$\{aws_cloudwatch_event_rule\.[\w-]+\.name\}$/), 'compliant'],
    ]);
  });
});

describe('the construct', () => {
  test('its managed policies, which hold the access-key grants, are checked by IKR2 and pass', () => {
    // GIVEN
    const { json } = synthRotation({ users: [{ name: 'alice', createUser: true }, { name: 'bob' }] });
    // THEN
    const policies = Object.entries(json.resource.aws_iam_policy).map(([name, config]) =>
      resource('aws_iam_policy', config, name),
    );
    expect(policies).toHaveLength(1);
    expect(policies.map((policy) => noWildcardAccessKeyResource.check(policy, noStack))).toEqual(['compliant']);
  });

  test('a managed policy of the role that allows access-key actions on * is reported', () => {
    // GIVEN
    const { stack, construct } = synthRotation();
    // WHEN
    const [userPolicy] = construct.rotationFunction.grantPolicies;
    userPolicy.addOverride('policy', policy({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }));
    // THEN
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(/^test\/rotation\/rotation-function\/user-policy-1: \[IKR2\]/),
    ]);
  });

  test('a bad resource added after a first synthesis is reported the next time', () => {
    const { stack } = synthRotation();
    new CloudwatchLogGroup(stack, 'forever', { name: '/other' });
    new SecretsmanagerSecret(stack, 'orphan', { name: 'x', tags: { 'iam-key-rotation:user': 'carol' } });
    expect(errorsAfterSynth(stack)).toEqual([
      expect.stringMatching(/^test\/forever: \[IKR3\]/),
      expect.stringMatching(/^test\/orphan: \[IKR1\]/),
    ]);
  });
});
