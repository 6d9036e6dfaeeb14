import { USER_TAG_KEY } from '../../contract';
import { Rule, SynthesizedStack, reference } from './rule';

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
    const rotated = rotatedSecretIds(stack);
    return rotated.has(reference(resource, 'id')) || rotated.has(reference(resource, 'arn')) ? 'compliant' : 'non-compliant';
  },
};

// One index per stack: looking through every resource for each secret is quadratic in the users.
const rotatedSecretIdsByStack = new WeakMap<SynthesizedStack, ReadonlySet<string>>();

/** The `secret_id` of every rotation in the stack that has a function and a schedule. */
function rotatedSecretIds(stack: SynthesizedStack): ReadonlySet<string> {
  let ids = rotatedSecretIdsByStack.get(stack);
  if (ids === undefined) {
    ids = new Set(
      stack.resources
        .filter((other) => {
          if (other.type !== 'aws_secretsmanager_secret_rotation') return false;
          const rules = other.config.rotation_rules as Record<string, unknown> | undefined;
          return typeof other.config.rotation_lambda_arn === 'string' && (rules?.automatically_after_days !== undefined || rules?.schedule_expression !== undefined);
        })
        .map((rotation) => String(rotation.config.secret_id)),
    );
    rotatedSecretIdsByStack.set(stack, ids);
  }
  return ids;
}
