import { Rule } from './rule';

/** IKR6: EventBridge's permission to invoke a function must name the rule it may invoke it for. */
export const invokePermissionEventRule: Rule = {
  id: 'IKR6',
  summary: 'The Lambda permission lets EventBridge invoke the function for any rule (no source_arn, or a wildcard).',
  explanation:
    'Without source_arn, anyone in the account who can create an EventBridge rule can invoke the function with an ' +
    'event of their choosing, on any schedule. Set source_arn to the ARN of the rule that targets the function ' +
    "(the sweep schedule's).",
  check(resource) {
    if (resource.type !== 'aws_lambda_permission' || resource.config.principal !== 'events.amazonaws.com')
      return 'not-applicable';
    const arn = resource.config.source_arn;
    return typeof arn === 'string' && arn.length > 0 && !arn.includes('*') ? 'compliant' : 'non-compliant';
  },
};
