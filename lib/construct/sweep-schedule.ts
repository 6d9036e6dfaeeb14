// The daily sweep: an EventBridge schedule invokes the rotation function with the sweep event (core/contract.ts).
import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SWEEP_EVENT } from '../../core/contract';
import { AwsContext } from '../synthesis/aws-context';
import { eventRuleArn } from '../grants/policy';
import { eventRuleName } from './rotation-failure-alert';

/** Early in the European morning and before the American one: findings arrive in working hours for most teams. */
export const DEFAULT_SWEEP_HOUR_UTC = 6;

export interface SweepScheduleProps {
  readonly name: string;
  readonly function: LambdaFunction;
  /** Hour of the day, 0-23, in UTC. */
  readonly hourUtc: number;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/** The schedule rule, its target (the function, with the sweep event as input) and the permission to invoke. */
export class SweepSchedule extends Construct {
  readonly rule: CloudwatchEventRule;
  /** The rule's name as written (not a reference), for messages that name it. */
  readonly ruleName: string;
  readonly permission: LambdaPermission;

  constructor(scope: Construct, id: string, props: SweepScheduleProps) {
    super(scope, id);
    this.ruleName = eventRuleName(props.name, '-sweep');
    this.rule = new CloudwatchEventRule(this, 'rule', {
      name: this.ruleName,
      description: `Daily sweep of the secrets of ${props.name}: previous keys, overdue rotations, unknown keys`,
      scheduleExpression: `cron(0 ${props.hourUtc} * * ? *)`,
      tags: props.tags,
    });
    new CloudwatchEventTarget(this, 'target', {
      rule: this.rule.name,
      targetId: 'sweep',
      arn: props.function.arn,
      input: JSON.stringify(SWEEP_EVENT),
    });
    // Only this rule, in this account, may invoke the function through EventBridge (IKR4, IKR6).
    this.permission = new LambdaPermission(this, 'permission', {
      statementId: 'AllowEventBridgeSweep',
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      functionName: props.function.functionName,
      sourceArn: eventRuleArn(props.context.arnParts, this.rule.name),
      sourceAccount: props.context.accountId,
    });
  }
}
