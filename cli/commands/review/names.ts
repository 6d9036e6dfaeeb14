// Names a reviewer recognises for what a resource points at: the secret a rotation or a secret policy is for, the
// role a policy belongs to. From the value when it is known, else from the configuration's references.
import { type Shown, shownOf } from './cells';
import {
  type Attribute,
  attributeOf,
  knownString,
  type Plan,
  referencedResources,
  type ResourceChange,
  type ResourceIndex,
  type ResourceRef,
} from './plan';

/** Secrets Manager appends `-` and six characters to a secret's name in its ARN. */
const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}$/;

/**
 * The name of the secret that an attribute (`secret_id`, `secret_arn`) of the change points at, from `side`'s value, or
 * from the secret resource its expression references when the value is known only after apply.
 */
export function secretNameOf(
  plan: Plan,
  change: ResourceChange,
  attribute: string,
  side: 'before' | 'after',
  resources: ResourceIndex,
): Shown {
  const id = attributeOf(change, side, [attribute]);
  if (id.state === 'known' && id.sensitive) return { kind: 'sensitive' };
  const value = knownString(id);
  if (value !== undefined) return secretNameFromId(value, resources);
  const [secret, ...others] = referencedResources(plan, change, attribute, 'aws_secretsmanager_secret', resources);
  if (secret !== undefined && others.length === 0) return shownOf(secret.attribute(['name']));
  return { kind: id.state === 'absent' ? 'none' : 'unknown' };
}

/** A secret's name from its id (an ARN or a name): the plan's secret with that ARN, else the ARN without its suffix. */
export function secretNameFromId(id: string, resources: ResourceIndex): Shown {
  const secret = resources.byArnOrId('aws_secretsmanager_secret', id);
  if (secret !== undefined) return shownOf(secret.attribute(['name']));
  const match = SECRET_ARN.exec(id);
  return { kind: 'value', value: match === null ? id : match[1] };
}

/**
 * The name in an attribute that names another resource (a policy's `role`, an attachment's `user`), or, when it is
 * known only after apply, the `name` of the resource of `type` its expression references.
 */
export function nameAttributeOf(
  plan: Plan,
  resource: ResourceRef,
  value: Attribute,
  attribute: string,
  type: string,
  resources: ResourceIndex,
): Shown {
  if (value.state !== 'unknown') return shownOf(value);
  const [target, ...others] = referencedResources(plan, resource, attribute, type, resources);
  if (target !== undefined && others.length === 0) return shownOf(target.attribute(['name']));
  return { kind: 'unknown' };
}
