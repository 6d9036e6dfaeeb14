import { App, Aspects, Lazy, Testing } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamUser } from '@cdktf/provider-aws/lib/data-aws-iam-user';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { ATTEMPT_TAG_KEY, USER_TAG_KEY } from '../../core/contract';
import { IamAccessKeyRotation, RotationChecks } from '../../lib';
import { SECRETS_MANAGER_SECRET_ACTIONS } from '../../lib/grants/secrets-manager-actions';
import { asList } from '../../lib/grants/policy';
import { RotatedUserOptions } from '../../lib/construct/rotated-user';
import {
  LONGEST_IAM_PATH,
  TerraformJson,
  errorAnnotations,
  fixtureZip,
  iamArnMatches,
  onlyResource,
  policyOf,
  resolve,
  resourcesOfType,
  sizeForIam,
  synthRotation,
  warningAnnotations,
  withLongestArns,
  builtArn,
  builtIamArn,
  ref,
} from './fixtures';

Testing.setupJest();

const TWO_USERS = { users: [{ name: 'alice', createUser: true }, { name: 'bob' }] };

/** IAM's limit for a customer managed policy, in characters other than whitespace. */
const MANAGED_POLICY_LIMIT = 6144;

/** `count` existing users named `<prefix>001`, `<prefix>002`, ... */
function manyUsers(count: number, prefix = 'user-', options: Partial<RotatedUserOptions> = {}): RotatedUserOptions[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `${prefix}${String(index + 1).padStart(3, '0')}`,
    ...options,
  }));
}

/** The customer managed policies, in part order (their names end in the part number). */
function grantPolicies(json: TerraformJson): Record<string, unknown>[] {
  const part = (policy: Record<string, unknown>): number => Number(/-(\d+)$/.exec(String(policy.name))?.[1]);
  return resourcesOfType(json, 'aws_iam_policy').sort((a, b) => part(a) - part(b));
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
function iamActionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** The name of the one data source of a type (aws_caller_identity, aws_partition, aws_region). */
function only(json: TerraformJson, dataType: string): string {
  const names = Object.keys(json.data?.[dataType] ?? {});
  if (names.length !== 1) throw new Error(`expected one data.${dataType}, found ${names.length}`);
  return names[0];
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:` as the synthesized JSON writes it. */
function secretsArnPrefix(json: TerraformJson): string {
  return `arn:\${data.aws_partition.${only(json, 'aws_partition')}.partition}:secretsmanager:\${data.aws_region.${only(json, 'aws_region')}.name}:\${data.aws_caller_identity.${only(json, 'aws_caller_identity')}.account_id}:secret:`;
}

/** `arn:<partition>:iam::<account>:user/` as the synthesized JSON writes it. */
function usersArnPrefix(json: TerraformJson): string {
  return `arn:\${data.aws_partition.${only(json, 'aws_partition')}.partition}:iam::\${data.aws_caller_identity.${only(json, 'aws_caller_identity')}.account_id}:user/`;
}

/** The Lambda permissions for one service principal. */
function permissionsFor(json: TerraformJson, principal: string): Record<string, unknown>[] {
  return resourcesOfType(json, 'aws_lambda_permission').filter((permission) => permission.principal === principal);
}

/** The statement `sid` of the role's inline policy. */
function inlineStatement(
  json: TerraformJson,
  sid: string,
  policy = String(onlyResource(json, 'aws_iam_role_policy').policy),
): Record<string, unknown> {
  const statement = policyOf({ policy }).Statement.find((candidate) => candidate.Sid === sid);
  if (statement === undefined) throw new Error(`the inline policy has no statement ${sid}`);
  return statement;
}

/** The KMS key with this description (the secrets' key and the topic's key are both aws_kms_key). */
function keyNamed(json: TerraformJson, description: RegExp): [string, Record<string, unknown>] {
  const found = Object.entries(json.resource.aws_kms_key ?? {}).filter(([, key]) =>
    description.test(String(key.description)),
  );
  if (found.length !== 1) throw new Error(`expected one key described ${description}, found ${found.length}`);
  return found[0];
}
const SECRETS_KEY = /secrets/;

function environmentOf(json: TerraformJson): Record<string, string> {
  return (onlyResource(json, 'aws_lambda_function').environment as { variables: Record<string, string> }).variables;
}

/** The secret and user references of the managed policies' statement `sid`, policy after policy. */
function resourcesOf(json: TerraformJson, sid: string): string[] {
  return grantPolicies(json).flatMap((policy) =>
    policyOf(policy)
      .Statement.filter((statement) => statement.Sid === sid)
      .flatMap((statement) => statement.Resource as string[]),
  );
}

describe('rotation function', () => {
  test("runs the built handler on nodejs22.x with Lambda's longest timeout, 900 s (the sweep walks every secret), and 256 MB", () => {
    // WHEN
    const { synthesized, json } = synthRotation();
    // THEN
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'iam-key-rotation',
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeout: 900,
      memory_size: 256,
    });
    const fn = onlyResource(json, 'aws_lambda_function');
    expect(fn.filename).toMatch(/^assets\/[\w-]+\/[0-9A-F]{32}\/lambda\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${String(fn.filename)}")}`);
  });

  test("passes the contract environment with defaults, the stack's secrets and the created topic included", () => {
    const { json } = synthRotation();
    const [topic] = Object.keys(json.resource.aws_sns_topic);
    expect(environmentOf(json)).toEqual({
      PREVIOUS_KEY_ACTION: 'deactivate-after-grace',
      PREVIOUS_KEY_GRACE_DAYS: '7',
      PREVIOUS_KEY_IN_USE: 'hold',
      TEST_BUDGET_MS: '30000',
      LOG_LEVEL: 'INFO',
      MANAGED_SECRETS: '["iam-key-rotation/*"]',
      NOTIFICATION_TOPIC_ARN: `\${aws_sns_topic.${topic}.arn}`,
    });
  });

  test('passes the configured environment, extra variables included', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:platform-alerts';
    const { json } = synthRotation({
      previousKeyAction: 'deactivate',
      previousKeyInUse: 'deactivate',
      testBudgetMs: 5000,
      logLevel: 'DEBUG',
      functionEnvironment: { AWS_MAX_ATTEMPTS: '1' },
      notifications: { topicArn },
    });
    expect(onlyResource(json, 'aws_lambda_function').environment).toEqual({
      variables: {
        PREVIOUS_KEY_ACTION: 'deactivate',
        PREVIOUS_KEY_GRACE_DAYS: '7',
        PREVIOUS_KEY_IN_USE: 'deactivate',
        TEST_BUDGET_MS: '5000',
        LOG_LEVEL: 'DEBUG',
        MANAGED_SECRETS: '["iam-key-rotation/*"]',
        NOTIFICATION_TOPIC_ARN: topicArn,
        AWS_MAX_ATTEMPTS: '1',
      },
    });
  });

  test('has its own log group with retention, created before the function', () => {
    const { synthesized, json } = synthRotation({ logRetentionInDays: 30 });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/aws/lambda/iam-key-rotation',
      retention_in_days: 30,
    });
    const [groupName] = Object.keys(json.resource.aws_cloudwatch_log_group);
    expect(onlyResource(json, 'aws_lambda_function').depends_on).toContain(`aws_cloudwatch_log_group.${groupName}`);
  });

  test('is created after every policy of its role, so that no invocation races IAM', () => {
    // GIVEN enough users for several managed policies
    const { json } = synthRotation({ users: manyUsers(45) });
    // THEN
    const names = (type: string): string[] => Object.keys(json.resource[type]).map((name) => `${type}.${name}`);
    expect(names('aws_iam_policy').length).toBeGreaterThan(1);
    expect(onlyResource(json, 'aws_lambda_function').depends_on).toEqual([
      ...names('aws_cloudwatch_log_group'),
      ...names('aws_iam_role_policy'),
      ...names('aws_iam_policy').flatMap((policy, index) => [policy, names('aws_iam_role_policy_attachment')[index]]),
    ]);
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

  test("Secrets Manager may invoke it only for this account and the stack's secrets", () => {
    // WHEN
    const { json } = synthRotation();
    // THEN
    expect(permissionsFor(json, 'secretsmanager.amazonaws.com')).toEqual([
      {
        statement_id: 'AllowSecretsManagerInvoke',
        action: 'lambda:InvokeFunction',
        principal: 'secretsmanager.amazonaws.com',
        source_account: `\${data.aws_caller_identity.${only(json, 'aws_caller_identity')}.account_id}`,
        source_arn: `${secretsArnPrefix(json)}iam-key-rotation/*`,
        function_name: expect.stringMatching(/^\$\{aws_lambda_function\.[\w-]+\.function_name\}$/),
      },
    ]);
  });

  test('a secret named outside the prefix gets a permission for its exact name', () => {
    // GIVEN one default name and two custom names outside the prefix
    const users = [
      { name: 'alice' },
      { name: 'vendor-sync', secretName: 'vendors/sync' },
      { name: 'ci', secretName: 'ci/deployer' },
    ];
    // WHEN
    const { json } = synthRotation({ users });
    // THEN each pattern has its own permission: `-??????` stands for the random suffix, so only that name matches
    const permissions = permissionsFor(json, 'secretsmanager.amazonaws.com').map((permission): [string, unknown] => [
      String(permission.statement_id),
      permission.source_arn,
    ]);
    expect(permissions.sort(([a], [b]) => a.length - b.length || a.localeCompare(b))).toEqual([
      ['AllowSecretsManagerInvoke', `${secretsArnPrefix(json)}iam-key-rotation/*`],
      ['AllowSecretsManagerInvoke-2', `${secretsArnPrefix(json)}vendors/sync-??????`],
      ['AllowSecretsManagerInvoke-3', `${secretsArnPrefix(json)}ci/deployer-??????`],
    ]);
    expect(environmentOf(json).MANAGED_SECRETS).toBe(
      '["iam-key-rotation/*",["vendors/sync","vendor-sync"],["ci/deployer","ci"]]',
    );
  });

  test('`secretNamePrefix` moves the default names and the boundary; names under it need no permission of their own, and custom ones bind their user', () => {
    // WHEN
    const { json } = synthRotation({
      secretNamePrefix: 'ci-keys/',
      users: [{ name: 'alice' }, { name: 'bob', secretName: 'ci-keys/team/bob' }],
    });
    // THEN
    expect(resourcesOfType(json, 'aws_secretsmanager_secret').map((secret) => secret.name)).toEqual([
      'ci-keys/alice',
      'ci-keys/team/bob',
    ]);
    expect(permissionsFor(json, 'secretsmanager.amazonaws.com').map((permission) => permission.source_arn)).toEqual([
      `${secretsArnPrefix(json)}ci-keys/*`,
    ]);
    // alice's name is derived (`<prefix><user>`), bob's custom name is listed with its user: nobody else's secret binds bob
    expect(environmentOf(json).MANAGED_SECRETS).toBe('["ci-keys/*",["ci-keys/team/bob","bob"]]');
  });

  test('every rotation waits for every invoke permission', () => {
    const { json } = synthRotation({ users: [{ name: 'alice' }, { name: 'bob', secretName: 'vendors/bob' }] });
    const permissions = Object.entries(json.resource.aws_lambda_permission)
      .filter(([, permission]) => permission.principal === 'secretsmanager.amazonaws.com')
      .map(([name]) => `aws_lambda_permission.${name}`);
    expect(permissions).toHaveLength(2);
    for (const rotation of resourcesOfType(json, 'aws_secretsmanager_secret_rotation')) {
      expect(rotation.depends_on).toEqual(expect.arrayContaining(permissions));
    }
  });

  test('fails with a hint when the zip is missing', () => {
    expect(() => synthRotation({ functionZipPath: '/nonexistent/lambda.zip' })).toThrow(
      /\/nonexistent\/lambda\.zip does not exist: build it with npm run build:lambda/,
    );
  });
});

describe('least-privilege role policy', () => {
  test("keeps the function's own grants inline: its log group, listing secrets, the topic, and a Deny of every secret outside the stack", () => {
    // GIVEN
    const { json } = synthRotation({ users: [{ name: 'alice' }, { name: 'bob', secretName: 'vendors/bob' }] });
    const [logGroup] = Object.keys(json.resource.aws_cloudwatch_log_group);
    const [topic] = Object.keys(json.resource.aws_sns_topic);
    // THEN
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${builtArn(json, 'logs', `log-group:${ref('aws_cloudwatch_log_group', logGroup, 'name')}`)}:*`],
      },
      { Sid: 'FindManagedSecrets', Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' },
      {
        Sid: 'DenySecretsOutsideTheStack',
        Effect: 'Deny',
        Action: SECRETS_MANAGER_SECRET_ACTIONS,
        // At this size, each secret by its exact name: no other secret under the prefix can be lent to the role.
        NotResource: [
          `${secretsArnPrefix(json)}iam-key-rotation/alice-??????`,
          `${secretsArnPrefix(json)}vendors/bob-??????`,
        ],
      },
      // The topic's key policy, not this one, lets the role use the key: the key's ARN is only known after apply.
      {
        Sid: 'PublishNotifications',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: [builtArn(json, 'sns', ref('aws_sns_topic', topic, 'name'))],
      },
    ]);
  });

  test('with a given topic, publishes to exactly that topic and needs no key grant', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:platform-alerts';
    const { json } = synthRotation({ notifications: { topicArn } });
    expect(inlineStatement(json, 'PublishNotifications')).toEqual({
      Sid: 'PublishNotifications',
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: [topicArn],
    });
    expect(JSON.stringify(policyOf(onlyResource(json, 'aws_iam_role_policy')))).not.toContain('kms:');
  });

  test('the Deny spares ListSecrets, whose resource is `*`, and denies every action on a secret', () => {
    const deny = inlineStatement(synthRotation().json, 'DenySecretsOutsideTheStack');
    const denied = (action: string): boolean =>
      (deny.Action as string[]).some((pattern) => iamActionMatches(pattern, action));
    expect(denied('secretsmanager:ListSecrets')).toBe(false);
    expect(
      [
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DeleteSecret',
        'secretsmanager:PutResourcePolicy',
      ].every(denied),
    ).toBe(true);
  });

  test("the Deny leaves the stack's own secrets to the grants and refuses every other secret, here or elsewhere", () => {
    // GIVEN
    const { json } = synthRotation({ users: [{ name: 'alice' }, { name: 'bob', secretName: 'vendors/bob' }] });
    const policy = withLongestArns(json, String(onlyResource(json, 'aws_iam_role_policy').policy));
    const deny = inlineStatement(json, 'DenySecretsOutsideTheStack', policy);
    const denied = (arn: string): boolean =>
      !(deny.NotResource as string[]).some((pattern) => iamArnMatches(pattern, arn));
    const here = 'arn:aws-us-gov:secretsmanager:us-isof-south-1:123456789012:secret:';
    // THEN
    expect(denied(`${here}iam-key-rotation/alice-AbCdEf`)).toBe(false);
    expect(denied(`${here}vendors/bob-AbCdEf`)).toBe(false);
    expect(denied(`${here}attacker/alice-AbCdEf`)).toBe(true);
    expect(denied(`${here}iam-key-rotation/zz-rogue-AbCdEf`)).toBe(true);
    expect(denied(`${here}iam-key-rotation/ALICE-AbCdEf`)).toBe(true);
    expect(denied(`${here}vendors/bobby-AbCdEf`)).toBe(true);
    expect(denied(`${here}vendors/bob-x-AbCdEf`)).toBe(true);
    expect(
      denied('arn:aws-us-gov:secretsmanager:us-isof-south-1:999999999999:secret:iam-key-rotation/alice-AbCdEf'),
    ).toBe(true);
    expect(denied('arn:aws-us-gov:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf')).toBe(
      true,
    );
  });

  test('grants exactly the rotation actions on the managed secrets and users in a managed policy', () => {
    // GIVEN
    const { json } = synthRotation(TWO_USERS);
    const [aliceUser] = Object.keys(json.resource.aws_iam_user);
    const [bobUser] = Object.keys(json.data?.aws_iam_user ?? {});
    const secrets = Object.keys(json.resource.aws_secretsmanager_secret).map(
      (name) => `${secretsArnPrefix(json)}${ref('aws_secretsmanager_secret', name, 'name')}-??????`,
    );
    // THEN
    expect(policyOf(onlyResource(json, 'aws_iam_policy')).Statement).toEqual([
      {
        Sid: 'RotateManagedSecrets',
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:ListSecretVersionIds',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
        ],
        Resource: secrets,
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [ATTEMPT_TAG_KEY] } },
      },
      {
        Sid: 'ManageAccessKeysOfManagedUsers',
        Effect: 'Allow',
        Action: [
          'iam:ListAccessKeys',
          'iam:CreateAccessKey',
          'iam:DeleteAccessKey',
          'iam:UpdateAccessKey',
          'iam:GetAccessKeyLastUsed',
        ],
        // One user name under the path `/` or any other: the created user's, and the name IAM stores for the looked-up one.
        Resource: [
          `${usersArnPrefix(json)}\${aws_iam_user.${aliceUser}.name}`,
          `${usersArnPrefix(json)}*/\${aws_iam_user.${aliceUser}.name}`,
          `${usersArnPrefix(json)}\${data.aws_iam_user.${bobUser}.user_name}`,
          `${usersArnPrefix(json)}*/\${data.aws_iam_user.${bobUser}.user_name}`,
        ],
      },
    ]);
  });

  test("names each secret by a pattern known at plan time that matches its ARN and no other secret's", () => {
    const { json } = synthRotation(TWO_USERS);
    const policy = policyOf({ policy: withLongestArns(json, String(onlyResource(json, 'aws_iam_policy').policy)) });
    const granted = (arn: string): boolean =>
      (policy.Statement[0].Resource as string[]).some((pattern) => iamArnMatches(pattern, arn));
    const here = 'arn:aws-us-gov:secretsmanager:us-isof-south-1:123456789012:secret:';
    expect(granted(`${here}iam-key-rotation/alice-AbCdEf`)).toBe(true);
    expect(granted(`${here}iam-key-rotation/alice-x-AbCdEf`)).toBe(false);
    expect(granted(`${here}iam-key-rotation/alicia-AbCdEf`)).toBe(false);
    expect(granted(`${here}iam-key-rotation/bob-Zz09Yy`)).toBe(true);
  });

  test('allows ListSecretVersionIds and GetAccessKeyLastUsed (the sweep) only on the managed secrets and users', () => {
    const { json } = synthRotation(TWO_USERS);
    const statements = [onlyResource(json, 'aws_iam_role_policy'), onlyResource(json, 'aws_iam_policy')].flatMap(
      (policy) => policyOf(policy).Statement,
    );
    const allowing = (action: string): string[] =>
      statements
        .filter(
          (statement) => statement.Effect === 'Allow' && asList(statement.Action as string | string[]).includes(action),
        )
        .map((statement) => String(statement.Sid));
    expect(allowing('secretsmanager:ListSecretVersionIds')).toEqual(['RotateManagedSecrets']);
    expect(allowing('iam:GetAccessKeyLastUsed')).toEqual(['ManageAccessKeysOfManagedUsers']);
  });

  test('lets the function tag the secrets with the attempt marker only', () => {
    // WHEN
    const { json } = synthRotation(TWO_USERS);
    // THEN every statement that allows tagging is limited to the marker's tag key, on the managed secrets
    const all = [onlyResource(json, 'aws_iam_role_policy'), onlyResource(json, 'aws_iam_policy')].flatMap(
      (policy) => policyOf(policy).Statement,
    );
    const tagging = all.filter(
      (statement) =>
        statement.Effect === 'Allow' &&
        asList(statement.Action as string | string[]).some((action) => /Tag/.test(action)),
    );
    expect(tagging).toEqual([
      expect.objectContaining({
        Action: expect.arrayContaining(['secretsmanager:TagResource', 'secretsmanager:UntagResource']),
        Resource: Object.keys(json.resource.aws_secretsmanager_secret).map(
          (name) => `${secretsArnPrefix(json)}${ref('aws_secretsmanager_secret', name, 'name')}-??????`,
        ),
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['iam-key-rotation:attempt'] } },
      }),
    ]);
  });

  test('attaches each managed policy to the role, named after the function, tagged', () => {
    const { json } = synthRotation({ ...TWO_USERS, tags: { team: 'platform' } });
    const [roleName] = Object.keys(json.resource.aws_iam_role);
    const [policyName] = Object.keys(json.resource.aws_iam_policy);
    expect(onlyResource(json, 'aws_iam_policy')).toMatchObject({
      name: 'iam-key-rotation-managed-users-1',
      tags: { team: 'platform' },
    });
    expect(onlyResource(json, 'aws_iam_role_policy_attachment')).toEqual({
      role: `\${aws_iam_role.${roleName}.name}`,
      policy_arn: builtIamArn(json, `policy/${ref('aws_iam_policy', policyName, 'name')}`),
    });
  });

  test('has no wildcard resource but for ListSecrets, and no Secrets Manager key statement with the AWS managed key', () => {
    const { json } = synthRotation(TWO_USERS);
    const policies = [...resourcesOfType(json, 'aws_iam_role_policy'), ...resourcesOfType(json, 'aws_iam_policy')];
    const statements = policies.flatMap((policy) => policyOf(policy).Statement);
    const onEverything = statements.filter((statement) =>
      asList(statement.Resource as string | string[] | undefined).includes('*'),
    );
    expect(onEverything).toEqual([
      { Sid: 'FindManagedSecrets', Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' },
    ]);
    expect(statements.filter((statement) => JSON.stringify(statement).includes('kms:'))).toEqual([]);
  });

  test('uses a given customer key only through Secrets Manager, for what Secrets Manager calls: no kms:Encrypt', () => {
    const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { json } = synthRotation({ encryption: 'customer-managed', kmsKeyArn });
    const [regionName] = Object.keys(json.data?.aws_region ?? {});
    const [partitionName] = Object.keys(json.data?.aws_partition ?? {});
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toContainEqual({
      Sid: 'UseSecretsKeyThroughSecretsManager',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [kmsKeyArn],
      Condition: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.\${data.aws_region.${regionName}.name}.\${data.aws_partition.${partitionName}.dns_suffix}`,
        },
      },
    });
  });

  test('a created key is granted by its own policy only: the role policy names no key, whose ARN the plan would not know', () => {
    const { json } = synthRotation({ encryption: 'customer-managed' });
    expect(onlyResource(json, 'aws_iam_role_policy').policy).not.toContain('kms:');
    expect(onlyResource(json, 'aws_iam_role_policy').policy).not.toContain('aws_kms_key');
  });
});

describe('role policy size', () => {
  test("70 users spread over managed policies that each stay under IAM's limit with the longest ARNs", () => {
    // GIVEN 70 users, half with a long custom secret name (IAM counts 10,240 characters for all inline policies)
    const users = manyUsers(70, 'ci-deployer-').map((user, index) =>
      index % 2 === 0 ? user : { ...user, secretName: `platform/ci/${'x'.repeat(48)}/${user.name}` },
    );
    // WHEN all the secrets are under the prefix
    const { json } = synthRotation({ users, secretNamePrefix: 'platform/' });
    // THEN
    const sizes = grantPolicies(json).map((policy) => sizeForIam(withLongestArns(json, String(policy.policy))));
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.length).toBeLessThanOrEqual(10);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    // Too many exact names for the inline policy: its Deny falls back to the prefix.
    expect(inlineStatement(json, 'DenySecretsOutsideTheStack').NotResource).toEqual([
      `${secretsArnPrefix(json)}platform/*`,
    ]);
  });

  test('the Deny names each secret exactly while the inline policy fits with the longest ARNs, and falls back to the prefix beyond', () => {
    // GIVEN 40 users, and a fleet of 200
    const few = synthRotation({
      users: manyUsers(40),
      notifications: { topicArn: `arn:aws:sns:us-east-1:123456789012:${'t'.repeat(256)}` },
    });
    const fleet = synthRotation({ users: manyUsers(200) });
    // THEN the 40 are named exactly, within IAM's limit wherever the stack lands
    const deny = inlineStatement(few.json, 'DenySecretsOutsideTheStack').NotResource as string[];
    expect(deny).toHaveLength(40);
    expect(deny[0]).toBe(`${secretsArnPrefix(few.json)}iam-key-rotation/user-001-??????`);
    expect(
      sizeForIam(withLongestArns(few.json, String(onlyResource(few.json, 'aws_iam_role_policy').policy))),
    ).toBeLessThanOrEqual(10_240);
    // AND the fleet's Deny is the prefix, and the stack synthesizes within every limit
    expect(inlineStatement(fleet.json, 'DenySecretsOutsideTheStack').NotResource).toEqual([
      `${secretsArnPrefix(fleet.json)}iam-key-rotation/*`,
    ]);
    expect(() => App.of(fleet.stack).synth()).not.toThrow();
  });

  test('covers every user exactly once, in the configured order', () => {
    const { json } = synthRotation({ users: manyUsers(70) });
    const secrets = Object.keys(json.resource.aws_secretsmanager_secret).map(
      (name) => `${secretsArnPrefix(json)}${ref('aws_secretsmanager_secret', name, 'name')}-??????`,
    );
    const users = Object.keys(json.data?.aws_iam_user ?? {}).flatMap((name) => [
      `${usersArnPrefix(json)}\${data.aws_iam_user.${name}.user_name}`,
      `${usersArnPrefix(json)}*/\${data.aws_iam_user.${name}.user_name}`,
    ]);
    expect(resourcesOf(json, 'RotateManagedSecrets')).toEqual(secrets);
    expect(resourcesOf(json, 'ManageAccessKeysOfManagedUsers')).toEqual(users);
  });

  test('secret names of the maximum length (512) still fit, a few users per policy', () => {
    // As many as the function's environment can list (a custom name is listed with its user, MANAGED_SECRETS)
    const users = manyUsers(7, 'u', { createUser: true }).map((user) => ({
      ...user,
      secretName: `keys/${user.name}/${'s'.repeat(502)}`,
    }));
    const { json } = synthRotation({ users, secretNamePrefix: 'keys/' });
    const sizes = grantPolicies(json).map((policy) => sizeForIam(withLongestArns(json, String(policy.policy))));
    expect(sizes.length).toBeGreaterThanOrEqual(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
  });

  test('appending a user changes only the last policy, even with a longer name than any before', () => {
    // GIVEN
    const users = manyUsers(50);
    const before = grantPolicies(synthRotation({ users }).json);
    // WHEN
    const after = grantPolicies(
      synthRotation({ users: [...users, { name: 'late-joiner', secretName: `ci/${'x'.repeat(300)}` }] }).json,
    );
    // THEN the last policy takes the user, or a new one does
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after.slice(before.length - 1)).not.toEqual(before.slice(-1));
  });

  test('200 users with short names fit in the 10 managed policies IAM attaches to a role, each user once', () => {
    // WHEN
    const { stack, json } = synthRotation({ users: manyUsers(200) });
    // THEN it synthesizes, within every limit, with every user granted exactly once
    expect(() => App.of(stack).synth()).not.toThrow();
    const policies = grantPolicies(json);
    expect(policies.length).toBeLessThanOrEqual(10);
    expect(resourcesOfType(json, 'aws_iam_role_policy_attachment')).toHaveLength(policies.length);
    for (const policy of policies)
      expect(sizeForIam(withLongestArns(json, String(policy.policy)))).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    expect(resourcesOf(json, 'ManageAccessKeysOfManagedUsers')).toHaveLength(400);
    expect(new Set(resourcesOf(json, 'ManageAccessKeysOfManagedUsers')).size).toBe(400);
  });

  test("every policy fits IAM's limits whatever the users' IAM paths: users are matched by name under any path", () => {
    // GIVEN existing users with names of IAM's maximum length (their paths are only known at plan time), more than one
    // role's policies can name
    const users = manyUsers(200, `${'n'.repeat(61)}`);
    // WHEN
    const { stack, json } = synthRotation({ users });
    // THEN no policy depends on a path, and each fits with the longest partition and region
    expect(() => App.of(stack).synth()).not.toThrow();
    for (const policy of [...grantPolicies(json), ...resourcesOfType(json, 'aws_iam_role_policy')]) {
      const resolved = withLongestArns(json, String(policy.policy));
      expect(sizeForIam(resolved)).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    }
    // AND each user's patterns match that user under the longest path IAM allows, and under `/`, and no other user
    const patterns = grantPolicies(json).flatMap(
      (policy) => policyOf({ policy: withLongestArns(json, String(policy.policy)) }).Statement[1].Resource as string[],
    );
    expect(patterns).toHaveLength(400);
    users.forEach(({ name }) => {
      const own = patterns.filter((pattern) => pattern.endsWith(`/${name}`));
      expect(own).toHaveLength(2);
      const matches = (path: string, userName = name): boolean =>
        own.some((pattern) => iamArnMatches(pattern, `arn:aws-us-gov:iam::123456789012:user${path}${userName}`));
      expect(matches(LONGEST_IAM_PATH)).toBe(true);
      expect(matches('/')).toBe(true);
      expect(matches('/', `x${name}`)).toBe(false);
      expect(matches('/a/', `x${name}`)).toBe(false);
      expect(matches(LONGEST_IAM_PATH, `${name}x`)).toBe(false);
    });
  });

  test("more users than the 10 managed policies of the function's role can name go to grant roles the function assumes", () => {
    // GIVEN 200 users with 64-character names: about 16 policies
    const users = manyUsers(200, 'service-account-with-a-really-long-descriptive-name-number-0');
    // WHEN
    const { stack, json } = synthRotation({ users });
    // THEN
    expect(() => App.of(stack).synth()).not.toThrow();
    const roles = resourcesOfType(json, 'aws_iam_role')
      .map((role) => String(role.name))
      .sort();
    expect(roles).toEqual(['iam-key-rotation', 'iam-key-rotation-keys-1', 'iam-key-rotation-keys-2']);
    expect(environmentOf(json)).toMatchObject({ KEY_ROLE_COUNT: '2', KEY_ROLE_NAME_PREFIX: 'iam-key-rotation-keys-' });
    const attachedTo = resourcesOfType(json, 'aws_iam_role_policy_attachment').map((attachment) =>
      String(attachment.role),
    );
    expect(attachedTo.every((role) => /key-role-[12]_role/.test(role))).toBe(true);
    expect(new Set(attachedTo).size).toBe(2);
  });

  test('with grant roles, a given key draws a warning, and secret names must be known at synth', () => {
    const users = manyUsers(200, 'service-account-with-a-really-long-descriptive-name-number-0');
    // A given key: its policy must name the grant roles, which the construct cannot check
    const kmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-a6ef-1234567890ab';
    const withKey = synthRotation({ users, encryption: 'customer-managed', kmsKeyArn });
    expect(warningAnnotations(withKey.stack)).toEqual([
      expect.stringMatching(
        /split over 2 grant roles, iam-key-rotation-keys-1 to iam-key-rotation-keys-2: the policy of `kmsKeyArn` arn:aws:kms:.* must let them use the key/,
      ),
    ]);
    expect(
      warningAnnotations(synthRotation({ users: users.slice(0, 2), encryption: 'customer-managed', kmsKeyArn }).stack),
    ).toEqual([]);
    // A secret name the construct cannot hash as the function will
    const named = users.map((user, index) =>
      index === 7 ? { ...user, secretName: Lazy.stringValue({ produce: () => 'later/name' }) } : user,
    );
    expect(() => synthRotation({ users: named })).toThrow(
      /`users\[7\]\.secretName` must be known at synth, not a reference, once the grants are split over grant roles \(2 here\)/,
    );
  });

  test('fails at synth when the users need more managed policies than IAM attaches to a role', () => {
    // GIVEN one policy per role, and more users with long secret names than 99 grant roles of one policy can name
    const users = manyUsers(1200, 'u', { secretName: undefined });
    const secretNamePrefix = `${'s'.repeat(480)}/`;
    // WHEN / THEN
    expect(() => synthRotation({ users, secretNamePrefix, managedPoliciesPerRole: 1 })).toThrow(
      /`users` need more than 99 grant roles of 1 managed policies each to name their 1200 secrets and users: raise IAM's quota/,
    );
  });

  test("fails at synth when one user's grants alone exceed IAM's limit for a policy", () => {
    // GIVEN a grant from outside the props' checks (secret names are at most 512 characters there)
    const { stack, construct } = synthRotation();
    construct.rotationFunction.grantRotation({
      secretArn: 'arn',
      secretName: 's'.repeat(6100),
      userName: 'carol',
      configuredUserName: 'carol',
    });
    // THEN
    expect(() => App.of(stack).synth()).toThrow(
      /the policy for users 2-2 of 2 may reach \d+ characters, more than IAM's limit of 6144/,
    );
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
    for (const secret of resourcesOfType(json, 'aws_secretsmanager_secret'))
      expect(secret).not.toHaveProperty('kms_key_id');
  });

  test('secret name and recovery window can be set', () => {
    const { synthesized } = synthRotation({
      users: [{ name: 'alice', secretName: 'ci/alice' }],
      recoveryWindowInDays: 0,
    });
    expect(synthesized).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'ci/alice',
      recovery_window_in_days: 0,
    });
  });

  test('an existing user is looked up, a new one created', () => {
    const { synthesized, json } = synthRotation(TWO_USERS);
    expect(synthesized).toHaveResourceWithProperties(IamUser, { name: 'alice', force_destroy: true });
    expect(synthesized).toHaveDataSourceWithProperties(DataAwsIamUser, { user_name: 'bob' });
    expect(resourcesOfType(json, 'aws_iam_user')).toHaveLength(1);
  });

  test('rotation starts immediately, every 90 days by default, after the permission and the role policies exist', () => {
    const { synthesized, json } = synthRotation();
    const [permission] = Object.keys(json.resource.aws_lambda_permission);
    const [policy] = Object.keys(json.resource.aws_iam_role_policy);
    const [userPolicy] = Object.keys(json.resource.aws_iam_policy);
    const [attachment] = Object.keys(json.resource.aws_iam_role_policy_attachment);
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
      `aws_iam_policy.${userPolicy}`,
      `aws_iam_role_policy_attachment.${attachment}`,
    ]);
  });

  test('every rotation waits for every managed policy and attachment, not just its own', () => {
    const { json } = synthRotation({ users: manyUsers(45) });
    const policies = [
      ...Object.keys(json.resource.aws_iam_policy).map((name) => `aws_iam_policy.${name}`),
      ...Object.keys(json.resource.aws_iam_role_policy_attachment).map(
        (name) => `aws_iam_role_policy_attachment.${name}`,
      ),
    ];
    expect(policies.length).toBeGreaterThan(2);
    for (const rotation of resourcesOfType(json, 'aws_secretsmanager_secret_rotation')) {
      expect(rotation.depends_on).toEqual(expect.arrayContaining(policies));
    }
  });

  test('Terraform ignores the attempt marker the function tags each secret with', () => {
    const { json } = synthRotation(TWO_USERS);
    for (const secret of resourcesOfType(json, 'aws_secretsmanager_secret')) {
      expect(secret.lifecycle).toEqual({ ignore_changes: ['tags["iam-key-rotation:attempt"]'] });
    }
  });

  test('shared schedule with a window, and a per-user schedule expression', () => {
    const { json } = synthRotation({
      schedule: { automaticallyAfterDays: 30, duration: '3h' },
      users: [{ name: 'alice' }, { name: 'bob', schedule: { scheduleExpression: 'cron(0 4 ? * MON *)' } }],
    });
    expect(
      resourcesOfType(json, 'aws_secretsmanager_secret_rotation').map((rotation) => rotation.rotation_rules),
    ).toEqual([{ automatically_after_days: 30, duration: '3h' }, { schedule_expression: 'cron(0 4 ? * MON *)' }]);
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
    expect(synthesized).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    const [keyName, key] = keyNamed(json, SECRETS_KEY);
    const [roleName] = Object.keys(json.resource.aws_iam_role);
    const [regionName] = Object.keys(json.data?.aws_region ?? {});
    const [callerName] = Object.keys(json.data?.aws_caller_identity ?? {});
    const [partitionName] = Object.keys(json.data?.aws_partition ?? {});
    const viaSecretsManager = {
      StringEquals: {
        'kms:ViaService': `secretsmanager.\${data.aws_region.${regionName}.name}.\${data.aws_partition.${partitionName}.dns_suffix}`,
      },
    };
    const statements = policyOf(key).Statement;
    expect(statements[0]).toMatchObject({
      Sid: 'AccountAdministersKey',
      Principal: {
        AWS: `arn:\${data.aws_partition.${partitionName}.partition}:iam::\${data.aws_caller_identity.${callerName}.account_id}:root`,
      },
    });
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'RotationFunctionUsesKeyThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: builtIamArn(json, `role/${ref('aws_iam_role', roleName, 'name')}`) },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
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

  test('the account administers the created key but cannot use it, nor grant itself its use', () => {
    // WHEN
    const { json } = synthRotation({ encryption: 'customer-managed' });
    // THEN
    const [administration] = policyOf(keyNamed(json, SECRETS_KEY)[1]).Statement;
    expect(administration.Sid).toBe('AccountAdministersKey');
    const allowed = (action: string): boolean =>
      (administration.Action as string[]).some((pattern) => iamActionMatches(pattern, action));
    const use = [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    ];
    expect(use.filter(allowed)).toEqual([]);
    // A grant is key use by another route: kms:Create* would allow kms:CreateGrant.
    expect(allowed('kms:CreateGrant')).toBe(false);
    // Never locked out: the account can still change the key policy and name the key.
    expect(['kms:PutKeyPolicy', 'kms:CreateAlias', 'kms:ScheduleKeyDeletion'].filter(allowed)).toEqual([
      'kms:PutKeyPolicy',
      'kms:CreateAlias',
      'kms:ScheduleKeyDeletion',
    ]);
  });

  test('a given key is used, not created', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { json } = synthRotation({
      encryption: 'customer-managed',
      kmsKeyArn: keyArn,
      notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
    });
    expect(json.resource.aws_kms_key).toBeUndefined();
    expect(onlyResource(json, 'aws_secretsmanager_secret').kms_key_id).toBe(keyArn);
    expect(policyOf(onlyResource(json, 'aws_iam_role_policy')).Statement).toContainEqual(
      expect.objectContaining({ Resource: [keyArn], Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
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
      'aws_cloudwatch_event_target',
      'aws_iam_role_policy',
      'aws_iam_role_policy_attachment',
      'aws_lambda_permission',
      'aws_secretsmanager_secret_rotation',
      'aws_sns_topic_policy',
    ]);
    const taggable = Object.entries(json.resource).filter(([type]) => !untaggable.has(type));
    expect(taggable.map(([type]) => type).sort()).toEqual([
      'aws_cloudwatch_event_rule',
      'aws_cloudwatch_log_group',
      'aws_cloudwatch_metric_alarm',
      'aws_iam_policy',
      'aws_iam_role',
      'aws_iam_user',
      'aws_kms_key',
      'aws_lambda_function',
      'aws_secretsmanager_secret',
      'aws_sns_topic',
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
    new IamAccessKeyRotation(stack, 'second', {
      name: 'second',
      users: [{ name: 'carol' }],
      functionZipPath: fixtureZip(),
    });
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

describe('trust boundary', () => {
  test('two constructs in one stack each fence in their own secrets', () => {
    // GIVEN
    const { stack } = synthRotation();
    new IamAccessKeyRotation(stack, 'second', {
      name: 'second',
      users: [{ name: 'carol' }],
      functionZipPath: fixtureZip(),
    });
    // WHEN
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    // THEN each function's permission, Deny and environment name its own prefix only
    const sourceArns = permissionsFor(json, 'secretsmanager.amazonaws.com').map((permission) =>
      String(permission.source_arn).replace(/^.*:secret:/, ''),
    );
    expect(sourceArns.sort()).toEqual(['iam-key-rotation/*', 'second/*']);
    const denies = resourcesOfType(json, 'aws_iam_role_policy').map(
      (policy) => inlineStatement(json, 'DenySecretsOutsideTheStack', String(policy.policy)).NotResource as string[],
    );
    expect(denies.map((patterns) => patterns.map((pattern) => pattern.replace(/^.*:secret:/, ''))).sort()).toEqual([
      ['iam-key-rotation/alice-??????'],
      ['second/carol-??????'],
    ]);
    expect(
      resourcesOfType(json, 'aws_lambda_function')
        .map((fn) => (fn.environment as { variables: Record<string, string> }).variables.MANAGED_SECRETS)
        .sort(),
    ).toEqual(['["iam-key-rotation/*"]', '["second/*"]']);
  });

  test('fails at synth when the secrets named outside the prefix need more than Lambda and IAM allow, naming the fix', () => {
    // GIVEN 130 users whose secrets are each in a folder of its own
    const users = manyUsers(130).map((user, index) => ({ ...user, secretName: `x${index}/k` }));
    // WHEN
    const { stack } = synthRotation({ users });
    // THEN
    expect(() => App.of(stack).synth()).toThrow(
      /the rotation role's inline policy may reach \d+ characters, more than IAM's limit of 10240: its Deny names each of the 130 secret-name patterns; name them under one prefix and set `secretNamePrefix` to it/,
    );
    expect(() => App.of(stack).synth()).toThrow(
      /the function's 130 invoke permissions \(one per secret-name pattern\) may reach \d+ bytes, more than Lambda's limit of 20480 for a function policy; name them under one prefix/,
    );
  });

  test('the same users pass with their secrets under one `secretNamePrefix`', () => {
    const users = manyUsers(130).map((user, index) => ({ ...user, secretName: `x/${index}/k` }));
    const { stack, json } = synthRotation({ users, secretNamePrefix: 'x/' });
    expect(() => App.of(stack).synth()).not.toThrow();
    expect(permissionsFor(json, 'secretsmanager.amazonaws.com')).toHaveLength(1);
  });
});
