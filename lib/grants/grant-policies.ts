import { Construct } from 'constructs';
import { ITerraformIterator, Lazy, TerraformIterator, TerraformResource } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { dependencyOn } from '../synthesis/depends-on';
import { ArnParts, managedPolicyArn, policyJson } from './policy';
import { PolicyFill, RotationGrant, grantShare, userStatements } from './grant-policy';

export interface GrantPoliciesProps {
  /** The role the policies are attached to, by name. */
  readonly roleName: string;
  /** Policies are named `<namePrefix><n>`. */
  readonly namePrefix: string;
  /** Says whose grants they are, in each policy's description. */
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly arnParts: ArnParts;
}

/** One customer managed policy holding the grants of consecutive users, and its attachment to the role. */
interface UserPolicy {
  readonly grants: RotationGrant[];
  readonly policy: IamPolicy;
  readonly attachment: IamRolePolicyAttachment;
}

/**
 * The customer managed policies of one role that hold its grants on secrets and users. Users fill them in the order
 * they are granted, each up to IAM's size limit, so a user granted last changes only the last policy. Resources that
 * must wait for every policy of the role, also those created for users granted later, register with `addDependent`.
 */
export class GrantPolicies {
  private readonly entries: UserPolicy[] = [];
  private readonly fill = new PolicyFill();
  private readonly dependents: TerraformResource[] = [];
  /** Every policy and attachment, as dependencies. */
  private readonly ownDependencies: string[] = [];

  /** Policies' construct ids are `<idPrefix><n>` and `<idPrefix><n>-attachment`. */
  constructor(
    private readonly scope: Construct,
    private readonly idPrefix: string,
    private readonly props: GrantPoliciesProps,
  ) {}

  add(grant: RotationGrant): void {
    if (this.fill.add(grantShare(grant))) {
      this.entries.push(this.newPolicy([grant]));
    } else {
      (this.entries.at(-1) as UserPolicy).grants.push(grant);
    }
  }

  /**
   * One policy per element of `parts`, a Terraform `for_each` over the parts of a set of users only Terraform knows
   * (the plain module's): `<namePrefix><part key>`, each holding `policy` (one document for every part, written in
   * terms of `each.value`). Sized by the caller: the grants are not known here.
   */
  addForEach(parts: ITerraformIterator, partKey: string, policy: string): void {
    this.entries.push(this.addEntry([], partKey, policy, parts));
  }

  /** Makes `resource` depend on every policy of the role, those of users granted later included. */
  addDependent(resource: TerraformResource): void {
    resource.dependsOn = [...(resource.dependsOn ?? []), ...this.ownDependencies];
    this.dependents.push(resource);
  }

  get policies(): IamPolicy[] {
    return this.entries.map(({ policy }) => policy);
  }

  /** The grants of each policy, in order. */
  get grantsByPolicy(): RotationGrant[][] {
    return this.entries.map(({ grants }) => grants);
  }

  private newPolicy(grants: RotationGrant[]): UserPolicy {
    const policy = Lazy.stringValue({ produce: () => policyJson(userStatements(grants, this.props.arnParts)) });
    return this.addEntry(grants, String(this.entries.length + 1), policy);
  }

  private addEntry(
    grants: RotationGrant[],
    part: string,
    policyDocument: string,
    parts?: ITerraformIterator,
  ): UserPolicy {
    const id = `${this.idPrefix}${this.entries.length + 1}`;
    const { roleName, namePrefix, description, tags, arnParts } = this.props;
    const policy = new IamPolicy(this.scope, id, {
      ...(parts !== undefined ? { forEach: parts } : {}),
      name: `${namePrefix}${part}`,
      description: `${description} (part ${part})`,
      policy: policyDocument,
      tags,
    });
    const instances = parts !== undefined ? TerraformIterator.fromResources(policy) : undefined;
    const attachment = new IamRolePolicyAttachment(this.scope, `${id}-attachment`, {
      ...(instances !== undefined ? { forEach: instances } : {}),
      role: roleName,
      policyArn: managedPolicyArn(arnParts, instances !== undefined ? instances.getString('name') : policy.name),
    });
    const dependencies = [dependencyOn(policy), dependencyOn(attachment)];
    this.ownDependencies.push(...dependencies);
    for (const resource of this.dependents) resource.dependsOn = [...(resource.dependsOn ?? []), ...dependencies];
    return { grants, policy, attachment };
  }
}
