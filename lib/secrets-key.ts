import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsContext } from './aws-context';
import { PolicyStatement, policyJson, viaSecretsManager } from './policy';

/** The longest KMS allows: a key scheduled for deletion by mistake can be recovered for a month. */
const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Administration without use: principals the account's IAM policies allow can manage the key, but not
 * encrypt or decrypt with it, nor create grants that would let them (kms:CreateAlias, not kms:Create*, which
 * covers kms:CreateGrant). kms:PutKeyPolicy stays, so the account can never be locked out of the key; it is
 * also how an account administrator could widen the key's use, on the record in CloudTrail.
 */
const KEY_ADMINISTRATION_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Put*',
  'kms:Revoke*',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
];

export interface SecretsKeyProps {
  /** The rotation function's role: it writes and reads the secrets. */
  readonly rotationRoleArn: string;
  /** Principals that read the secrets (decrypt only). */
  readonly readerArns: string[];
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/**
 * A customer managed key (rotated yearly by KMS) that only the rotation role and the readers may use, and only
 * through Secrets Manager. The account administers it (see KEY_ADMINISTRATION_ACTIONS).
 */
export class SecretsKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    const { context } = props;
    const statements: PolicyStatement[] = [
      {
        Sid: 'AccountAdministersKey',
        Effect: 'Allow',
        Principal: { AWS: context.accountRootArn },
        Action: KEY_ADMINISTRATION_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'RotationFunctionUsesKeyThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: props.rotationRoleArn },
        // What Secrets Manager calls for the function: GenerateDataKey to store a value, Decrypt to read one.
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: viaSecretsManager(context.region, context.dnsSuffix),
      },
    ];
    if (props.readerArns.length > 0) {
      statements.push({
        Sid: 'ReadersDecryptThroughSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: props.readerArns },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: viaSecretsManager(context.region, context.dnsSuffix),
      });
    }
    this.key = new KmsKey(this, 'key', {
      description: 'Encrypts the IAM access keys in the iam-key-rotation secrets',
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      policy: policyJson(statements),
      tags: props.tags,
    });
  }
}
