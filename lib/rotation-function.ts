import * as fs from 'fs';
import { Construct } from 'constructs';
import { AssetType, Fn, Lazy, TerraformAsset, TerraformResource, dependable } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { ATTEMPT_TAG_KEY } from '../contract';
import { AwsContext } from './aws-context';
import {
  MANAGED_POLICIES_PER_ROLE,
  MANAGED_POLICY_SIZE_LIMIT,
  PolicyStatement,
  policyJson,
  policySize,
  sizingSecretArn,
  sizingUserArn,
  viaSecretsManager,
} from './policy';

/** Fixed by the handler's contract with the build (dist/lambda/index.js exports `handler`). */
const HANDLER = 'index.handler';
const RUNTIME = 'nodejs22.x';
/** Four steps with a bounded STS retry budget fit in a minute; Secrets Manager waits for each step. */
const TIMEOUT_SECONDS = 60;
/** The AWS SDK clients need little; 256 MB also buys a faster CPU share than the 128 MB minimum. */
const MEMORY_MB = 256;
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';
/**
 * Stand-in IAM path for sizing the ARN of a user that is looked up (its path is only known at plan time):
 * 24 characters, e.g. /service-accounts/ci-cd/. Most users have the path `/`.
 */
const UNKNOWN_USER_PATH = `/${'p'.repeat(22)}/`;

export interface RotationFunctionProps {
  /** Name of the function, its role and (with the /aws/lambda/ prefix) its log group. */
  readonly name: string;
  /** The zip built from lambda/ (must exist at synth). */
  readonly zipPath: string;
  readonly environment: Record<string, string>;
  readonly logRetentionInDays: number;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/** The identifiers a rotation function needs to rotate one user's keys in one secret. */
export interface RotationGrant {
  readonly secretArn: string;
  readonly userArn: string;
  /** Name of the secret, to size the role's policies (its ARN is only known at plan time). */
  readonly secretName: string;
  readonly userName: string;
  /**
   * The user's IAM path, to size the role's policies.
   * @default - unknown: sized for a path of 24 characters
   */
  readonly userPath?: string;
}

/** One customer managed policy holding the grants of consecutive users, and its attachment to the role. */
interface UserPolicy {
  readonly grants: RotationGrant[];
  readonly policy: IamPolicy;
  readonly attachment: IamRolePolicyAttachment;
}

/**
 * The Lambda function Secrets Manager invokes for each rotation step, with its log group and its role. The
 * role's inline policy covers the function's own needs (logs, the secrets' key); the grants on the secrets
 * and users registered through `grantRotation` go to customer managed policies, because IAM limits a role's
 * inline policies to 10,240 characters in all, which about 70 users exceed.
 */
export class RotationFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  /** Logs and, with a customer managed key, key use. */
  readonly rolePolicy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  /** Lets Secrets Manager invoke the function; rotations depend on it. */
  readonly invokePermission: LambdaPermission;

  private readonly name: string;
  private readonly tags: Record<string, string>;
  private readonly policies: UserPolicy[] = [];
  /** Resources that must depend on every policy of the role, including those of users granted later. */
  private readonly waitingForPolicies: TerraformResource[] = [];
  /**
   * What each rotation depends on: the invoke permission, every policy of the role and every attachment. Made
   * once: each `dependable` is a new token, costly when there are hundreds of rotations.
   */
  private readonly rotationDependencies: string[];
  private kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    if (!fs.existsSync(props.zipPath)) {
      throw new Error(`The rotation function's zip ${props.zipPath} does not exist: run npm run build:lambda (or set \`functionZipPath\`)`);
    }
    this.name = props.name;
    this.tags = props.tags;
    const { context } = props;

    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: `/aws/lambda/${props.name}`,
      retentionInDays: props.logRetentionInDays,
      tags: props.tags,
    });

    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: 'Rotates the IAM access keys stored in the managed Secrets Manager secrets',
      assumeRolePolicy: policyJson([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]),
      tags: props.tags,
    });

    this.rolePolicy = new IamRolePolicy(this, 'role-policy', {
      name: 'rotate-access-keys',
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyJson(this.functionStatements(context)) }),
    });

    // The asset hash is a content hash, so the copied file's path (and the plan) change only with the code.
    const asset = new TerraformAsset(this, 'code', { path: props.zipPath, type: AssetType.FILE });
    this.function = new LambdaFunction(this, 'function', {
      functionName: props.name,
      description: 'Secrets Manager rotation function for IAM user access keys',
      role: this.role.arn,
      handler: HANDLER,
      runtime: RUNTIME,
      timeout: TIMEOUT_SECONDS,
      memorySize: MEMORY_MB,
      filename: asset.path,
      // What Lambda reports as CodeSha256, computed by Terraform from the very file it uploads.
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      environment: { variables: props.environment },
      tags: props.tags,
    });
    // The log group: otherwise Lambda may create it first (no retention) and Terraform then fails to create
    // it. The role's policies (the managed ones are added as users are granted): a function invoked before
    // them fails its first rotation.
    const rolePolicyDependency = dependable(this.rolePolicy);
    this.function.dependsOn = [dependable(this.logGroup), rolePolicyDependency];
    this.waitingForPolicies.push(this.function);

    this.invokePermission = new LambdaPermission(this, 'secrets-manager-invoke', {
      statementId: 'AllowSecretsManagerInvoke',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: SECRETS_MANAGER_PRINCIPAL,
      // Confused-deputy guard: only Secrets Manager acting for this account may invoke the function.
      sourceAccount: context.accountId,
    });
    this.rotationDependencies = [dependable(this.invokePermission), rolePolicyDependency];

    this.node.addValidation({ validate: () => this.policyProblems() });
  }

  /**
   * Allow rotating `userArn`'s access keys through `secretArn`. Users fill the managed policies in the order
   * they are granted, each policy up to IAM's size limit, so a user granted last changes only the last policy.
   */
  grantRotation(grant: RotationGrant): void {
    const last = this.policies.at(-1);
    if (last !== undefined && sizeOfUserPolicy([...last.grants, grant]) <= MANAGED_POLICY_SIZE_LIMIT) {
      last.grants.push(grant);
    } else {
      this.policies.push(this.newUserPolicy([grant]));
    }
  }

  /** Allow using a customer managed key, only through Secrets Manager. */
  grantKeyUse(kmsKeyArn: string): void {
    this.kmsKeyArn = kmsKeyArn;
  }

  /** The customer managed policies with the grants on the managed secrets and users, in the users' order. */
  get userPolicies(): IamPolicy[] {
    return this.policies.map(({ policy }) => policy);
  }

  /**
   * Makes a rotation depend on the invoke permission and on every policy of the role, also those created for
   * users granted later: its first run starts as soon as it is created, and must find the function allowed to
   * do its work.
   */
  addRotation(rotation: SecretsmanagerSecretRotation): void {
    rotation.dependsOn = [...(rotation.dependsOn ?? []), ...this.rotationDependencies];
    this.waitingForPolicies.push(rotation);
  }

  private newUserPolicy(grants: RotationGrant[]): UserPolicy {
    const part = this.policies.length + 1;
    const policy = new IamPolicy(this, `user-policy-${part}`, {
      name: `${this.name}-managed-users-${part}`,
      description: `Lets the rotation function ${this.name} rotate the access keys of its managed users (part ${part})`,
      policy: Lazy.stringValue({ produce: () => policyJson(userStatements(grants)) }),
      tags: this.tags,
    });
    const attachment = new IamRolePolicyAttachment(this, `user-policy-${part}-attachment`, {
      role: this.role.name,
      policyArn: policy.arn,
    });
    const dependencies = [dependable(policy), dependable(attachment)];
    this.rotationDependencies.push(...dependencies);
    for (const resource of this.waitingForPolicies) resource.dependsOn = [...(resource.dependsOn ?? []), ...dependencies];
    return { grants, policy, attachment };
  }

  private functionStatements(context: AwsContext): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${this.logGroup.arn}:*`],
      },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({
        Sid: 'UseSecretsKeyThroughSecretsManager',
        Effect: 'Allow',
        // What Secrets Manager calls for the function: GenerateDataKey to store a value, Decrypt to read one.
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [this.kmsKeyArn],
        Condition: viaSecretsManager(context.region, context.dnsSuffix),
      });
    }
    return statements;
  }

  private policyProblems(): string[] {
    const problems: string[] = [];
    const users = this.policies.reduce((count, { grants }) => count + grants.length, 0);
    if (this.policies.length > MANAGED_POLICIES_PER_ROLE) {
      problems.push(
        `${users} users need ${this.policies.length} managed policies of at most ${MANAGED_POLICY_SIZE_LIMIT} characters on the ` +
          `rotation role, more than the ${MANAGED_POLICIES_PER_ROLE} IAM allows per role by default: split the users across ` +
          'several IamAccessKeyRotation constructs (each with its own `name`), or shorten the secret names',
      );
    }
    let first = 1;
    for (const { grants } of this.policies) {
      const size = sizeOfUserPolicy(grants);
      if (size > MANAGED_POLICY_SIZE_LIMIT) {
        const range = `${first}-${first + grants.length - 1}`;
        problems.push(`the policy for users ${range} of ${users} may reach ${size} characters, more than IAM's limit of ${MANAGED_POLICY_SIZE_LIMIT}: shorten the secret names`);
      }
      first += grants.length;
    }
    return problems;
  }
}

/** The grants on the secrets and users of a managed policy. */
function userStatements(grants: readonly Pick<RotationGrant, 'secretArn' | 'userArn'>[]): PolicyStatement[] {
  const secrets = grants.map(({ secretArn }) => secretArn);
  return [
    {
      Sid: 'RotateManagedSecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      Resource: secrets,
    },
    {
      // The attempt marker (see contract.ts): this tag only, so the function can never move the user tag.
      Sid: 'MarkRotationAttempts',
      Effect: 'Allow',
      Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
      Resource: secrets,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [ATTEMPT_TAG_KEY] } },
    },
    {
      Sid: 'ManageAccessKeysOfManagedUsers',
      Effect: 'Allow',
      Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey'],
      Resource: grants.map(({ userArn }) => userArn),
    },
  ];
}

/** The size IAM will count for a policy with these grants, whatever partition, region and account it lands in. */
function sizeOfUserPolicy(grants: readonly RotationGrant[]): number {
  const standIns = grants.map((grant) => ({
    secretArn: sizingSecretArn(grant.secretName),
    userArn: sizingUserArn(grant.userName, grant.userPath ?? UNKNOWN_USER_PATH),
  }));
  return policySize(policyJson(userStatements(standIns)));
}
