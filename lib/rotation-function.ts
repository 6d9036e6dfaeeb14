import * as fs from 'fs';
import { Construct } from 'constructs';
import { AssetType, Fn, Lazy, TerraformAsset, TerraformResource } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { ATTEMPT_TAG_KEY } from '../contract';
import { SECRETS_MANAGER_SECRET_ACTIONS } from './secrets-manager-actions';
import { AwsContext } from './aws-context';
import { dependencyOn } from './depends-on';
import {
  ArnParts,
  LONGEST_ARN_PARTS,
  MANAGED_POLICIES_PER_ROLE,
  MANAGED_POLICY_SIZE_LIMIT,
  PolicyStatement,
  ROLE_INLINE_POLICIES_SIZE_LIMIT,
  policyJson,
  policySize,
  sizingSecretArn,
  userArnPatterns,
  viaSecretsManager,
  viaService,
} from './policy';
import { secretArnPattern } from './secret-names';

/** Fixed by the handler's contract with the build (dist/lambda/index.js exports `handler`). */
const HANDLER = 'index.handler';
const RUNTIME = 'nodejs22.x';
/**
 * The daily sweep walks every managed secret (a few calls each) in one invocation: five minutes leave room for
 * hundreds. A rotation step needs far less, and testSecret's retries have their own budget (testBudgetMs).
 */
const TIMEOUT_SECONDS = 300;
/** The AWS SDK clients need little; 256 MB also buys a faster CPU share than the 128 MB minimum. */
const MEMORY_MB = 256;
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';
/** Lambda's limit for a function's resource-based policy, in bytes. */
const FUNCTION_POLICY_SIZE_LIMIT = 20_480;
/** Stand-in for a customer managed key's ARN, as long as a multi-Region key's (`mrk-` and 32 hex digits). */
const SIZING_KMS_KEY_ID = `mrk-${'0'.repeat(32)}`;
/** The longest partition domain, for sizing. */
const LONGEST_DNS_SUFFIX = 'amazonaws.com.cn';
const SECRET_NAMES_HINT = 'name them under one prefix and set `secretNamePrefix` to it';

export interface RotationFunctionProps {
  /** Name of the function, its role and (with the /aws/lambda/ prefix) its log group. */
  readonly name: string;
  /** The zip built from lambda/ (must exist at synth). */
  readonly zipPath: string;
  readonly environment: Record<string, string>;
  readonly logRetentionInDays: number;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
  /**
   * The stack's secrets, as secret-name patterns (lib/secret-names.ts): Secrets Manager may invoke the function for
   * these only, and the role is denied every other secret.
   */
  readonly secretNamePatterns: readonly string[];
}

/** The identifiers a rotation function needs to rotate one user's keys in one secret. */
export interface RotationGrant {
  readonly secretArn: string;
  /** Name of the secret, to size the role's policies (its ARN is only known at plan time). */
  readonly secretName: string;
  /** The user's name as policies write it: a reference where the user is a resource or data source of the stack. */
  readonly userName: string;
  /** The user's name as configured, to size the policies (the reference's value has the same length). */
  readonly configuredUserName: string;
}

/** What the inline policy names besides partition, region and account. */
interface FunctionPolicyNames {
  readonly logGroupArn: string;
  readonly kmsKeyArn: string | undefined;
  readonly notifications: PublishGrant | undefined;
  /** The partition's domain (amazonaws.com, amazonaws.com.cn in China). */
  readonly dnsSuffix: string;
}

/** The notifications topic the function publishes to, and its key when the construct created it. */
export interface PublishGrant {
  readonly topicArn: string;
  readonly kmsKeyArn: string | undefined;
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
  /** Let Secrets Manager invoke the function for the stack's secrets, one per secret-name pattern; rotations depend on them. */
  readonly invokePermissions: LambdaPermission[];

  private readonly name: string;
  private readonly tags: Record<string, string>;
  private readonly context: AwsContext;
  private readonly secretNamePatterns: readonly string[];
  private readonly policies: UserPolicy[] = [];
  /** Resources that must depend on every policy of the role, including those of users granted later. */
  private readonly waitingForPolicies: TerraformResource[] = [];
  /** What each rotation depends on: the invoke permission, every policy of the role and every attachment. */
  private readonly rotationDependencies: string[];
  private kmsKeyArn: string | undefined;
  private notifications: PublishGrant | undefined;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    if (!fs.existsSync(props.zipPath)) {
      throw new Error(`The rotation function's zip ${props.zipPath} does not exist: build it with npm run build:lambda in the iam-key-rotation repository, reinstall the package, or set \`functionZipPath\``);
    }
    this.name = props.name;
    this.tags = props.tags;
    this.context = props.context;
    this.secretNamePatterns = props.secretNamePatterns;

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
      policy: Lazy.stringValue({
        produce: () =>
          policyJson(
            this.functionStatements(this.context.arnParts, {
              logGroupArn: this.logGroup.arn,
              kmsKeyArn: this.kmsKeyArn,
              notifications: this.notifications,
              dnsSuffix: this.context.dnsSuffix,
            }),
          ),
      }),
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
    const rolePolicyDependency = dependencyOn(this.rolePolicy);
    this.function.dependsOn = [dependencyOn(this.logGroup), rolePolicyDependency];
    this.waitingForPolicies.push(this.function);

    // Confused-deputy guard: only Secrets Manager acting for this account, and for the stack's secrets, may invoke
    // the function (one permission per pattern: a permission takes one source ARN, a pattern).
    this.invokePermissions = props.secretNamePatterns.map(
      (pattern, index) =>
        new LambdaPermission(this, `secrets-manager-invoke${permissionSuffix(index)}`, {
          ...invokePermissionStatement(index),
          functionName: this.function.functionName,
          sourceAccount: this.context.accountId,
          sourceArn: secretArnPattern(this.context.arnParts, pattern),
        }),
    );
    this.rotationDependencies = [...this.invokePermissions.map((permission) => dependencyOn(permission)), rolePolicyDependency];

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

  /** Allow publishing the sweep's findings to the notifications topic (and using its key, only through SNS). */
  grantPublish(grant: PublishGrant): void {
    this.notifications = grant;
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
      policy: Lazy.stringValue({ produce: () => policyJson(userStatements(grants, this.context.arnParts)) }),
      tags: this.tags,
    });
    const attachment = new IamRolePolicyAttachment(this, `user-policy-${part}-attachment`, {
      role: this.role.name,
      policyArn: policy.arn,
    });
    const dependencies = [dependencyOn(policy), dependencyOn(attachment)];
    this.rotationDependencies.push(...dependencies);
    for (const resource of this.waitingForPolicies) resource.dependsOn = [...(resource.dependsOn ?? []), ...dependencies];
    return { grants, policy, attachment };
  }

  /** The inline policy: the function's own needs, and the Deny that fences it in to the stack's secrets. */
  private functionStatements(parts: ArnParts, names: FunctionPolicyNames): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${names.logGroupArn}:*`],
      },
      {
        // The sweep finds the stack's secrets by listing them; ListSecrets takes no resource but `*`.
        Sid: 'FindManagedSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:ListSecrets',
        Resource: '*',
      },
      {
        // An explicit Deny beats any Allow, a foreign secret's resource policy included: no secret outside the stack
        // can lend the role access, in this account or another. Every action on a secret, by name: `secretsmanager:*`
        // would also deny ListSecrets, whose resource is `*` (test/lib checks the list against the SDK's commands).
        Sid: 'DenySecretsOutsideTheStack',
        Effect: 'Deny',
        Action: SECRETS_MANAGER_SECRET_ACTIONS,
        NotResource: this.secretNamePatterns.map((pattern) => secretArnPattern(parts, pattern)),
      },
    ];
    if (names.kmsKeyArn !== undefined) {
      statements.push({
        Sid: 'UseSecretsKeyThroughSecretsManager',
        Effect: 'Allow',
        // What Secrets Manager calls for the function: GenerateDataKey to store a value, Decrypt to read one.
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [names.kmsKeyArn],
        Condition: viaSecretsManager(parts.region, names.dnsSuffix),
      });
    }
    if (names.notifications !== undefined) {
      statements.push({
        Sid: 'PublishNotifications',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: [names.notifications.topicArn],
      });
      if (names.notifications.kmsKeyArn !== undefined) {
        statements.push({
          Sid: 'UseNotificationsKeyThroughSns',
          Effect: 'Allow',
          // What SNS calls for a publisher to encrypt the message.
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: [names.notifications.kmsKeyArn],
          Condition: viaService('sns', parts.region, names.dnsSuffix),
        });
      }
    }
    return statements;
  }

  private policyProblems(): string[] {
    const problems: string[] = [];
    const { partition, region, account } = LONGEST_ARN_PARTS;
    const inlineSize = policySize(
      policyJson(
        this.functionStatements(LONGEST_ARN_PARTS, {
          logGroupArn: `arn:${partition}:logs:${region}:${account}:log-group:/aws/lambda/${this.name}`,
          kmsKeyArn: this.kmsKeyArn === undefined ? undefined : `arn:${partition}:kms:${region}:${account}:key/${SIZING_KMS_KEY_ID}`,
          notifications:
            this.notifications === undefined
              ? undefined
              : {
                  // A topic name can have 256 characters.
                  topicArn: `arn:${partition}:sns:${region}:${account}:${'t'.repeat(256)}`,
                  kmsKeyArn: this.notifications.kmsKeyArn === undefined ? undefined : `arn:${partition}:kms:${region}:${account}:key/${SIZING_KMS_KEY_ID}`,
                },
          dnsSuffix: LONGEST_DNS_SUFFIX,
        }),
      ),
    );
    if (inlineSize > ROLE_INLINE_POLICIES_SIZE_LIMIT) {
      problems.push(
        `the rotation role's inline policy may reach ${inlineSize} characters, more than IAM's limit of ${ROLE_INLINE_POLICIES_SIZE_LIMIT}: ` +
          `its Deny names each of the ${this.secretNamePatterns.length} secret-name patterns; ${SECRET_NAMES_HINT}`,
      );
    }
    const permissionsSize = functionPolicySize(this.name, this.secretNamePatterns);
    if (permissionsSize > FUNCTION_POLICY_SIZE_LIMIT) {
      problems.push(
        `the function's ${this.secretNamePatterns.length} invoke permissions (one per secret-name pattern) may reach ${permissionsSize} bytes, ` +
          `more than Lambda's limit of ${FUNCTION_POLICY_SIZE_LIMIT} for a function policy; ${SECRET_NAMES_HINT}`,
      );
    }
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

/** The first permission keeps the name it had before there could be several. */
function permissionSuffix(index: number): string {
  return index === 0 ? '' : `-${index + 1}`;
}

/** The fields of the `index`th invoke permission that do not name resources. */
function invokePermissionStatement(index: number): { statementId: string; action: string; principal: string } {
  return { statementId: `AllowSecretsManagerInvoke${permissionSuffix(index)}`, action: 'lambda:InvokeFunction', principal: SECRETS_MANAGER_PRINCIPAL };
}

/** The size of the function's resource-based policy holding one invoke permission per pattern, with the longest ARNs. */
function functionPolicySize(functionName: string, patterns: readonly string[]): number {
  const { partition, region, account } = LONGEST_ARN_PARTS;
  const functionArn = `arn:${partition}:lambda:${region}:${account}:function:${functionName}`;
  const statements = patterns.map((pattern, index) => {
    const { statementId, action, principal } = invokePermissionStatement(index);
    return {
      Sid: statementId,
      Effect: 'Allow',
      Principal: { Service: principal },
      Action: action,
      Resource: functionArn,
      Condition: { StringEquals: { 'AWS:SourceAccount': account }, ArnLike: { 'AWS:SourceArn': secretArnPattern(LONGEST_ARN_PARTS, pattern) } },
    };
  });
  return Buffer.byteLength(JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }), 'utf8');
}

/** The grants on the secrets and users of a managed policy. */
function userStatements(grants: readonly Pick<RotationGrant, 'secretArn' | 'userName'>[], parts: ArnParts): PolicyStatement[] {
  return [
    {
      Sid: 'RotateManagedSecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:ListSecretVersionIds',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
      ],
      Resource: grants.map(({ secretArn }) => secretArn),
      // The attempt marker (see contract.ts) is the only tag key the function may set or remove, so it can never move
      // the user tag. Only TagResource and UntagResource carry aws:TagKeys; for the other actions the key is absent
      // and ForAllValues holds. One statement names each secret once, which keeps about 30 users in a policy.
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [ATTEMPT_TAG_KEY] } },
    },
    {
      Sid: 'ManageAccessKeysOfManagedUsers',
      Effect: 'Allow',
      Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey', 'iam:GetAccessKeyLastUsed'],
      Resource: grants.flatMap(({ userName }) => userArnPatterns(parts, userName)),
    },
  ];
}

/** The size IAM will count for a policy with these grants, whatever partition, region and account it lands in. */
function sizeOfUserPolicy(grants: readonly RotationGrant[]): number {
  const standIns = grants.map((grant) => ({ secretArn: sizingSecretArn(grant.secretName), userName: grant.configuredUserName }));
  return policySize(policyJson(userStatements(standIns, LONGEST_ARN_PARTS)));
}
