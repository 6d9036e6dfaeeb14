import { ListSecretsCommand, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PREVIOUS_KEY_POLICY_TAG_KEY, USER_TAG_KEY } from '../contract';

/** What ListSecrets tells about one managed secret: enough to judge its rotation without another call. */
export interface ManagedSecret {
  readonly arn: string;
  readonly name: string;
  /** The user tag's value ('' when it is blank). */
  readonly userName: string;
  readonly rotationEnabled: boolean;
  readonly rotationLambdaArn?: string;
  readonly automaticallyAfterDays?: number;
  readonly scheduleExpression?: string;
  readonly createdDate?: Date;
  readonly lastRotatedDate?: Date;
  /** Secrets Manager's own due date; in the past when rotations keep failing. */
  readonly nextRotationDate?: Date;
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>>;
  readonly previousKeyPolicyTag?: string;
}

/** ListSecrets' largest page. */
const PAGE_SIZE = 100;

/**
 * Every secret carrying the user tag that `isManaged` accepts (the stack's trust boundary), in name order. Secrets
 * scheduled for deletion are left out, as ListSecrets does by default.
 */
export async function listManagedSecrets(
  secretsManager: SecretsManagerClient,
  isManaged: (arn: string) => boolean,
): Promise<ManagedSecret[]> {
  const secrets: ManagedSecret[] = [];
  let nextToken: string | undefined;
  do {
    const page = await secretsManager.send(
      new ListSecretsCommand({
        Filters: [{ Key: 'tag-key', Values: [USER_TAG_KEY] }],
        MaxResults: PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    for (const entry of page.SecretList ?? []) {
      if (entry.ARN !== undefined && isManaged(entry.ARN)) secrets.push(toManagedSecret(entry, entry.ARN));
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return secrets.sort((a, b) => a.name.localeCompare(b.name));
}

function toManagedSecret(entry: SecretListEntry, arn: string): ManagedSecret {
  const tag = (key: string): string | undefined => entry.Tags?.find((candidate) => candidate.Key === key)?.Value;
  return {
    arn,
    name: entry.Name ?? arn,
    userName: tag(USER_TAG_KEY)?.trim() ?? '',
    rotationEnabled: entry.RotationEnabled === true,
    rotationLambdaArn: entry.RotationLambdaARN,
    automaticallyAfterDays: entry.RotationRules?.AutomaticallyAfterDays,
    scheduleExpression: entry.RotationRules?.ScheduleExpression,
    createdDate: entry.CreatedDate,
    lastRotatedDate: entry.LastRotatedDate,
    nextRotationDate: entry.NextRotationDate,
    versionIdsToStages: entry.SecretVersionsToStages ?? {},
    previousKeyPolicyTag: tag(PREVIOUS_KEY_POLICY_TAG_KEY),
  };
}
