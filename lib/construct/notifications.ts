// Where rotation failures, the sweep's findings and the alarms go: one SNS topic, created encrypted with a key of its
// own, or given by ARN.
import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { AwsContext } from '../synthesis/aws-context';
import { KEY_DELETION_WINDOW_DAYS, accountAdministersKey } from '../grants/key-administration';
import { PolicyStatement, policyJson, regionalArn, viaService } from '../grants/policy';
import { ValidationError, isUnresolved, show } from '../validation/validation';

export interface NotificationOptions {
  /**
   * An existing standard SNS topic for the notifications, by ARN (arn:<partition>:sns:<region>:<account>:<name>), in
   * the stack's region. The construct then creates no topic and no key: the topic's policy must let
   * events.amazonaws.com, cloudwatch.amazonaws.com and the rotation role publish, and its key (if a customer managed
   * one) must let them use it.
   * @default - a topic `<name>-notifications`, encrypted with a key created for it
   */
  readonly topicArn?: string;
  /**
   * E-mail addresses to subscribe to the topic (each confirms by the link SNS mails), at most 10, each once.
   * @default - none
   */
  readonly emails?: string[];
}

/** Enough for a team's on-call addresses; a larger audience belongs on a mailing list. */
export const MAX_NOTIFICATION_EMAILS = 10;

// https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html: names of 1-256 letters, digits, _ and -. A FIFO
// topic (.fifo) can take neither CloudWatch alarms nor e-mail subscriptions, so it is refused.
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
// A pragmatic shape check: one @, no spaces, a dot in the domain. SNS checks the rest when it mails the confirmation.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every problem with the notification options, each naming `label.<field>`. */
export function notificationOptionsProblems(options: NotificationOptions, label: string): ValidationError[] {
  const problems: ValidationError[] = [];
  const { topicArn, emails } = options;
  if (
    topicArn !== undefined &&
    !isUnresolved(topicArn) &&
    (typeof topicArn !== 'string' || !SNS_TOPIC_ARN.test(topicArn))
  ) {
    problems.push(
      new ValidationError(
        `${label}.topicArn`,
        `must be the ARN of a standard SNS topic (arn:<partition>:sns:<region>:<12-digit account>:<name>), got ${show(topicArn)}`,
      ),
    );
  }
  if (emails !== undefined) {
    if (!Array.isArray(emails)) {
      problems.push(new ValidationError(`${label}.emails`, `must be a list of e-mail addresses, got ${show(emails)}`));
      return problems;
    }
    if (emails.length > MAX_NOTIFICATION_EMAILS) {
      problems.push(
        new ValidationError(
          `${label}.emails`,
          `must list at most ${MAX_NOTIFICATION_EMAILS} addresses (use a mailing list for more), got ${emails.length}`,
        ),
      );
    }
    const seen = new Set<string>();
    emails.forEach((email, index) => {
      if (isUnresolved(email)) return;
      if (typeof email !== 'string' || !EMAIL.test(email)) {
        problems.push(
          new ValidationError(
            `${label}.emails[${index}]`,
            `must be an e-mail address like ops@example.com, got ${show(email)}`,
          ),
        );
        return;
      }
      // Mail systems treat the domain, and in practice the whole address, without regard to case.
      const key = email.toLowerCase();
      if (seen.has(key))
        problems.push(new ValidationError(`${label}.emails[${index}]`, `must be unique, got ${show(email)} again`));
      seen.add(key);
    });
  }
  return problems;
}

export interface NotificationTopicProps {
  /** The construct's `name`: the created topic is `<name>-notifications`. */
  readonly name: string;
  readonly options: NotificationOptions;
  /** The rotation function's role, built from its name: it publishes the sweep's findings. */
  readonly rotationRoleArn: string;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/** The stack's resources that publish to the topic through AWS services. */
export interface NotificationPublishers {
  /** EventBridge rules with the topic as a target. */
  readonly ruleArns: string[];
  /** CloudWatch alarms with the topic as an action. */
  readonly alarmArns: string[];
}

const EVENTS_PRINCIPAL = 'events.amazonaws.com';
const CLOUDWATCH_PRINCIPAL = 'cloudwatch.amazonaws.com';

/**
 * The notifications topic. Created, it is encrypted with a customer managed key of its own: a topic encrypted with the
 * AWS managed key aws/sns cannot receive EventBridge or CloudWatch alarm messages, because that key's policy cannot
 * be changed to let those services use it. Given by ARN, nothing is created but the e-mail subscriptions.
 */
export class NotificationTopic extends Construct {
  readonly topicArn: string;
  /**
   * The same ARN for policies: a created topic's built from its name, so the plan shows the policies naming it whole
   * (the topic's `arn` is only known after apply).
   */
  readonly policyTopicArn: string;
  /** Present when the topic is created. */
  readonly topic: SnsTopic | undefined;
  /** The created topic's key. */
  readonly key: KmsKey | undefined;
  readonly subscriptions: SnsTopicSubscription[];
  private readonly context: AwsContext;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    const { context, options } = props;
    this.context = context;
    if (options.topicArn === undefined) {
      this.key = new KmsKey(this, 'key', {
        description: `Encrypts the ${props.name} notifications topic`,
        enableKeyRotation: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
        policy: policyJson(topicKeyStatements(context, props.rotationRoleArn)),
        tags: props.tags,
      });
      this.topic = new SnsTopic(this, 'topic', {
        name: `${props.name}-notifications`,
        kmsMasterKeyId: this.key.arn,
        tags: props.tags,
      });
      this.topicArn = this.topic.arn;
      this.policyTopicArn = regionalArn(context.arnParts, 'sns', this.topic.name);
    } else {
      this.topicArn = options.topicArn;
      this.policyTopicArn = options.topicArn;
    }
    this.subscriptions = (options.emails ?? []).map(
      (email, index) =>
        new SnsTopicSubscription(this, `email-${index + 1}`, {
          topicArn: this.topicArn,
          protocol: 'email',
          endpoint: email,
        }),
    );
  }

  /**
   * Lets EventBridge publish from these rules only, and CloudWatch from these alarms only (aws:SourceArn), on a
   * created topic; a given topic's policy is its owner's.
   */
  allowPublishers(publishers: NotificationPublishers): void {
    if (this.topic === undefined) return;
    const { context } = this;
    const statements: PolicyStatement[] = [
      {
        // What SNS's default topic policy grants the owner, so the account's IAM policies keep managing the topic.
        Sid: 'AccountManagesTopic',
        Effect: 'Allow',
        Principal: { AWS: context.accountRootArn },
        Action: [
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
          'sns:AddPermission',
          'sns:RemovePermission',
          'sns:DeleteTopic',
          'sns:Subscribe',
          'sns:ListSubscriptionsByTopic',
          'sns:Publish',
        ],
        Resource: this.policyTopicArn,
      },
      {
        Sid: 'StackRulesPublish',
        Effect: 'Allow',
        Principal: { Service: EVENTS_PRINCIPAL },
        Action: 'sns:Publish',
        Resource: this.policyTopicArn,
        Condition: { ArnEquals: { 'aws:SourceArn': publishers.ruleArns } },
      },
      {
        Sid: 'StackAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: CLOUDWATCH_PRINCIPAL },
        Action: 'sns:Publish',
        Resource: this.policyTopicArn,
        Condition: { ArnEquals: { 'aws:SourceArn': publishers.alarmArns } },
      },
    ];
    new SnsTopicPolicy(this, 'policy', { arn: this.topic.arn, policy: policyJson(statements) });
  }
}

/** The created topic's key: administered by the account, used by the publishers through SNS. */
function topicKeyStatements(context: AwsContext, rotationRoleArn: string): PolicyStatement[] {
  return [
    accountAdministersKey(context),
    {
      // SNS encrypts each message the services publish with a data key of this key, and decrypts it to deliver it.
      Sid: 'AlarmsPublishToTheTopic',
      Effect: 'Allow',
      Principal: { Service: CLOUDWATCH_PRINCIPAL },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': context.accountId } },
    },
    {
      // No aws:SourceAccount here: EventBridge's key requests for an SNS target do not carry it, so the condition would
      // drop every failure alert. The topic policy (aws:SourceArn = the stack's rules) limits who publishes.
      Sid: 'RulesPublishToTheTopic',
      Effect: 'Allow',
      Principal: { Service: EVENTS_PRINCIPAL },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
    },
    {
      Sid: 'RotationFunctionPublishesThroughSns',
      Effect: 'Allow',
      Principal: { AWS: rotationRoleArn },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: viaService('sns', context.region, context.dnsSuffix),
    },
  ];
}
