import { USER_TAG_KEY } from '../../core/contract';
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
    if (!setsUserTag(resource.config.tags)) return 'not-applicable';
    const rotated = rotatedSecretIds(stack);
    // A secret per element of a for_each (the plain module's) is rotated by a rotation over the same elements.
    const forEach = resource.config.for_each;
    const ids =
      forEach === undefined
        ? ['id', 'arn'].map((attribute) => reference(resource, attribute))
        : ['id', 'arn'].map((attribute) => `${forEach}:\${${resource.type}.${resource.name}[each.key].${attribute}}`);
    return ids.some((id) => rotated.has(id)) ? 'compliant' : 'non-compliant';
  },
};

/** Tags that set the user tag: as a key, or in an expression that merges it in (the plain module's `merge(var.tags, {...})`). */
function setsUserTag(tags: unknown): boolean {
  if (typeof tags === 'string') return tags.includes(JSON.stringify(USER_TAG_KEY));
  return (tags as Record<string, unknown> | undefined)?.[USER_TAG_KEY] !== undefined;
}

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
          return (
            typeof other.config.rotation_lambda_arn === 'string' &&
            (rules?.automatically_after_days !== undefined || rules?.schedule_expression !== undefined)
          );
        })
        .map(
          (rotation) =>
            (rotation.config.for_each === undefined ? '' : `${String(rotation.config.for_each)}:`) +
            String(rotation.config.secret_id),
        ),
    );
    rotatedSecretIdsByStack.set(stack, ids);
  }
  return ids;
}
