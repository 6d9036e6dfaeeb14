import { GetAccessKeyLastUsedCommand, type IAMClient } from '@aws-sdk/client-iam';
import { ListSecretVersionIdsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PreviousKeyPolicy } from '../contract';
import { isNoSuchEntity } from '../aws-errors';
import { previousKeyPolicyOf, type ResolvedPreviousKeyPolicy } from '../previous-key-policy';
import { versionWithStage } from '../secret/metadata';
import { CURRENT, PENDING, PREVIOUS } from '../secret/stages';
import { parseSecretValue } from '../secret/value';
import type { Stage } from '../secret/stages';
import { getSecretValueIfAny } from '../secret/versions';
import { listUserKeys } from '../user-keys';
import type { ManagedSecret } from './managed-secret-list';

export interface AccessKeyState {
  readonly id: string;
  readonly status: string;
  readonly createdAt?: Date;
}

/** IAM's record of a key's last use; no date means never used. */
export interface KeyLastUse {
  readonly date?: Date;
  readonly service?: string;
  readonly region?: string;
}

/** Everything the sweep and `status` judge a managed secret on: read-only, gathered in a few calls. */
export interface SecretInspection {
  readonly secret: ManagedSecret;
  readonly policy: ResolvedPreviousKeyPolicy;
  /** Key ids the secret's versions name. */
  readonly currentKeyId?: string;
  readonly previousKeyId?: string;
  readonly pendingKeyId?: string;
  /** AWSPENDING on a version that is not AWSCURRENT: a rotation under way, or one that failed. */
  readonly pendingVersion?: { readonly id: string; readonly createdAt?: Date };
  /** The user's keys; undefined when IAM has no such user. */
  readonly keys?: readonly AccessKeyState[];
  /**
   * The name IAM lists the user's keys under, when it is not exactly the tag's (the user's in another case: the secret
   * binds no one). Then nothing else was read.
   */
  readonly userNameInIam?: string;
  /** Last use of the previous key, when IAM still lists it; 'unknown' when it could not be read. */
  readonly previousKeyLastUse?: KeyLastUse | 'unknown';
  /** Why the last use is 'unknown'. */
  readonly previousKeyLastUseError?: string;
  /** What could not be read, in words, without key material. */
  readonly problems: readonly string[];
}

export interface InspectionClients {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
}

/**
 * Reads the user's keys in IAM and the keys the secret names. Reads only: no version value leaves this function but
 * the key ids. A value that does not parse is a problem, not an error; AWS errors (access, throttling) pass through.
 * When IAM lists the keys under another name than the tag's, it stops there (userNameInIam), before reading a value.
 */
export async function inspectSecret(
  { secretsManager, iam }: InspectionClients,
  secret: ManagedSecret,
  stackPolicy: PreviousKeyPolicy,
): Promise<SecretInspection> {
  const problems: string[] = [];
  const policy = previousKeyPolicyOf(secret.previousKeyPolicyTag, stackPolicy);
  const listed = secret.userName === '' ? undefined : await listKeys(iam, secret.userName);
  if (listed?.userNameInIam !== undefined) {
    return { secret, policy, keys: listed.keys, userNameInIam: listed.userNameInIam, problems };
  }
  const keys = listed?.keys;
  const currentVersion = versionWithStage(secret, CURRENT);
  const previousVersion = versionWithStage(secret, PREVIOUS);
  const pendingVersionId = versionWithStage(secret, PENDING);

  const keyIdOf = async (label: Stage, versionId: string | undefined): Promise<string | undefined> => {
    if (versionId === undefined) return undefined;
    const response = await getSecretValueIfAny(secretsManager, {
      SecretId: secret.arn,
      VersionId: versionId,
      VersionStage: label,
    });
    if (response === undefined) return undefined;
    try {
      return parseSecretValue(response.SecretString, label, { secretId: secret.arn, step: 'sweep' }).accesskey;
    } catch (error) {
      // parseSecretValue refuses only with InvalidSecretError, whose message never quotes the value.
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };

  const currentKeyId = await keyIdOf(CURRENT, currentVersion);
  const previousKeyId = await keyIdOf(PREVIOUS, previousVersion);
  let pendingVersion: SecretInspection['pendingVersion'];
  let pendingKeyId: string | undefined;
  if (pendingVersionId !== undefined && pendingVersionId !== currentVersion) {
    pendingKeyId = await keyIdOf(PENDING, pendingVersionId);
    pendingVersion = {
      id: pendingVersionId,
      createdAt: await versionCreatedAt(secretsManager, secret.arn, pendingVersionId),
    };
  }

  let previousKeyLastUse: SecretInspection['previousKeyLastUse'];
  let previousKeyLastUseError: string | undefined;
  if (previousKeyId !== undefined && previousKeyId !== currentKeyId && keys?.some((key) => key.id === previousKeyId)) {
    try {
      const { AccessKeyLastUsed: lastUsed } = await iam.send(
        new GetAccessKeyLastUsedCommand({ AccessKeyId: previousKeyId }),
      );
      previousKeyLastUse = {
        date: lastUsed?.LastUsedDate,
        service: knownOrUndefined(lastUsed?.ServiceName),
        region: knownOrUndefined(lastUsed?.Region),
      };
    } catch (error) {
      previousKeyLastUse = 'unknown';
      previousKeyLastUseError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  return {
    secret,
    policy,
    currentKeyId,
    previousKeyId,
    pendingKeyId,
    pendingVersion,
    keys,
    previousKeyLastUse,
    ...(previousKeyLastUseError === undefined ? {} : { previousKeyLastUseError }),
    problems,
  };
}

/** IAM writes N/A for a key never used. */
const knownOrUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value === 'N/A' ? undefined : value;

/** The user's keys, and the name IAM lists them under if it is not `userName`; undefined when IAM has no such user. */
async function listKeys(
  iam: IAMClient,
  userName: string,
): Promise<{ keys: AccessKeyState[]; userNameInIam?: string } | undefined> {
  try {
    const { keys, otherName } = await listUserKeys(iam, userName);
    return {
      keys: keys.flatMap((key) =>
        key.AccessKeyId === undefined
          ? []
          : [{ id: key.AccessKeyId, status: key.Status ?? 'Unknown', createdAt: key.CreateDate }],
      ),
      ...(otherName === undefined ? {} : { userNameInIam: otherName }),
    };
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

async function versionCreatedAt(
  secretsManager: SecretsManagerClient,
  secretArn: string,
  versionId: string,
): Promise<Date | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await secretsManager.send(
      new ListSecretVersionIdsCommand({ SecretId: secretArn, NextToken: nextToken }),
    );
    const version = page.Versions?.find((candidate) => candidate.VersionId === versionId);
    if (version !== undefined) return version.CreatedDate;
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return undefined;
}
