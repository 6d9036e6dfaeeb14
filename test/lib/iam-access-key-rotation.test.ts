import { Aspects, Testing } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamUser } from '@cdktf/provider-aws/lib/data-aws-iam-user';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { USER_TAG_KEY } from '../../contract';
import { IamAccessKeyRotation, RotationChecks } from '../../lib';
import { errorAnnotations, fixtureZip, resolve, onlyResource, policyOf, resourcesOfType, synthRotation } from './fixtures';

Testing.setupJest();

const TWO_USERS = { users: [{ name: 'alice', createUser: true }, { name: 'bob' }] };

describe('rotation function', () => {
  test('runs the built handler on nodejs22.x with a 60 s timeout and 256 MB', () => {
    // WHEN
    const { synthesized, json } = synthRotation();
    // THEN
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'iam-key-rotation',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeout: 60,
      memory_size: 256,
    });
    const fn = onlyResource(json, 'aws_lambda_function');
    expect(fn.filename).toMatch(/^assets\/[\w-]+\/[0-9A-F]{32}\/lambda\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${String(fn.filename)}")}`);
  });

  test('passes the contract environment with defaults', () => {
    const { synthesized } = synthRotation();
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      environment: { variables: { PREVIOUS_KEY_ACTION: 'keep', TEST_BUDGET_MS: '30000', LOG_LEVEL: 'INFO' } },
    });
  });

  test('passes the configured environment, extra variables included', () => {
    const { json } = synthRotation({
      previousKeyAction: 'deactivate',
      testBudgetMs: 5000,
      logLevel: 'DEBUG',
      functionEnvironment: { AWS_MAX_ATTEMPTS: '1' },
    });
    expect(onlyResource(json, 'aws_lambda_function').environment).toEqual({
      variables: { PREVIOUS_KEY_ACTION: 'deactivate', TEST_BUDGET_MS: '5000', LOG_LEVEL: 'DEBUG', AWS_MAX_ATTEMPTS: '1' },
    });
  });

  test('has its own log group with retention, created before the function', () => {
    const { synthesized, json } = synthRotation({ logRetentionInDays: 30 });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/aws/lambda/iam-key-rotation',
      retention_in_days: 30,
    });
    const [groupName] = Object.keys(json.resource.aws_cloudwatch_log_group);
    expect(onlyResource(json, 'aws_lambda_function').depends_on).toEqual([`aws_cloudwatch_log_group.${groupName}`]);
  });

  test('defaults log retention to 365 days', () => {
    const { json } = synthRotation();
    expect(onlyResource(json, 'aws_cloudwatch_log_group').retention_in_days).toBe(365);
  });

  test('role can be assumed by Lambda only', () => {
    const { json } = synthRotation();
    expect(policyOf(onlyResource(json, 'aws_iam_role'), 'assume_role_policy').Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  test('Secrets Manager may invoke it only for this account', () => {
    const { synthesized, json } = synthRotation();
    const [callerName] = Object.keys(json.data?.aws_caller_identity ?? {});
    expect(synthesized).toHaveResourceWithProperties(LambdaPermission, {
      action: 'lambda:InvokeFunction',
      principal: 'secretsmanager.amazonaws.com',
      source_account: `\${data.aws_caller_identity.${callerName}.account_id}`,
      function_name: expect.stringMatching(/^\$\{aws_lambda_function\.[\w-]+\.function_name\}$/),
    });
  });

  test('fails with a hint when the zip is missing', () => {
    expect(() => synthRotation({ functionZipPath: '/nonexistent/lambda.zip' })).toThrow(
      /\/nonexistent\/lambda\.zip does not exist: run npm run build:lambda/,
    );
  });
});

describe('least-privilege role policy', () => {
  test('grants exactly the rotation actions on the managed secrets, users and log group', () => {
    // GIVEN
    const { json } = synthRotation(TWO_USERS);
    const [aliceUser] = Object.keys(json.resource.aws_iam_user);
    const [bobUser] = Object.keys(json.data?.aws_iam_user ?? {});
    const secrets = Object.keys(json.resource.aws_secretsmanager_secret);
    const [logGroup] = Object.keys(json.resource.aws_cloudwatch_log_group);
    // THEN
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toEqual([
      {
        Sid: 'RotateManagedSecrets',
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:ListSecretVersionIds',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: secrets.map((name) => `\${aws_secretsmanager_secret.${name}.arn}`),
      },
      {
        Sid: 'ManageAccessKeysOfManagedUsers',
        Effect: 'Allow',
        Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey'],
        Resource: [`\${aws_iam_user.${aliceUser}.arn}`, `\${data.aws_iam_user.${bobUser}.arn}`],
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`\${aws_cloudwatch_log_group.${logGroup}.arn}:*`],
      },
    ]);
  });

  test('has no wildcard resource and no KMS statement with the AWS managed key', () => {
    const { json } = synthRotation(TWO_USERS);
    const statements = policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement;
    expect(statements.flatMap((statement) => statement.Resource as string[])).not.toContain('*');
    expect(JSON.stringify(statements)).not.toContain('kms:');
  });

  test('uses a customer key only through Secrets Manager', () => {
    const { json } = synthRotation({ encryption: 'customer-managed' });
    const [keyName] = Object.keys(json.resource.aws_kms_key);
    const [regionName] = Object.keys(json.data?.aws_region ?? {});
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toContainEqual({
      Sid: 'UseSecretsKeyThroughSecretsManager',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: [`\${aws_kms_key.${keyName}.arn}`],
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.\${data.aws_region.${regionName}.name}.amazonaws.com` } },
    });
  });
});

describe('managed users', () => {
  test('each gets a tagged secret with the default name and recovery window', () => {
    const { synthesized, json } = synthRotation(TWO_USERS);
    expect(resourcesOfType(json, 'aws_secretsmanager_secret')).toHaveLength(2);
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'iam-key-rotation/alice',
      recovery_window_in_days: 30,
      tags: { [USER_TAG_KEY]: 'alice' },
    });
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'iam-key-rotation/bob',
      tags: { [USER_TAG_KEY]: 'bob' },
    });
    for (const secret of resourcesOfType(json, 'aws_secretsmanager_secret')) expect(secret).not.toHaveProperty('kms_key_id');
  });

  test('secret name and recovery window can be set', () => {
    const { synthesized } = synthRotation({ users: [{ name: 'alice', secretName: 'ci/alice' }], recoveryWindowInDays: 0 });
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, { name: 'ci/alice', recovery_window_in_days: 0 });
  });

  test('an existing user is looked up, a new one created', () => {
    const { synthesized, json } = synthRotation(TWO_USERS);
    expect(synthesized).toHaveResourceWithProperties(IamUser, { name: 'alice', force_destroy: true });
    expect(synthesized).toHaveDataSourceWithProperties(DataAwsIamUser, { user_name: 'bob' });
    expect(resourcesOfType(json, 'aws_iam_user')).toHaveLength(1);
  });

  test('rotation starts immediately, every 90 days by default, after the permission and role policy exist', () => {
    const { synthesized, json } = synthRotation();
    const [permission] = Object.keys(json.resource.aws_lambda_permission);
    const [policy] = Object.keys(json.resource.aws_iam_role_policy);
    const [secret] = Object.keys(json.resource.aws_secretsmanager_secret);
    const [fn] = Object.keys(json.resource.aws_lambda_function);
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecretRotation, {
      secret_id: `\${aws_secretsmanager_secret.${secret}.id}`,
      rotation_lambda_arn: `\${aws_lambda_function.${fn}.arn}`,
      rotate_immediately: true,
      rotation_rules: { automatically_after_days: 90 },
    });
    expect(onlyResource(json, 'aws_secretsmanager_secret_rotation').depends_on).toEqual([
      `aws_lambda_permission.${permission}`,
      `aws_iam_role_policy.${policy}`,
    ]);
  });

  test('shared schedule with a window, and a per-user schedule expression', () => {
    const { json } = synthRotation({
      schedule: { automaticallyAfterDays: 30, duration: '3h' },
      users: [{ name: 'alice' }, { name: 'bob', schedule: { scheduleExpression: 'cron(0 4 ? * MON *)' } }],
    });
    expect(resourcesOfType(json, 'aws_secretsmanager_secret_rotation').map((rotation) => rotation.rotation_rules)).toEqual([
      { automatically_after_days: 30, duration: '3h' },
      { schedule_expression: 'cron(0 4 ? * MON *)' },
    ]);
  });

  test('exposes the secret ARNs by user name', () => {
    const { construct, stack, json } = synthRotation(TWO_USERS);
    const secrets = Object.keys(json.resource.aws_secretsmanager_secret);
    expect(resolve(stack, construct.secretArns)).toEqual({
      alice: `\${aws_secretsmanager_secret.${secrets[0]}.arn}`,
      bob: `\${aws_secretsmanager_secret.${secrets[1]}.arn}`,
    });
  });
});

describe('encryption', () => {
  test('a created key rotates and is used only through Secrets Manager by the role and the readers', () => {
    // GIVEN
    const reader = 'arn:aws:iam::123456789012:role/reader';
    // WHEN
    const { synthesized, json } = synthRotation({ encryption: 'customer-managed', readerArns: [reader] });
    // THEN
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    const [keyName] = Object.keys(json.resource.aws_kms_key);
    const [roleName] = Object.keys(json.resource.aws_iam_role);
    const [regionName] = Object.keys(json.data?.aws_region ?? {});
    const [callerName] = Object.keys(json.data?.aws_caller_identity ?? {});
    const [partitionName] = Object.keys(json.data?.aws_partition ?? {});
    const viaSecretsManager = {
      StringEquals: { 'kms:ViaService': `secretsmanager.\${data.aws_region.${regionName}.name}.amazonaws.com` },
    };
    const statements = policyOf(onlyResource(json, 'aws_kms_key')).Statement;
    expect(statements[0]).toMatchObject({
      Sid: 'AccountAdministersKey',
      Principal: {
        AWS: `arn:\${data.aws_partition.${partitionName}.partition}:iam::\${data.aws_caller_identity.${callerName}.account_id}:root`,
      },
    });
    // Administration only: the account cannot hand out key use through IAM policies.
    expect(statements[0].Action).not.toContain('kms:Decrypt');
    expect(statements[0].Action).not.toContain('kms:*');
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'RotationFunctionUsesKeyThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: `\${aws_iam_role.${roleName}.arn}` },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: viaSecretsManager,
      },
      {
        Sid: 'ReadersDecryptThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: [reader] },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: viaSecretsManager,
      },
    ]);
    expect(onlyResource(json, 'aws_secretsmanager_secret').kms_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
  });

  test('a given key is used, not created', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { json } = synthRotation({ encryption: 'customer-managed', kmsKeyArn: keyArn });
    expect(json.resource.aws_kms_key).toBeUndefined();
    expect(onlyResource(json, 'aws_secretsmanager_secret').kms_key_id).toBe(keyArn);
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toContainEqual(
      expect.objectContaining({ Resource: [keyArn], Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] }),
    );
  });
});

describe('tags', () => {
  test('are on every taggable resource', () => {
    // GIVEN
    const tags = { team: 'platform', costCenter: '42' };
    // WHEN
    const { json } = synthRotation({ ...TWO_USERS, encryption: 'customer-managed', tags });
    // THEN
    const untaggable = new Set([
      'aws_iam_role_policy',
      'aws_lambda_permission',
      'aws_secretsmanager_secret_rotation',
    ]);
    const taggable = Object.entries(json.resource).filter(([type]) => !untaggable.has(type));
    expect(taggable.map(([type]) => type).sort()).toEqual([
      'aws_cloudwatch_log_group',
      'aws_iam_role',
      'aws_iam_user',
      'aws_kms_key',
      'aws_lambda_function',
      'aws_secretsmanager_secret',
    ]);
    for (const [, byName] of taggable) {
      for (const resource of Object.values(byName)) expect(resource.tags).toEqual(expect.objectContaining(tags));
    }
  });
});

describe('no key material in Terraform', () => {
  test('there is no access key and no secret version resource', () => {
    const { json } = synthRotation({ ...TWO_USERS, encryption: 'customer-managed' });
    expect(Object.keys(json.resource)).not.toContain('aws_iam_access_key');
    expect(Object.keys(json.resource)).not.toContain('aws_secretsmanager_secret_version');
  });
});

describe('policy checks', () => {
  test('pass on the construct', () => {
    const { stack } = synthRotation({ ...TWO_USERS, encryption: 'customer-managed' });
    expect(errorAnnotations(stack)).toEqual([]);
  });

  test('are added to the stack once, however many constructs it holds', () => {
    const { stack } = synthRotation();
    new IamAccessKeyRotation(stack, 'second', { name: 'second', users: [{ name: 'carol' }], functionZipPath: fixtureZip() });
    expect(Aspects.of(stack).all.filter((aspect) => aspect instanceof RotationChecks)).toHaveLength(1);
  });
});

describe('naming', () => {
  test('role, function, log group and default secret names follow `name`', () => {
    const { synthesized } = synthRotation({ name: 'keys' });
    expect(synthesized).toHaveResourceWithProperties(IamRole, { name: 'keys' });
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, { function_name: 'keys' });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/lambda/keys' });
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, { name: 'keys/alice' });
  });
});
