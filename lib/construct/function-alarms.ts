// Alarms on the rotation function: it failed, or the daily sweep did not complete.
import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { SWEEP_METRIC } from '../../core/contract';

const FIVE_MINUTES = 300;
const ONE_DAY = 86_400;

export interface FunctionAlarmsProps {
  readonly name: string;
  readonly functionName: string;
  readonly topicArn: string;
  /** The schedule rule whose invocations the sweep-missing alarm watches for. */
  readonly sweepRuleName: string;
  readonly tags: Record<string, string>;
}

export class FunctionAlarms extends Construct {
  readonly errors: CloudwatchMetricAlarm;
  readonly sweepMissing: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    this.errors = new CloudwatchMetricAlarm(this, 'errors', {
      alarmName: `${props.name}-errors`,
      alarmDescription:
        `The rotation function ${props.functionName} failed (a rotation step or the sweep). Find the error in its log group ` +
        `/aws/lambda/${props.functionName} (each line names the secret), then run iam-key-rotation status to see what needs a fix.`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: props.functionName },
      statistic: 'Sum',
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      // No invocations, no errors.
      treatMissingData: 'notBreaching',
      alarmActions: [props.topicArn],
      tags: props.tags,
    });
    this.sweepMissing = new CloudwatchMetricAlarm(this, 'sweep-missing', {
      alarmName: `${props.name}-sweep-missing`,
      alarmDescription:
        `No sweep of ${props.functionName} completed for a whole UTC day, so previous keys are not deactivated and nothing is checked. ` +
        `Check that the EventBridge rule ${props.sweepRuleName} is enabled and find the failed sweep in /aws/lambda/${props.functionName}; ` +
        'run iam-key-rotation status meanwhile.',
      namespace: SWEEP_METRIC.namespace,
      metricName: SWEEP_METRIC.completed,
      dimensions: { [SWEEP_METRIC.dimension]: props.functionName },
      statistic: 'Sum',
      // Daily periods start at 00:00 UTC, the sweep runs later in the day: the current day has no datapoint until it
      // has run, so one period would alarm every morning. Two breaching days in a row mean a whole day passed without
      // a sweep.
      period: ONE_DAY,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      // A sweep that never ran emits nothing: missing data is the failure this alarm is for.
      treatMissingData: 'breaching',
      alarmActions: [props.topicArn],
      tags: props.tags,
    });
  }
}
