// Secrets Manager reports a failed rotation as a CloudTrail service event (RotationFailed); EventBridge rules match
// those of the stack's secrets and publish a short plain-text message to the notifications topic.
import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { PREFIX_PATTERN_SUFFIX } from '../../core/contract';
import { AwsContext } from '../synthesis/aws-context';
import { ArnParts, LONGEST_ARN_PARTS, eventRuleArn, regionalArn } from '../grants/policy';
import { isUnresolved } from '../validation/validation';

/** EventBridge's default quota for an event pattern, in characters; the AWS provider 5.100.0 enforces it too. */
export const EVENT_PATTERN_MAX_CHARS = 2048;
/** EventBridge's limit for a rule name. */
export const EVENT_RULE_NAME_MAX_CHARS = 64;

export interface RotationFailureAlertProps {
  /** The construct's `name`: rule names and the function's log group derive from it. */
  readonly name: string;
  /** The stack's secret-name patterns (lib/construct/secret-names.ts). */
  readonly secretNamePatterns: readonly string[];
  readonly topicArn: string;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/**
 * One rule for the stack's secrets (more only when their patterns exceed one event pattern's size), each targeting
 * the topic with a message that says which secret failed, when, where the error is and what to run once it is fixed.
 * It names no key: the event carries none.
 */
export class RotationFailureAlert extends Construct {
  readonly rules: CloudwatchEventRule[];
  /** The rules' ARNs, built from their names (known at plan time), for the topic policy. */
  readonly ruleArns: string[];

  constructor(scope: Construct, id: string, props: RotationFailureAlertProps) {
    super(scope, id);
    const groups = rotationFailedPatternGroups(props.secretNamePatterns, LONGEST_ARN_PARTS);
    this.rules = groups.map((group, index) => {
      const suffix = index === 0 ? '' : `-${index + 1}`;
      const rule = new CloudwatchEventRule(this, `rule${suffix}`, {
        name: eventRuleName(props.name, `-rotation-failed${suffix}`),
        description: `Secrets Manager could not rotate a secret of ${props.name}`,
        eventPattern: rotationFailedEventPattern(
          group.map((pattern) => secretArnPrefix(props.context.arnParts, pattern)),
        ),
        tags: props.tags,
      });
      new CloudwatchEventTarget(this, `target${suffix}`, {
        rule: rule.name,
        targetId: 'notify',
        arn: props.topicArn,
        inputTransformer: {
          inputPaths: { secret: '$.detail.additionalEventData.SecretId', time: '$.time' },
          inputTemplate: failureMessageTemplate(props.name),
        },
      });
      return rule;
    });
    this.ruleArns = this.rules.map((rule) => eventRuleArn(props.context.arnParts, rule.name));
  }
}

/**
 * `<name><suffix>`, within EventBridge's limit for rule names: `name` may have 56 characters, so a long one is cut
 * before the suffix (the suffix says what the rule is for).
 */
export function eventRuleName(name: string, suffix: string): string {
  const length = EVENT_RULE_NAME_MAX_CHARS - suffix.length;
  // A name only Terraform knows (the plain module's variable) is cut by Terraform.
  return `${isUnresolved(name) ? Fn.substr(name, 0, length) : name.slice(0, length)}${suffix}`;
}

/**
 * The ARN prefix of the secrets a secret-name pattern covers: `...:secret:<prefix>` for `<prefix>*`, and
 * `...:secret:<name>-` for an exact name (Secrets Manager appends `-` and six random characters; EventBridge has no
 * single-character wildcard, so this also matches a longer name that starts with `<name>-`: an alert, never an action).
 */
export function secretArnPrefix(parts: ArnParts, namePattern: string): string {
  const arnPrefix = regionalArn(parts, 'secretsmanager', 'secret:');
  return namePattern.endsWith(PREFIX_PATTERN_SUFFIX)
    ? `${arnPrefix}${namePattern.slice(0, -PREFIX_PATTERN_SUFFIX.length)}`
    : `${arnPrefix}${namePattern}-`;
}

/** The event pattern of Secrets Manager's RotationFailed events for secrets whose ARN starts with one of `arnPrefixes`. */
export function rotationFailedEventPattern(arnPrefixes: readonly string[]): string {
  return JSON.stringify({
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: ['RotationFailed'],
      additionalEventData: { SecretId: arnPrefixes.map((prefix) => ({ prefix })) },
    },
  });
}

/** The patterns split into consecutive groups whose event patterns each fit EventBridge's size, with the longest ARNs. */
export function rotationFailedPatternGroups(patterns: readonly string[], sizingParts: ArnParts): string[][] {
  const groups: string[][] = [];
  for (const pattern of patterns) {
    const last = groups.at(-1);
    const fits = (group: string[]): boolean =>
      rotationFailedEventPattern(group.map((each) => secretArnPrefix(sizingParts, each))).length <=
      EVENT_PATTERN_MAX_CHARS;
    if (last !== undefined && fits([...last, pattern])) last.push(pattern);
    else groups.push([pattern]);
  }
  return groups;
}

/**
 * A plain-text message (an input template that is a JSON string). `<secret>` and `<time>` are EventBridge's
 * placeholders for the event's values.
 */
function failureMessageTemplate(name: string): string {
  const text =
    'Secrets Manager could not rotate the secret <secret> at <time>. ' +
    `The error is in the rotation function's log group /aws/lambda/${name}. ` +
    'The secret still holds its current key. Once the cause is fixed, run: iam-key-rotation status, then iam-key-rotation rotate <secret>';
  return JSON.stringify(text);
}
