import { ListAccessKeysCommand, type AccessKeyMetadata, type IAMClient } from '@aws-sdk/client-iam';

/** A user's access keys as IAM lists them. */
export interface UserKeys {
  readonly keys: AccessKeyMetadata[];
  /**
   * A name IAM lists a key under that is not exactly the name asked for (`''` when IAM states none): IAM finds a user
   * by any case of its name, so the name asked for is that user's in another case. Undefined when every key states the
   * name asked for, and when there are no keys (then only CreateAccessKey's answer tells).
   */
  readonly otherName?: string;
}

/**
 * ListAccessKeys for `userName`: the one place the function lists a user's keys, so every caller sees the name IAM
 * answers with. AWS errors (NoSuchEntity for a user IAM does not know) pass through.
 */
export async function listUserKeys(iam: IAMClient, userName: string): Promise<UserKeys> {
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
  const keys = listed.AccessKeyMetadata ?? [];
  const other = keys.find((key) => key.UserName !== userName);
  return other === undefined ? { keys } : { keys, otherName: other.UserName ?? '' };
}
