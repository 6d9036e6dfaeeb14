import { TerraformResource } from 'cdktf';

/**
 * A `depends_on` entry for a resource of the same stack, as cdk.tf.json writes it: `<type>.<logical id>`. cdktf's
 * `dependable()` makes a token that every synthesis resolves through two more (the resource's fqn, then its reference):
 * with every rotation depending on the role's policies, most tokens of a fleet's stack. The logical id is fixed on
 * first use, like that of every resource another one refers to.
 */
export function dependencyOn(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
