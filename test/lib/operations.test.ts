// The operations parts of the construct: the notifications topic and its key, the sweep schedule, the rotation-failed
// rule, the alarms, and the previous-key policy (environment and per-user tags).
import { Testing } from 'cdktf';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { PREVIOUS_KEY_POLICY_TAG_KEY, SWEEP_EVENT, USER_TAG_KEY } from '../../core/contract';
import { EVENT_PATTERN_MAX_CHARS, rotationFailedPatternGroups } from '../../lib/construct/rotation-failure-alert';
import { LONGEST_ARN_PARTS } from '../../lib/grants/policy';
import {
  TerraformJson,
  builtArn,
  builtIamArn,
  onlyResource,
  policyOf,
  resourcesOfType,
  synthRotation,
} from './fixtures';

Testing.setupJest();

const GIVEN_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:platform-alerts';

/** `${type.name.attr}` of the one resource of a type. */
function ref(json: TerraformJson, type: string, attribute: string, name?: string): string {
  const names = Object.keys(json.resource[type] ?? {});
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) throw new Error(`expected one ${type}, found ${names.length}`);
  return `\${${type}.${chosen}.${attribute}}`;
}

function dataRef(json: TerraformJson, type: string, attribute: string): string {
  const [name] = Object.keys(json.data?.[type] ?? {});
  return `\${data.${type}.${name}.${attribute}}`;
}

function named(json: TerraformJson, type: string, name: string): [string, Record<string, unknown>] {
  const found = Object.entries(json.resource[type] ?? {}).find(
    ([, config]) => config.name === name || config.alarm_name === name,
  );
  if (found === undefined) throw new Error(`no ${type} named ${name}`);
  return found;
}

function targetOf(json: TerraformJson, ruleName: string): Record<string, unknown> {
  const [logicalName] = named(json, 'aws_cloudwatch_event_rule', ruleName);
  const targets = resourcesOfType(json, 'aws_cloudwatch_event_target').filter(
    (target) => target.rule === `\${aws_cloudwatch_event_rule.${logicalName}.name}`,
  );
  if (targets.length !== 1) throw new Error(`expected one target of ${ruleName}, found ${targets.length}`);
  return targets[0];
}

describe('notifications topic', () => {
  test('is created, named after the construct, encrypted with a key of its own', () => {
    const { json } = synthRotation();
    const [keyName, key] =
      Object.entries(json.resource.aws_kms_key).find(([, config]) =>
        /notifications/.test(String(config.description)),
      ) ?? [];
    expect(onlyResource(json, 'aws_sns_topic')).toMatchObject({
      name: 'iam-key-rotation-notifications',
      kms_master_key_id: `\${aws_kms_key.${keyName}.arn}`,
    });
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
  });

  test('its key: the account administers it, the alarms of this account, EventBridge and the role through SNS use it', () => {
    const { json } = synthRotation();
    const key = resourcesOfType(json, 'aws_kms_key').find((config) => /notifications/.test(String(config.description)));
    const account = dataRef(json, 'aws_caller_identity', 'account_id');
    const partition = dataRef(json, 'aws_partition', 'partition');
    const statements = policyOf(key ?? {}).Statement;
    expect(statements.map((statement) => statement.Sid)).toEqual([
      'AccountAdministersKey',
      'AlarmsPublishToTheTopic',
      'RulesPublishToTheTopic',
      'RotationFunctionPublishesThroughSns',
    ]);
    expect(statements[0]).toMatchObject({ Principal: { AWS: `arn:${partition}:iam::${account}:root` } });
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'AlarmsPublishToTheTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      },
      {
        // EventBridge's key requests carry no aws:SourceAccount: the topic policy names the rules instead.
        Sid: 'RulesPublishToTheTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
      },
      {
        Sid: 'RotationFunctionPublishesThroughSns',
        Effect: 'Allow',
        Principal: { AWS: builtIamArn(json, `role/${ref(json, 'aws_iam_role', 'name')}`) },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': `sns.${dataRef(json, 'aws_region', 'name')}.${dataRef(json, 'aws_partition', 'dns_suffix')}`,
          },
        },
      },
    ]);
  });

  test('its policy: EventBridge publishes from the rotation-failed rule only, CloudWatch from the two alarms only', () => {
    const { json } = synthRotation();
    const policy = onlyResource(json, 'aws_sns_topic_policy');
    expect(policy.arn).toBe(ref(json, 'aws_sns_topic', 'arn'));
    // Policies name the topic, the rules and the alarms by ARNs built from their names: the plan shows them whole.
    const topic = builtArn(json, 'sns', ref(json, 'aws_sns_topic', 'name'));
    const [ruleName] = named(json, 'aws_cloudwatch_event_rule', 'iam-key-rotation-rotation-failed');
    const [errorsName] = named(json, 'aws_cloudwatch_metric_alarm', 'iam-key-rotation-errors');
    const [sweepName] = named(json, 'aws_cloudwatch_metric_alarm', 'iam-key-rotation-sweep-missing');
    const statements = policyOf(policy).Statement;
    expect(statements[0]).toMatchObject({
      Sid: 'AccountManagesTopic',
      Principal: {
        AWS: `arn:${dataRef(json, 'aws_partition', 'partition')}:iam::${dataRef(json, 'aws_caller_identity', 'account_id')}:root`,
      },
      Resource: topic,
    });
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'StackRulesPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          ArnEquals: {
            'aws:SourceArn': [
              builtArn(json, 'events', `rule/${ref(json, 'aws_cloudwatch_event_rule', 'name', ruleName)}`),
            ],
          },
        },
      },
      {
        Sid: 'StackAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          ArnEquals: {
            'aws:SourceArn': [errorsName, sweepName].map((alarm) =>
              builtArn(json, 'cloudwatch', `alarm:${ref(json, 'aws_cloudwatch_metric_alarm', 'alarm_name', alarm)}`),
            ),
          },
        },
      },
    ]);
  });

  test('subscribes each e-mail address', () => {
    const { json } = synthRotation({ notifications: { emails: ['ops@example.com', 'oncall@example.com'] } });
    const topic = ref(json, 'aws_sns_topic', 'arn');
    expect(resourcesOfType(json, 'aws_sns_topic_subscription')).toEqual([
      { topic_arn: topic, protocol: 'email', endpoint: 'ops@example.com' },
      { topic_arn: topic, protocol: 'email', endpoint: 'oncall@example.com' },
    ]);
  });

  test('a given topic: no topic, key or topic policy is created, and everything targets it', () => {
    const { json } = synthRotation({ notifications: { topicArn: GIVEN_TOPIC, emails: ['ops@example.com'] } });
    expect(json.resource.aws_sns_topic).toBeUndefined();
    expect(json.resource.aws_sns_topic_policy).toBeUndefined();
    expect(json.resource.aws_kms_key).toBeUndefined();
    expect(onlyResource(json, 'aws_sns_topic_subscription')).toEqual({
      topic_arn: GIVEN_TOPIC,
      protocol: 'email',
      endpoint: 'ops@example.com',
    });
    expect(targetOf(json, 'iam-key-rotation-rotation-failed').arn).toBe(GIVEN_TOPIC);
    for (const alarm of resourcesOfType(json, 'aws_cloudwatch_metric_alarm'))
      expect(alarm.alarm_actions).toEqual([GIVEN_TOPIC]);
  });
});

describe('sweep schedule', () => {
  test('a daily rule at 06:00 UTC invokes the function with the sweep event', () => {
    const { json, synthesized } = synthRotation();
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventRule, {
      name: 'iam-key-rotation-sweep',
      schedule_expression: 'cron(0 6 * * ? *)',
    });
    const target = targetOf(json, 'iam-key-rotation-sweep');
    expect(target).toMatchObject({ arn: ref(json, 'aws_lambda_function', 'arn'), input: JSON.stringify(SWEEP_EVENT) });
    expect(JSON.parse(String(target.input))).toEqual({ 'iam-key-rotation': 'sweep' });
  });

  test('`sweepHourUtc` moves it', () => {
    const { synthesized } = synthRotation({ sweepHourUtc: 23 });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventRule, {
      name: 'iam-key-rotation-sweep',
      schedule_expression: 'cron(0 23 * * ? *)',
    });
  });

  test('EventBridge may invoke the function for that rule, in this account, only', () => {
    const { json } = synthRotation();
    const [ruleName] = named(json, 'aws_cloudwatch_event_rule', 'iam-key-rotation-sweep');
    const permissions = resourcesOfType(json, 'aws_lambda_permission').filter(
      (permission) => permission.principal === 'events.amazonaws.com',
    );
    expect(permissions).toEqual([
      {
        statement_id: 'AllowEventBridgeSweep',
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        function_name: ref(json, 'aws_lambda_function', 'function_name'),
        source_arn: builtArn(json, 'events', `rule/${ref(json, 'aws_cloudwatch_event_rule', 'name', ruleName)}`),
        source_account: dataRef(json, 'aws_caller_identity', 'account_id'),
      },
    ]);
  });
});

describe('rotation-failed rule', () => {
  test("matches Secrets Manager's RotationFailed events of the stack's secrets: the prefix, and each name outside it", () => {
    const { json } = synthRotation({ users: [{ name: 'alice' }, { name: 'bob', secretName: 'vendors/bob' }] });
    const [, rule] = named(json, 'aws_cloudwatch_event_rule', 'iam-key-rotation-rotation-failed');
    const arns = `arn:${dataRef(json, 'aws_partition', 'partition')}:secretsmanager:${dataRef(json, 'aws_region', 'name')}:${dataRef(json, 'aws_caller_identity', 'account_id')}:secret:`;
    expect(JSON.parse(String(rule.event_pattern))).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationFailed'],
        additionalEventData: { SecretId: [{ prefix: `${arns}iam-key-rotation/` }, { prefix: `${arns}vendors/bob-` }] },
      },
    });
  });

  test('publishes a short plain-text message to the topic: the secret, the time, the log group, what to run', () => {
    const { json } = synthRotation();
    const target = targetOf(json, 'iam-key-rotation-rotation-failed');
    expect(target.arn).toBe(ref(json, 'aws_sns_topic', 'arn'));
    const transformer = target.input_transformer as { input_paths: Record<string, string>; input_template: string };
    expect(transformer.input_paths).toEqual({ secret: '$.detail.additionalEventData.SecretId', time: '$.time' });
    const text = JSON.parse(transformer.input_template) as string;
    expect(text).toMatch(/could not rotate the secret <secret> at <time>/);
    expect(text).toContain('/aws/lambda/iam-key-rotation');
    expect(text).toContain('iam-key-rotation status, then iam-key-rotation rotate <secret>');
    expect(text.match(/<(\w+)>/g)?.every((placeholder) => ['<secret>', '<time>'].includes(placeholder))).toBe(true);
  });

  test("rule names stay within EventBridge's 64 characters for the longest `name`", () => {
    const name = 'n'.repeat(56);
    const { json } = synthRotation({ name });
    const names = resourcesOfType(json, 'aws_cloudwatch_event_rule').map((rule) => String(rule.name));
    expect(names.sort()).toEqual([`${'n'.repeat(48)}-rotation-failed`, `${name}-sweep`]);
  });

  test("many secrets outside the prefix are split across rules whose patterns each fit EventBridge's 2048 characters", () => {
    const users = Array.from({ length: 40 }, (_, index) => ({
      name: `u${index}`,
      secretName: `team-${index}/${'x'.repeat(40)}`,
    }));
    const { json } = synthRotation({ users });
    const rules = resourcesOfType(json, 'aws_cloudwatch_event_rule').filter((rule) =>
      /rotation-failed/.test(String(rule.name)),
    );
    expect(rules.length).toBeGreaterThan(1);
    expect(rules.map((rule) => String(rule.name)).sort()).toEqual(
      rules.map((_rule, index) => `iam-key-rotation-rotation-failed${index === 0 ? '' : `-${index + 1}`}`).sort(),
    );
    expect(
      resourcesOfType(json, 'aws_cloudwatch_event_target').filter((target) => target.input_transformer !== undefined),
    ).toHaveLength(rules.length);
    // every secret once, and each pattern within the limit with the longest ARNs
    const groups = rotationFailedPatternGroups(
      users.map((user) => user.secretName),
      LONGEST_ARN_PARTS,
    );
    expect(groups.flat()).toEqual(users.map((user) => user.secretName));
    expect(groups).toHaveLength(rules.length);
    const prefixes = rules.flatMap(
      (rule) =>
        (
          JSON.parse(String(rule.event_pattern)) as {
            detail: { additionalEventData: { SecretId: { prefix: string }[] } };
          }
        ).detail.additionalEventData.SecretId,
    );
    expect(prefixes).toHaveLength(40);
    for (const rule of rules) {
      const longest = String(rule.event_pattern)
        .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws-us-gov')
        .replace(/\$\{data\.aws_region\.[\w-]+\.name\}/g, 'us-isof-south-1')
        .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, '123456789012');
      expect(longest.length).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    }
    const policy = policyOf(onlyResource(json, 'aws_sns_topic_policy')).Statement.find(
      (statement) => statement.Sid === 'StackRulesPublish',
    );
    expect((policy?.Condition as { ArnEquals: { 'aws:SourceArn': string[] } }).ArnEquals['aws:SourceArn']).toHaveLength(
      rules.length,
    );
  });
});

describe('alarms', () => {
  test('`<name>-errors`: any function error within 5 minutes, to the topic', () => {
    const { json } = synthRotation();
    const [, alarm] = named(json, 'aws_cloudwatch_metric_alarm', 'iam-key-rotation-errors');
    expect(alarm).toMatchObject({
      namespace: 'AWS/Lambda',
      metric_name: 'Errors',
      dimensions: { FunctionName: ref(json, 'aws_lambda_function', 'function_name') },
      statistic: 'Sum',
      period: 300,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      treat_missing_data: 'notBreaching',
      alarm_actions: [ref(json, 'aws_sns_topic', 'arn')],
    });
  });

  test('`<name>-sweep-missing`: no completed sweep for two daily periods, missing data breaching', () => {
    const { json } = synthRotation();
    const [, alarm] = named(json, 'aws_cloudwatch_metric_alarm', 'iam-key-rotation-sweep-missing');
    expect(alarm).toMatchObject({
      namespace: 'iam-key-rotation',
      metric_name: 'SweepsCompleted',
      dimensions: { FunctionName: ref(json, 'aws_lambda_function', 'function_name') },
      statistic: 'Sum',
      period: 86400,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
      threshold: 1,
      comparison_operator: 'LessThanThreshold',
      treat_missing_data: 'breaching',
      alarm_actions: [ref(json, 'aws_sns_topic', 'arn')],
    });
  });
});

describe('previous-key policy', () => {
  test("the stack's goes to the function's environment", () => {
    const { json } = synthRotation({ previousKeyGraceDays: 3, previousKeyInUse: 'deactivate' });
    const variables = (onlyResource(json, 'aws_lambda_function').environment as { variables: Record<string, string> })
      .variables;
    expect(variables).toMatchObject({
      PREVIOUS_KEY_ACTION: 'deactivate-after-grace',
      PREVIOUS_KEY_GRACE_DAYS: '3',
      PREVIOUS_KEY_IN_USE: 'deactivate',
    });
  });

  test("a user with a prop of its own gets its whole policy, merged over the stack's, as a tag; the others no tag", () => {
    // GIVEN
    const { json } = synthRotation({
      previousKeyGraceDays: 5,
      previousKeyInUse: 'deactivate',
      users: [
        { name: 'alice' },
        { name: 'bob', previousKeyInUse: 'hold' },
        { name: 'carol', previousKeyAction: 'keep' },
        { name: 'dave', previousKeyGraceDays: 2 },
      ],
    });
    // THEN
    const tags = Object.fromEntries(
      resourcesOfType(json, 'aws_secretsmanager_secret').map((secret) => {
        const secretTags = secret.tags as Record<string, string>;
        return [secretTags[USER_TAG_KEY], secretTags[PREVIOUS_KEY_POLICY_TAG_KEY]];
      }),
    );
    expect(tags).toEqual({
      alice: undefined,
      bob: 'action=deactivate-after-grace grace-days=5 in-use=hold',
      carol: 'action=keep grace-days=5 in-use=deactivate',
      dave: 'action=deactivate-after-grace grace-days=2 in-use=deactivate',
    });
  });

  test("existing configs keep their action: 'keep' stays in the environment", () => {
    const { json } = synthRotation({ previousKeyAction: 'keep' });
    const variables = (onlyResource(json, 'aws_lambda_function').environment as { variables: Record<string, string> })
      .variables;
    expect(variables.PREVIOUS_KEY_ACTION).toBe('keep');
  });
});
