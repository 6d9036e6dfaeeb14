import { Rule } from './rule';

/** IKR5: Secrets Manager's permission to invoke a function must name the secrets it may invoke it for. */
export const invokePermissionSourceArn: Rule = {
  id: 'IKR5',
  summary: 'The Lambda permission lets Secrets Manager invoke the function for any secret (no source_arn).',
  explanation:
    'Without source_arn, anyone in the account who can create a secret and turn on its rotation can make the ' +
    "function act for that secret. Set source_arn to the stack's secrets (an ARN pattern such as " +
    'arn:aws:secretsmanager:<region>:<account>:secret:<prefix>*).',
  check(resource) {
    if (resource.type !== 'aws_lambda_permission' || resource.config.principal !== 'secretsmanager.amazonaws.com')
      return 'not-applicable';
    const arn = resource.config.source_arn;
    return typeof arn === 'string' && /:secret:[^*?]/.test(arn) ? 'compliant' : 'non-compliant';
  },
};
