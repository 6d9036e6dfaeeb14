import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsContext } from './aws-context';
import { KEY_DELETION_WINDOW_DAYS, accountAdministersKey } from './key-administration';
import { PolicyStatement, policyJson, viaSecretsManager } from './policy';

export interface SecretsKeyProps {
  /** The roles that write and read the secrets for the rotation function (its own, or its key roles). */
  readonly rotationRoleArns: string[];
  /** Principals that read the secrets (decrypt only). */
  readonly readerArns: string[];
  readonly tags: Record<string, string>;
  readonly context: AwsContext;
}

/**
 * A customer managed key (rotated yearly by KMS) that only the rotation roles and the readers may use, and only
 * through Secrets Manager. The account administers it (lib/key-administration.ts).
 */
export class SecretsKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    const { context } = props;
    const statements: PolicyStatement[] = [
      accountAdministersKey(context),
      {
        Sid: 'RotationFunctionUsesKeyThroughSecretsManager',
        Effect: 'Allow',
        // One role as a string, as key policies read it back.
        Principal: { AWS: props.rotationRoleArns.length === 1 ? props.rotationRoleArns[0] : props.rotationRoleArns },
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
