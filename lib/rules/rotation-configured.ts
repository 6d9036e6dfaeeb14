import { USER_TAG_KEY } from '../../contract';
import { Rule, reference } from './rule';

/** IKR1: a managed secret (tagged with the user it rotates) must have a rotation. */
export const rotationConfigured: Rule = {
  id: 'IKR1',
  summary: 'The managed secret has no aws_secretsmanager_secret_rotation with a function and a schedule.',
  explanation:
    'A secret tagged with iam-key-rotation:user only ever gets a key from its rotation: without one it stays ' +
    'empty, or keeps an old key forever. Add a rotation with rotation_lambda_arn and rotation_rules.',
  check(resource, stack) {
    if (resource.type !== 'aws_secretsmanager_secret') return 'not-applicable';
    const tags = resource.config.tags as Record<string, unknown> | undefined;
    if (tags?.[USER_TAG_KEY] === undefined) return 'not-applicable';
    const ids = [reference(resource, 'id'), reference(resource, 'arn')];
    const rotated = stack.resources.some((other) => {
      if (other.type !== 'aws_secretsmanager_secret_rotation') return false;
      const rules = other.config.rotation_rules as Record<string, unknown> | undefined;
      return (
        ids.includes(String(other.config.secret_id)) &&
        typeof other.config.rotation_lambda_arn === 'string' &&
        (rules?.automatically_after_days !== undefined || rules?.schedule_expression !== undefined)
      );
    });
    return rotated ? 'compliant' : 'non-compliant';
  },
};
