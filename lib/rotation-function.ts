import * as fs from 'fs';
import { Construct } from 'constructs';
import { AssetType, Fn, Lazy, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AwsContext } from './aws-context';
import { PolicyStatement, policyJson, viaSecretsManager } from './policy';

/** Fixed by the handler's contract with the build (dist/lambda/index.js exports `handler`). */
const HANDLER = 'index.handler';
const RUNTIME = 'nodejs22.x';
/** Four steps with a bounded STS retry budget fit in a minute; Secrets Manager waits for each step. */
const TIMEOUT_SECONDS = 60;
/** The AWS SDK clients need little; 256 MB also buys a faster CPU share than the 128 MB minimum. */
const MEMORY_MB = 256;
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

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
}

/**
 * The Lambda function Secrets Manager invokes for each rotation step, with its log group, its role and a
 * role policy that covers exactly the secrets, users and key registered through `grant*`.
 */
export class RotationFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  readonly logGroup: CloudwatchLogGroup;
  /** Lets Secrets Manager invoke the function; rotations depend on it. */
  readonly invokePermission: LambdaPermission;

  private readonly grants: RotationGrant[] = [];
  private kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    if (!fs.existsSync(props.zipPath)) {
      throw new Error(`The rotation function's zip ${props.zipPath} does not exist: run npm run build:lambda (or set \`functionZipPath\`)`);
    }

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
      policy: Lazy.stringValue({ produce: () => policyJson(this.statements(props.context.region)) }),
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
      // Otherwise Lambda may create the group first (no retention) and Terraform then fails to create it.
      dependsOn: [this.logGroup],
    });

    this.invokePermission = new LambdaPermission(this, 'secrets-manager-invoke', {
      statementId: 'AllowSecretsManagerInvoke',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: SECRETS_MANAGER_PRINCIPAL,
      // Confused-deputy guard: only Secrets Manager acting for this account may invoke the function.
      sourceAccount: props.context.accountId,
    });
  }

  /** Allow rotating `userArn`'s access keys through `secretArn`. */
  grantRotation(grant: RotationGrant): void {
    this.grants.push(grant);
  }

  /** Allow using a customer managed key, only through Secrets Manager. */
  grantKeyUse(kmsKeyArn: string): void {
    this.kmsKeyArn = kmsKeyArn;
  }

  private statements(region: string): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      {
        Sid: 'RotateManagedSecrets',
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:ListSecretVersionIds',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: this.grants.map((grant) => grant.secretArn),
      },
      {
        Sid: 'ManageAccessKeysOfManagedUsers',
        Effect: 'Allow',
        Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey'],
        Resource: this.grants.map((grant) => grant.userArn),
      },
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
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: [this.kmsKeyArn],
        Condition: viaSecretsManager(region),
      });
    }
    return statements;
  }
}
