// Reads and drives the rotation state in the emulator with the admin identity: the secret's versions and
// value, the user's keys in IAM, what STS says a key is. Shared by the end-to-end tests and the demo.
import { type AccessKeyMetadata, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Emulator } from './emulator';

/** The secret's value as the rotation function writes it (other fields are preserved and typed loosely). */
export interface StoredAccessKey {
  readonly username: string;
  readonly accesskey: string;
  readonly secretkey: string;
  readonly [field: string]: unknown;
}

/** The secret's labels by version and its tags. */
export interface SecretLabels {
  readonly stages: Readonly<Record<string, readonly string[]>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** What STS says of a key: the identity it authenticates as, or the error code it got. */
export type KeyCheck = { readonly arn: string } | { readonly errorCode: string };

export class RotationState {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;

  /** `maxAttempts`: how often its IAM and Secrets Manager calls are tried (e.g. more while the emulator throttles). */
  constructor(
    private readonly emulator: Emulator,
    clientSettings: { readonly maxAttempts?: number } = {},
  ) {
    this.secretsManager = new SecretsManagerClient({ ...emulator.clientConfig(), ...clientSettings });
    this.iam = new IAMClient({ ...emulator.clientConfig(), ...clientSettings });
  }

  /**
   * Starts a rotation and waits for it: the emulator runs all four steps inside the call. With the token
   * of an unfinished rotation it retries that rotation, as Secrets Manager does.
   */
  async rotate(secretId: string, token?: string): Promise<void> {
    await this.secretsManager.send(new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token }));
  }

  /** The AWSCURRENT value, or undefined before the first rotation. */
  async currentValue(secretId: string): Promise<StoredAccessKey | undefined> {
    return (await this.currentVersion(secretId))?.value;
  }

  /** The AWSCURRENT version's id and value, or undefined before the first rotation. */
  async currentVersion(
    secretId: string,
  ): Promise<{ readonly versionId: string; readonly value: StoredAccessKey } | undefined> {
    try {
      const value = await this.secretsManager.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
      );
      return { versionId: value.VersionId ?? '', value: JSON.parse(value.SecretString ?? '') as StoredAccessKey };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async labels(secretId: string): Promise<SecretLabels> {
    const described = await this.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      stages: described.VersionIdsToStages ?? {},
      tags: Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    };
  }

  async keys(userName: string): Promise<AccessKeyMetadata[]> {
    const listed = await this.iam.send(new ListAccessKeysCommand({ UserName: userName }));
    return listed.AccessKeyMetadata ?? [];
  }

  /** GetCallerIdentity signed with the key (meaningful once IAM auth is on). */
  async checkKey(key: Pick<StoredAccessKey, 'accesskey' | 'secretkey'>): Promise<KeyCheck> {
    const sts = new STSClient({
      ...this.emulator.clientConfig({ accessKeyId: key.accesskey, secretAccessKey: key.secretkey }),
      maxAttempts: 1,
    });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      return { arn: identity.Arn ?? '' };
    } catch (error) {
      return { errorCode: (error as Error).name };
    } finally {
      sts.destroy();
    }
  }

  close(): void {
    this.secretsManager.destroy();
    this.iam.destroy();
  }
}

/** An access key id as the demo shows it: masked as the sweep and the CLI mask it. */
export { maskAccessKeyId as maskKeyId } from '../core/sweep/findings';
