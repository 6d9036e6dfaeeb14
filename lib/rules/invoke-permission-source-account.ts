import { Rule } from './rule';

/** IKR4: a Lambda permission for an AWS service must say for which account the service may invoke. */
export const invokePermissionSourceAccount: Rule = {
  id: 'IKR4',
  summary: 'The Lambda permission lets an AWS service invoke the function without source_account.',
  explanation:
    'Without source_account, the service acting for any AWS account could invoke the function (the ' +
    "confused-deputy problem): another account could point its secret's rotation at our function. " +
    'Set source_account to this account.',
  check(resource) {
    if (resource.type !== 'aws_lambda_permission') return 'not-applicable';
    const principal = resource.config.principal;
    if (typeof principal !== 'string' || !principal.endsWith('.amazonaws.com')) return 'not-applicable';
    const account = resource.config.source_account;
    return typeof account === 'string' && account.length > 0 ? 'compliant' : 'non-compliant';
  },
};
