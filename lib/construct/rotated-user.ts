import { Construct } from 'constructs';
import { DataAwsIamUser } from '@cdktf/provider-aws/lib/data-aws-iam-user';
import { IamUser, IamUserConfig } from '@cdktf/provider-aws/lib/iam-user';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import {
  ATTEMPT_TAG_KEY,
  PREVIOUS_KEY_POLICY_TAG_KEY,
  PreviousKeyAction,
  PreviousKeyInUseAction,
  USER_TAG_KEY,
} from '../../core/contract';
import { ArnParts } from '../grants/policy';
import { readerAccount, secretReadPolicy } from './readers';
import { RotationFunction } from './rotation-function';
import { RotationSchedule, rotationRules } from './schedule';
import { secretArnPattern } from './secret-names';

/** One IAM user whose access key is rotated, as listed in `IamAccessKeyRotationProps.users`. */
export interface RotatedUserOptions {
  /** IAM user name: 1-64 characters of letters, digits and _+=,.@- (unique, case-insensitively). */
  readonly name: string;
  /**
   * Name of the secret holding the user's current key.
   * @default - `<secretNamePrefix of the IamAccessKeyRotation><user name>`, e.g. iam-key-rotation/alice
   */
  readonly secretName?: string;
  /**
   * This user's rotation schedule, replacing the shared one.
   * @default - the `schedule` of the IamAccessKeyRotation
   */
  readonly schedule?: RotationSchedule;
  /**
   * Create the IAM user in this stack. Otherwise the user must exist and is looked up by name.
   * @default false
   */
  readonly createUser?: boolean;
  /**
   * This user's `previousKeyAction` (see the IamAccessKeyRotation's). Setting any of the three previous-key props
   * tags the user's secret `iam-key-rotation:previous-key` with the user's whole policy.
   * @default - the `previousKeyAction` of the IamAccessKeyRotation
   */
  readonly previousKeyAction?: PreviousKeyAction;
  /**
   * This user's grace period, in days, 1 to 365 and less than the user's rotation interval; only with the action
   * 'deactivate-after-grace'.
   * @default - the `previousKeyGraceDays` of the IamAccessKeyRotation
   */
  readonly previousKeyGraceDays?: number;
  /**
   * What the sweep does with this user's previous key when it was used after the rotation: 'hold' or 'deactivate'.
   * @default - the `previousKeyInUse` of the IamAccessKeyRotation
   */
  readonly previousKeyInUse?: PreviousKeyInUseAction;
  /**
   * More principals that may read this user's secret, besides the IamAccessKeyRotation's `readers`; a key the
   * IamAccessKeyRotation creates lets them decrypt this secret only.
   * @default - none
   */
  readonly readers?: string[];
}

export interface RotatedUserProps {
  readonly userName: string;
  readonly secretName: string;
  readonly schedule: RotationSchedule;
  readonly createUser: boolean;
  readonly rotationFunction: RotationFunction;
  /** @default - the AWS managed key aws/secretsmanager */
  readonly kmsKeyArn?: string;
  readonly recoveryWindowInDays: number;
  readonly tags: Record<string, string>;
  /** The user's own previous-key policy, as formatPreviousKeyPolicy writes it; none when the stack's applies. */
  readonly previousKeyPolicy?: string;
  /** Principals the secret's resource policy lets read it; none: no resource policy. */
  readonly readers: string[];
  /** The role that rotates the secret (the function's or its grant role), which the readers' Denies leave alone. */
  readonly rotationRoleArn: string;
  /**
   * The stack's account, when the secrets use the AWS managed key: a reader in another account could not decrypt, so
   * the plan fails with a clear message instead.
   */
  readonly sameAccountReadersIn?: string;
  readonly arnParts: ArnParts;
}

/**
 * A user the stack creates. The rotation, not Terraform, creates its keys: without force_destroy IAM refuses to delete
 * a user that still holds them, so removing the user from the stack could never apply.
 */
export function createdUserConfig(userName: string, tags: Record<string, string>): IamUserConfig {
  return { name: userName, forceDestroy: true, tags };
}

/** The managed secret's description, naming its user. */
export function secretDescription(userName: string): string {
  return `Access key of IAM user ${userName}, rotated by iam-key-rotation`;
}

/** The rotation function writes the attempt tag while it rotates: it is not drift. */
export const SECRET_LIFECYCLE = { ignoreChanges: [`tags["${ATTEMPT_TAG_KEY}"]`] };

/**
 * A secret under the AWS managed key cannot be read from another account: the plan fails, naming the secret, unless
 * every account of `accounts` (a Terraform list of account ids) is `accountId`.
 */
export function sameAccountReadersPrecondition(
  accounts: string,
  accountId: string,
  secretName: string,
): { condition: string; errorMessage: string } {
  return {
    condition: `\${alltrue([for account in ${accounts} : account == ${accountId}])}`,
    errorMessage: `The readers of secret ${secretName} include another account, which cannot decrypt a secret under the AWS managed key aws/secretsmanager: set encryption to 'customer-managed'.`,
  };
}

/**
 * A managed secret for one IAM user and its rotation. Terraform never writes the secret's value: the first
 * rotation (`rotate_immediately`) creates the user's first managed key, so no key ever reaches the state.
 */
export class RotatedUser extends Construct {
  readonly userName: string;
  /** The user's ARN (with its IAM path), from the created user or the lookup. */
  readonly userArn: string;
  /** Present when `createUser` is true. */
  readonly user: IamUser | undefined;
  readonly secret: SecretsmanagerSecret;
  readonly rotation: SecretsmanagerSecretRotation;
  /** Present when the secret has readers. */
  readonly readPolicy: SecretsmanagerSecretPolicy | undefined;

  constructor(scope: Construct, id: string, props: RotatedUserProps) {
    super(scope, id);
    this.userName = props.userName;
    // The grants name the user through these references, so the policies (and the first rotation after them) come
    // after the created user, and a lookup fails the plan early when the user is missing. The lookup's name is the
    // one IAM stores, whatever its case in the config.
    let grantedName: string;
    if (props.createUser) {
      this.user = new IamUser(this, 'user', createdUserConfig(props.userName, props.tags));
      this.userArn = this.user.arn;
      grantedName = this.user.name;
    } else {
      const lookup = new DataAwsIamUser(this, 'user', { userName: props.userName });
      this.userArn = lookup.arn;
      grantedName = lookup.userName;
    }

    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.secretName,
      description: secretDescription(props.userName),
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.recoveryWindowInDays,
      tags: {
        ...props.tags,
        [USER_TAG_KEY]: props.userName,
        ...(props.previousKeyPolicy !== undefined ? { [PREVIOUS_KEY_POLICY_TAG_KEY]: props.previousKeyPolicy } : {}),
      },
      lifecycle: SECRET_LIFECYCLE,
    });

    if (props.readers.length > 0) {
      const accounts = [...new Set(props.readers.map(readerAccount))];
      this.readPolicy = new SecretsmanagerSecretPolicy(this, 'read-policy', {
        secretArn: this.secret.arn,
        policy: secretReadPolicy(props.readers, props.rotationRoleArn),
        // Secrets Manager refuses a policy that would open the secret to everyone.
        blockPublicPolicy: true,
        ...(props.sameAccountReadersIn === undefined
          ? {}
          : {
              lifecycle: {
                precondition: [
                  sameAccountReadersPrecondition(
                    JSON.stringify(accounts),
                    props.sameAccountReadersIn,
                    props.secretName,
                  ),
                ],
              },
            }),
      });
    }

    props.rotationFunction.grantRotation({
      // From the secret's name (a reference: the grant waits for the secret), so the plan shows the policy whole.
      secretArn: secretArnPattern(props.arnParts, this.secret.name),
      secretName: props.secretName,
      userName: grantedName,
      configuredUserName: props.userName,
    });
    this.rotation = new SecretsmanagerSecretRotation(this, 'rotation', {
      secretId: this.secret.id,
      rotationLambdaArn: props.rotationFunction.function.arn,
      rotationRules: rotationRules(props.schedule),
      rotateImmediately: true,
    });
    // The first rotation starts at creation: it needs the invoke permission and all of the role's policies.
    props.rotationFunction.addRotation(this.rotation, props.secretName);
  }
}
