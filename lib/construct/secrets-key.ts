import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KEY_DELETION_WINDOW_DAYS, accountAdministersKey } from '../grants/key-administration';
import { ArnParts, PolicyStatement, policyJson, viaSecretsManager } from '../grants/policy';
import { KeyReaders } from './readers';
import { secretArnPattern } from './secret-names';

/** Where the key lives, as its policy names it (an AwsContext, or stand-ins for sizing). */
export interface KeyPolicyContext {
  readonly arnParts: ArnParts;
  /** The partition's domain for service endpoints (amazonaws.com, amazonaws.com.cn in China). */
  readonly dnsSuffix: string;
  readonly accountRootArn: string;
}

export interface SecretsKeyProps {
  /** The roles that write and read the secrets for the rotation function (its own, or its grant roles). */
  readonly rotationRoleArns: string[];
  /** Principals that read the secrets (decrypt only): of every secret, and of some only. */
  readonly readers: KeyReaders;
  readonly tags: Record<string, string>;
  readonly context: KeyPolicyContext;
}

/** KMS's limit for a key policy, in characters. */
export const KEY_POLICY_SIZE_LIMIT = 32_768;

/**
 * A customer managed key (rotated yearly by KMS) that only the rotation roles and the readers may use, and only
 * through Secrets Manager. The account administers it (lib/grants/key-administration.ts).
 */
export class SecretsKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: 'Encrypts the IAM access keys in the iam-key-rotation secrets',
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      policy: policyJson(secretsKeyStatements(props.context, props.rotationRoleArns, props.readers)),
      tags: props.tags,
    });
  }
}

/**
 * The key policy. A reader of some secrets only may decrypt only those: Secrets Manager names the secret in the
 * encryption context of every call it makes to KMS (`SecretARN`), so the condition holds whatever the reader's own
 * IAM policies allow.
 */
export function secretsKeyStatements(
  context: KeyPolicyContext,
  rotationRoleArns: readonly string[],
  readers: KeyReaders,
): PolicyStatement[] {
  const { region } = context.arnParts;
  const statements: PolicyStatement[] = [
    accountAdministersKey(context),
    {
      Sid: 'RotationFunctionUsesKeyThroughSecretsManager',
      Effect: 'Allow',
      // One role as a string, as key policies read it back.
      Principal: { AWS: rotationRoleArns.length === 1 ? rotationRoleArns[0] : [...rotationRoleArns] },
      // What Secrets Manager calls for the function: GenerateDataKey to store a value, Decrypt to read one.
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: viaSecretsManager(region, context.dnsSuffix),
    },
  ];
  if (readers.everySecret.length > 0) {
    statements.push({
      Sid: 'ReadersDecryptThroughSecretsManager',
      Effect: 'Allow',
      Principal: { AWS: [...readers.everySecret] },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: viaSecretsManager(region, context.dnsSuffix),
    });
  }
  readers.someSecrets.forEach((group, index) => {
    statements.push({
      Sid: `ReadersDecryptTheirSecrets${index + 1}`,
      Effect: 'Allow',
      Principal: { AWS: [...group.readers] },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        ...viaSecretsManager(region, context.dnsSuffix),
        StringLike: {
          'kms:EncryptionContext:SecretARN': group.secretNames.map((name) => secretArnPattern(context.arnParts, name)),
        },
      },
    });
  });
  return statements;
}
