import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { day, maskAccessKeyId } from '../../../core/sweep/findings';
import { parseSecretValue } from '../../../core/secret/value';
import type { CliIo } from '../../io';
import type { ResolvedSecret } from '../../managed-secret';
import type { RotateClients } from './clients';
import { CURRENT } from '../../../core/secret/stages';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Once the new key is AWSCURRENT: which key it is, and what becomes of the previous one. */
export async function reportSuccess(
  secret: ResolvedSecret,
  token: string,
  previousVersion: string | undefined,
  clients: RotateClients,
  io: CliIo,
): Promise<void> {
  const newKeyId = await keyIdOf(clients, secret, token);
  const previousKeyId = previousVersion === undefined ? undefined : await keyIdOf(clients, secret, previousVersion);
  io.stdout(
    `rotated ${secret.name}: the new key ${newKeyId === undefined ? '(unreadable)' : maskAccessKeyId(newKeyId)} of user ${secret.userName} is AWSCURRENT\n`,
  );
  if (previousKeyId === undefined) {
    io.stdout('no previous key (this was the first rotation)\n');
    return;
  }
  const status = await iamStatus(clients, secret.userName, previousKeyId);
  const { action, graceDays } = secret.previousKeyPolicy.policy;
  const policy: Record<typeof action, string> = {
    keep: 'it stays Active until the next rotation deletes it',
    deactivate: 'the rotation deactivates it',
    'deactivate-after-grace': `it stays Active for ${graceDays} days, then the daily sweep deactivates it once unused (from ${day(io.now() + graceDays * DAY_MS)})`,
  };
  io.stdout(`previous key ${maskAccessKeyId(previousKeyId)} (IAM: ${status}): policy ${action}, ${policy[action]}\n`);
}

/** The access key id a version's value names; undefined if it cannot be read. */
async function keyIdOf(clients: RotateClients, secret: ResolvedSecret, versionId: string): Promise<string | undefined> {
  try {
    const response = await clients.secretsManager
      .get()
      .send(new GetSecretValueCommand({ SecretId: secret.arn, VersionId: versionId }));
    return parseSecretValue(response.SecretString, CURRENT, { secretId: secret.name }).accesskey;
  } catch {
    return undefined;
  }
}

async function iamStatus(clients: RotateClients, userName: string, accessKeyId: string): Promise<string> {
  try {
    const listed = await clients.iam.get().send(new ListAccessKeysCommand({ UserName: userName }));
    return listed.AccessKeyMetadata?.find((key) => key.AccessKeyId === accessKeyId)?.Status ?? 'deleted';
  } catch {
    return 'unknown';
  }
}
