import { Rule } from './rule';

/** IKR3: log groups must expire their events. */
export const logRetentionSet: Rule = {
  id: 'IKR3',
  summary: 'The log group keeps its events forever (retention_in_days unset or 0).',
  explanation:
    'Rotation logs name users and key ids; kept forever they cost money and outlive any audit need. ' +
    "Set retention_in_days to one of CloudWatch Logs' periods (the construct defaults to 365).",
  check(resource) {
    if (resource.type !== 'aws_cloudwatch_log_group') return 'not-applicable';
    const days = resource.config.retention_in_days;
    return typeof days === 'number' && days > 0 ? 'compliant' : 'non-compliant';
  },
};
