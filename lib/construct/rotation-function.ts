import * as fs from 'fs';
import { Construct } from 'constructs';
import { AssetType, Fn, ITerraformIterator, Lazy, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import { grantRoleIndex } from '../../core/contract';
import { FUNCTION_HANDLER, FUNCTION_RUNTIME } from '../../core/function-package';
import { SECRETS_MANAGER_SECRET_ACTIONS } from '../grants/secrets-manager-actions';
import { AwsContext } from '../synthesis/aws-context';
import { dependencyOn } from '../synthesis/depends-on';
import { GrantRole } from '../grants/grant-role';
import { grantRoleArns, grantRoleNamePrefix } from '../grants/grant-role-count';
import {
  ArnParts,
  LONGEST_ARN_PARTS,
  LONGEST_DNS_SUFFIX,
  MANAGED_POLICY_SIZE_LIMIT,
  PolicyStatement,
  ROLE_INLINE_POLICIES_SIZE_LIMIT,
  logGroupArn,
  policyJson,
  policySize,
  regionalArn,
  roleArn,
  viaSecretsManager,
} from '../grants/policy';
import { secretArnPattern } from './secret-names';
import { isUnresolved } from '../validation/validation';
import { GrantPolicies } from '../grants/grant-policies';
import { RotationGrant, grantPolicySize } from '../grants/grant-policy';

export type { RotationGrant } from '../grants/grant-policy';

/** Fixed by the handler's contract with the build (dist/lambda/index.js exports `handler`); the plan review checks both. */
const HANDLER = FUNCTION_HANDLER;
const RUNTIME = FUNCTION_RUNTIME;
/**
 * Lambda's longest: the daily sweep walks every managed secret (a few calls each) in one invocation, up to a whole
 * account's 5,000. A rotation step needs far less, and testSecret's retries have their own budget (testBudgetMs).
 */
const TIMEOUT_SECONDS = 900;
/** The AWS SDK clients need little; 256 MB also buys a faster CPU share than the 128 MB minimum. */
const MEMORY_MB = 256;
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';
/** Lambda's limit for a function's resource-based policy, in bytes. */
const FUNCTION_POLICY_SIZE_LIMIT = 20_480;
/** Stand-in for a customer managed key's ARN, as long as a multi-Region key's (`mrk-` and 32 hex digits). */
const SIZING_KMS_KEY_ARN = regionalArn(LONGEST_ARN_PARTS, 'kms', `key/mrk-${'0'.repeat(32)}`);
const SECRET_NAMES_HINT = 'name them under one prefix and set `secretNamePrefix` to it';

export interface RotationFunctionProps {
  /** Name of the function, its role and (with the /aws/lambda/ prefix) its log group. */
  readonly name: string;
  /** The zip built from lambda/ (must exist at synth). */
  readonly zipPath: string;
  /**
   * Where Terraform reads the zip, when the stack ships it itself, e.g. `${path.module}/lambda.zip` in a plain module
   * (a path relative to the working directory would resolve against the root module). The code hash is read from it.
   * @default - a copy of `zipPath` among the stack's assets
   */
  readonly filename?: string;
  readonly environment: Record<string, string>;
  readonly logRetentionInDays: number;
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
  /**
   * The stack's secrets, as secret-name patterns (lib/construct/secret-names.ts): Secrets Manager may invoke the function for
   * these only, and the role is denied every other secret.
   */
  readonly secretNamePatterns: readonly string[];
  /**
   * The exact names of the stack's secrets: the role's Deny names each one (`...:secret:<name>-??????`) instead of
   * `secretNamePatterns` where IAM's inline policy limit allows, so that no other secret under the prefix can be lent
   * to the role. Names known only at plan time leave the Deny on the patterns.
   * @default - the Deny names `secretNamePatterns`
   */
  readonly secretNames?: readonly string[];
  /**
   * Grant roles holding the grants on secrets and users (see grantRoleIndex in core/contract.ts and lib/grants/grant-role-count.ts);
   * 0: the function's own role holds them.
   */
  readonly grantRoleCount: number;
  /** Managed policies a role may have (IAM's quota: 10 unless raised, at most 20). */
  readonly managedPoliciesPerRole: number;
  /** The function's reserved concurrency: how many invocations may run at once; -1 for no reservation. */
  readonly reservedConcurrency: number;
}

/** What the inline policy names besides partition, region and account. */
interface FunctionPolicyNames {
  readonly logGroupArn: string;
  /** A given key of the secrets; a created key's policy names the roles itself. */
  readonly kmsKeyArn: string | undefined;
  readonly notifications: PublishGrant | undefined;
  /** The partition's domain (amazonaws.com, amazonaws.com.cn in China). */
  readonly dnsSuffix: string;
  /** The grant roles the function assumes (none when its own role holds the grants). */
  readonly grantRoleArns: readonly string[];
}

/** The notifications topic the function publishes to (a created topic's key policy lets the role use its key). */
export interface PublishGrant {
  readonly topicArn: string;
}

/**
 * The Lambda function Secrets Manager invokes for each rotation step, with its log group and its role. The role's
 * inline policy covers the function's own needs (logs, the secrets' key); the grants on the secrets and users
 * registered through `grantRotation` go to customer managed policies, because IAM limits a role's inline policies to
 * 10,240 characters in all, which about 70 users exceed. A fleet too large for one role's managed policies is split
 * over grant roles that the function assumes (`grantRoleCount`).
 */
export class RotationFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  /** Logs and, with a customer managed key, key use. */
  readonly rolePolicy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  /** Let Secrets Manager invoke the function for the stack's secrets, one per secret-name pattern; rotations depend on them. */
  readonly invokePermissions: LambdaPermission[];
  /** The roles holding the grants on secrets and users, when the function's own role cannot hold them all. */
  readonly grantRoles: GrantRole[];

  private readonly name: string;
  private readonly context: AwsContext;
  private readonly secretNamePatterns: readonly string[];
  private readonly secretNames: readonly string[] | undefined;
  private readonly managedPoliciesPerRole: number;
  /** The grants on the function's own role, without grant roles. */
  private readonly functionRolePolicies: GrantPolicies;
  /** What each rotation depends on besides the policies of its role: the invoke permissions and the inline policy. */
  private readonly rotationDependencies: string[];
  private kmsKeyArn: string | undefined;
  private notifications: PublishGrant | undefined;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    if (!fs.existsSync(props.zipPath)) {
      throw new Error(
        `The rotation function's zip ${props.zipPath} does not exist: build it with npm run build:lambda in the iam-key-rotation repository, reinstall the package, or set \`functionZipPath\``,
      );
    }
    this.name = props.name;
    this.context = props.context;
    this.secretNamePatterns = props.secretNamePatterns;
    this.secretNames = props.secretNames;
    this.managedPoliciesPerRole = props.managedPoliciesPerRole;

    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: functionLogGroupName(props.name),
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

    this.grantRoles = Array.from(
      { length: props.grantRoleCount },
      (_, index) =>
        new GrantRole(this, `key-role-${index + 1}`, {
          name: `${grantRoleNamePrefix(props.name)}${index + 1}`,
          functionRoleArn: roleArn(props.context.arnParts, this.role.name),
          inlineStatements: () =>
            this.grantRoleStatements(
              this.context.arnParts,
              this.kmsKeyArn,
              this.context.dnsSuffix,
              this.denyNamePatterns(),
            ),
          tags: props.tags,
          arnParts: props.context.arnParts,
        }),
    );

    this.rolePolicy = new IamRolePolicy(this, 'role-policy', {
      name: 'rotate-access-keys',
      role: this.role.name,
      policy: Lazy.stringValue({
        produce: () =>
          policyJson(
            this.functionStatements(
              this.context.arnParts,
              {
                logGroupArn: logGroupArn(this.context.arnParts, this.logGroup.name),
                kmsKeyArn: this.kmsKeyArn,
                notifications: this.notifications,
                dnsSuffix: this.context.dnsSuffix,
                grantRoleArns: this.grantRoles.map(({ role }) => roleArn(this.context.arnParts, role.name)),
              },
              this.denyNamePatterns(),
            ),
          ),
      }),
    });
    this.functionRolePolicies = new GrantPolicies(this, 'user-policy-', {
      roleName: this.role.name,
      namePrefix: `${props.name}-managed-users-`,
      description: `Lets the rotation function ${props.name} rotate the access keys of its managed users`,
      tags: props.tags,
      arnParts: props.context.arnParts,
    });

    // The asset hash is a content hash, so the copied file's path (and the plan) change only with the code.
    const filename =
      props.filename ?? new TerraformAsset(this, 'code', { path: props.zipPath, type: AssetType.FILE }).path;
    this.function = new LambdaFunction(this, 'function', {
      functionName: props.name,
      description: 'Secrets Manager rotation function for IAM user access keys',
      role: this.role.arn,
      handler: HANDLER,
      runtime: RUNTIME,
      timeout: TIMEOUT_SECONDS,
      memorySize: MEMORY_MB,
      reservedConcurrentExecutions: props.reservedConcurrency,
      filename,
      // What Lambda reports as CodeSha256, computed by Terraform from the very file it uploads.
      sourceCodeHash: Fn.filebase64sha256(filename),
      environment: { variables: props.environment },
      tags: props.tags,
    });
    // The log group: otherwise Lambda may create it first (no retention) and Terraform then fails to create
    // it. The role's policies (the managed ones are added as users are granted): a function invoked before
    // them fails its first rotation.
    const rolePolicyDependency = dependencyOn(this.rolePolicy);
    this.function.dependsOn = [dependencyOn(this.logGroup), rolePolicyDependency];
    this.functionRolePolicies.addDependent(this.function);

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
    this.rotationDependencies = [
      ...this.invokePermissions.map((permission) => dependencyOn(permission)),
      rolePolicyDependency,
    ];

    this.node.addValidation({ validate: () => this.policyProblems() });
  }

  /**
   * Allow rotating the user's access keys through the secret: on the grant role of the secret's share, or on the
   * function's own role. Users fill a role's managed policies in the order they are granted, each policy up to IAM's
   * size limit, so a user granted last changes only the last policy.
   */
  grantRotation(grant: RotationGrant): void {
    this.policiesFor(grant.secretName).add(grant);
  }

  /**
   * Allow rotating the keys of users only Terraform knows (the plain module's), on the function's own role: one managed
   * policy per element of `parts` (a `for_each` whose key is `partKey`), each `policy`. The caller sizes the parts.
   */
  grantRotationForEach(parts: ITerraformIterator, partKey: string, policy: string): void {
    this.functionRolePolicies.addForEach(parts, partKey, policy);
  }

  /**
   * Allow using a given customer managed key, only through Secrets Manager. A key the construct creates needs no
   * grant here: its policy names the roles (its ARN is only known after apply, which would hide this policy from the plan).
   */
  grantKeyUse(kmsKeyArn: string): void {
    this.kmsKeyArn = kmsKeyArn;
  }

  /** Allow publishing the sweep's findings to the notifications topic. */
  grantPublish(grant: PublishGrant): void {
    this.notifications = grant;
  }

  /**
   * The roles that act on the secrets, and so use their key: the grant roles, or else the function's own role. Their
   * ARNs are built from their names, so a policy naming them also waits for them.
   */
  get secretRoleArns(): string[] {
    const roles = this.grantRoles.length > 0 ? this.grantRoles.map(({ role }) => role) : [this.role];
    return roles.map((role) => roleArn(this.context.arnParts, role.name));
  }

  /** The customer managed policies with the grants on the managed secrets and users, role by role, in the users' order. */
  get grantPolicies(): IamPolicy[] {
    return [
      ...this.functionRolePolicies.policies,
      ...this.grantRoles.flatMap(({ grantPolicies }) => grantPolicies.policies),
    ];
  }

  /**
   * Makes the rotation of `secretName` depend on the invoke permissions and on every policy of the role that holds
   * its grants, also those created for users granted later: its first run starts as soon as it is created, and must
   * find the function allowed to do its work.
   */
  addRotation(rotation: SecretsmanagerSecretRotation, secretName: string): void {
    rotation.dependsOn = [...(rotation.dependsOn ?? []), ...this.rotationDependencies];
    const grantRole = this.grantRoleOf(secretName);
    if (grantRole === undefined) this.functionRolePolicies.addDependent(rotation);
    else grantRole.addDependent(rotation);
  }

  private grantRoleOf(secretName: string): GrantRole | undefined {
    return this.grantRoles.length === 0
      ? undefined
      : this.grantRoles[grantRoleIndex(secretName, this.grantRoles.length)];
  }

  private policiesFor(secretName: string): GrantPolicies {
    return this.grantRoleOf(secretName)?.grantPolicies ?? this.functionRolePolicies;
  }

  /**
   * The inline policy: the function's own needs and the Deny that fences it in to the stack's secrets; with grant roles,
   * leave to them the secrets and their key, and assume them.
   */
  private functionStatements(
    parts: ArnParts,
    names: FunctionPolicyNames,
    denyPatterns: readonly string[],
  ): PolicyStatement[] {
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
      denySecretsOutsideTheStack(parts, denyPatterns),
    ];
    if (names.grantRoleArns.length > 0) {
      statements.push({
        Sid: 'AssumeKeyRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [...names.grantRoleArns],
      });
    } else if (names.kmsKeyArn !== undefined) {
      statements.push(useSecretsKey(names.kmsKeyArn, parts, names.dnsSuffix));
    }
    if (names.notifications !== undefined) {
      statements.push({
        Sid: 'PublishNotifications',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: [names.notifications.topicArn],
      });
    }
    return statements;
  }

  /** A grant role's inline policy: the same fence as the function's role, and the secrets' key. */
  private grantRoleStatements(
    parts: ArnParts,
    kmsKeyArn: string | undefined,
    dnsSuffix: string,
    denyPatterns: readonly string[],
  ): PolicyStatement[] {
    return [
      denySecretsOutsideTheStack(parts, denyPatterns),
      ...(kmsKeyArn !== undefined ? [useSecretsKey(kmsKeyArn, parts, dnsSuffix)] : []),
    ];
  }

  /** What the inline policy names, as long as each name can get wherever the stack is deployed. */
  private sizingNames(): FunctionPolicyNames {
    return {
      logGroupArn: logGroupArn(LONGEST_ARN_PARTS, functionLogGroupName(this.name)),
      kmsKeyArn: this.kmsKeyArn === undefined ? undefined : SIZING_KMS_KEY_ARN,
      // A topic name can have 256 characters.
      notifications:
        this.notifications === undefined
          ? undefined
          : { topicArn: regionalArn(LONGEST_ARN_PARTS, 'sns', 't'.repeat(256)) },
      dnsSuffix: LONGEST_DNS_SUFFIX,
      grantRoleArns: grantRoleArns(LONGEST_ARN_PARTS, this.name, this.grantRoles.length),
    };
  }

  /**
   * The secret-name patterns the Deny leaves out: each secret's exact name where the role's inline policy (and a key
   * role's) stays within IAM's limit with them, sized with the longest ARN parts; else `secretNamePatterns`.
   */
  private denyNamePatterns(): readonly string[] {
    const names = this.secretNames;
    if (names === undefined || names.length === 0 || names.some(isUnresolved)) return this.secretNamePatterns;
    const exact = [...new Set(names)];
    const fits = (statements: PolicyStatement[]): boolean =>
      policySize(policyJson(statements)) <= ROLE_INLINE_POLICIES_SIZE_LIMIT;
    const functionFits = fits(this.functionStatements(LONGEST_ARN_PARTS, this.sizingNames(), exact));
    const keyRolesFit =
      this.grantRoles.length === 0 ||
      fits(this.grantRoleStatements(LONGEST_ARN_PARTS, SIZING_KMS_KEY_ARN, LONGEST_DNS_SUFFIX, exact));
    return functionFits && keyRolesFit ? exact : this.secretNamePatterns;
  }

  private policyProblems(): string[] {
    const problems: string[] = [];
    const inlineSize = policySize(
      policyJson(this.functionStatements(LONGEST_ARN_PARTS, this.sizingNames(), this.denyNamePatterns())),
    );
    if (inlineSize > ROLE_INLINE_POLICIES_SIZE_LIMIT) {
      problems.push(
        `the rotation role's inline policy may reach ${inlineSize} characters, more than IAM's limit of ${ROLE_INLINE_POLICIES_SIZE_LIMIT}: ` +
          `its Deny names each of the ${this.secretNamePatterns.length} secret-name patterns` +
          (this.grantRoles.length > 0 ? ` and AssumeKeyRoles each of the ${this.grantRoles.length} grant roles` : '') +
          `; ${SECRET_NAMES_HINT}`,
      );
    }
    const permissionsSize = functionPolicySize(this.name, this.secretNamePatterns);
    if (permissionsSize > FUNCTION_POLICY_SIZE_LIMIT) {
      problems.push(
        `the function's ${this.secretNamePatterns.length} invoke permissions (one per secret-name pattern) may reach ${permissionsSize} bytes, ` +
          `more than Lambda's limit of ${FUNCTION_POLICY_SIZE_LIMIT} for a function policy; ${SECRET_NAMES_HINT}`,
      );
    }
    const roles: [string, GrantPolicies][] = [
      ['the rotation role', this.functionRolePolicies],
      ...this.grantRoles.map(({ grantPolicies }, index): [string, GrantPolicies] => [
        `the grant role ${grantRoleNamePrefix(this.name)}${index + 1}`,
        grantPolicies,
      ]),
    ];
    const users = roles.reduce((count, [, policies]) => count + policies.grantsByPolicy.flat().length, 0);
    for (const [label, policies] of roles) {
      const grantsByPolicy = policies.grantsByPolicy;
      if (grantsByPolicy.length > this.managedPoliciesPerRole) {
        problems.push(
          `${users} users need ${grantsByPolicy.length} managed policies of at most ${MANAGED_POLICY_SIZE_LIMIT} characters on ${label}, ` +
            `more than the ${this.managedPoliciesPerRole} IAM allows per role (\`managedPoliciesPerRole\`): raise IAM's quota and \`managedPoliciesPerRole\` ` +
            'with it (up to 20), or shorten the secret names',
        );
      }
      let first = 1;
      for (const grants of grantsByPolicy) {
        const size = grantPolicySize(grants);
        if (size > MANAGED_POLICY_SIZE_LIMIT) {
          const range = `${first}-${first + grants.length - 1}`;
          problems.push(
            `the policy for users ${range} of ${users} may reach ${size} characters, more than IAM's limit of ${MANAGED_POLICY_SIZE_LIMIT}: shorten the secret names`,
          );
        }
        first += grants.length;
      }
    }
    const grantRoleInlineSize = policySize(
      policyJson(
        this.grantRoleStatements(LONGEST_ARN_PARTS, SIZING_KMS_KEY_ARN, LONGEST_DNS_SUFFIX, this.denyNamePatterns()),
      ),
    );
    if (this.grantRoles.length > 0 && grantRoleInlineSize > ROLE_INLINE_POLICIES_SIZE_LIMIT) {
      problems.push(
        `the grant roles' inline policy may reach ${grantRoleInlineSize} characters, more than IAM's limit of ${ROLE_INLINE_POLICIES_SIZE_LIMIT}; ${SECRET_NAMES_HINT}`,
      );
    }
    return problems;
  }
}

/**
 * An explicit Deny beats any Allow, a foreign secret's resource policy included: no secret but those `patterns` name
 * can lend the role access, in this account or another. Every action on a secret, by name: `secretsmanager:*` would
 * also deny ListSecrets, whose resource is `*` (test/lib checks the list against the SDK's commands).
 */
function denySecretsOutsideTheStack(parts: ArnParts, patterns: readonly string[]): PolicyStatement {
  return {
    Sid: 'DenySecretsOutsideTheStack',
    Effect: 'Deny',
    Action: SECRETS_MANAGER_SECRET_ACTIONS,
    NotResource: patterns.map((pattern) => secretArnPattern(parts, pattern)),
  };
}

/** Key use, only through Secrets Manager: GenerateDataKey to store a value, Decrypt to read one. */
function useSecretsKey(kmsKeyArn: string, parts: ArnParts, dnsSuffix: string): PolicyStatement {
  return {
    Sid: 'UseSecretsKeyThroughSecretsManager',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: [kmsKeyArn],
    Condition: viaSecretsManager(parts.region, dnsSuffix),
  };
}

/** Lambda's log group for the function `functionName`. */
function functionLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** The first permission keeps the name it had before there could be several. */
function permissionSuffix(index: number): string {
  return index === 0 ? '' : `-${index + 1}`;
}

/** The fields of the `index`th invoke permission that do not name resources. */
function invokePermissionStatement(index: number): { statementId: string; action: string; principal: string } {
  return {
    statementId: `AllowSecretsManagerInvoke${permissionSuffix(index)}`,
    action: 'lambda:InvokeFunction',
    principal: SECRETS_MANAGER_PRINCIPAL,
  };
}

/** The size of the function's resource-based policy holding one invoke permission per pattern, with the longest ARNs. */
function functionPolicySize(functionName: string, patterns: readonly string[]): number {
  const { account } = LONGEST_ARN_PARTS;
  const functionArn = regionalArn(LONGEST_ARN_PARTS, 'lambda', `function:${functionName}`);
  const statements = patterns.map((pattern, index) => {
    const { statementId, action, principal } = invokePermissionStatement(index);
    return {
      Sid: statementId,
      Effect: 'Allow',
      Principal: { Service: principal },
      Action: action,
      Resource: functionArn,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': account },
        ArnLike: { 'AWS:SourceArn': secretArnPattern(LONGEST_ARN_PARTS, pattern) },
      },
    };
  });
  return Buffer.byteLength(JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }), 'utf8');
}
