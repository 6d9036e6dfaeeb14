import { Construct } from 'constructs';
import { Lazy, TerraformResource } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { dependencyOn } from '../synthesis/depends-on';
import { ArnParts, PolicyStatement, policyJson } from './policy';
import { GrantPolicies } from './grant-policies';

export interface GrantRoleProps {
  readonly name: string;
  /** The rotation function's own role: the only principal that may assume this one. */
  readonly functionRoleArn: string;
  /** The inline policy's statements (the fence around the stack's secrets, key use), produced at synth. */
  readonly inlineStatements: () => PolicyStatement[];
  readonly tags: Record<string, string>;
  readonly arnParts: ArnParts;
}

/**
 * A role holding the grants on a share of the stack's secrets and users (see grantRoleIndex in core/contract.ts), which the
 * rotation function assumes to rotate them: it lets one function rotate more users than one role's policies can name.
 */
export class GrantRole extends Construct {
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  readonly grantPolicies: GrantPolicies;
  private readonly rolePolicyDependency: string;

  constructor(scope: Construct, id: string, props: GrantRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: 'Rotates the access keys of a share of the managed users, assumed by the rotation function',
      assumeRolePolicy: policyJson([
        { Effect: 'Allow', Principal: { AWS: props.functionRoleArn }, Action: 'sts:AssumeRole' },
      ]),
      tags: props.tags,
    });
    this.rolePolicy = new IamRolePolicy(this, 'role-policy', {
      name: 'rotate-access-keys',
      role: this.role.name,
      policy: Lazy.stringValue({ produce: () => policyJson(props.inlineStatements()) }),
    });
    this.rolePolicyDependency = dependencyOn(this.rolePolicy);
    this.grantPolicies = new GrantPolicies(this, 'user-policy-', {
      roleName: this.role.name,
      namePrefix: `${props.name}-part-`,
      description: `Lets the rotation function, through the role ${props.name}, rotate the access keys of its share of the managed users`,
      tags: props.tags,
      arnParts: props.arnParts,
    });
  }

  /** Makes `resource` wait until the role can do its work: its inline policy and all its user policies. */
  addDependent(resource: TerraformResource): void {
    resource.dependsOn = [...(resource.dependsOn ?? []), this.rolePolicyDependency];
    this.grantPolicies.addDependent(resource);
  }
}
