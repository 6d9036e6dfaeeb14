// How the customer managed keys the constructs create are administered: by the account, without using them.
import { PolicyStatement } from './policy';

/** The longest KMS allows: a key scheduled for deletion by mistake can be recovered for a month. */
export const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Administration without use: principals the account's IAM policies allow can manage the key, but not
 * encrypt or decrypt with it, nor create grants that would let them (kms:CreateAlias, not kms:Create*, which
 * covers kms:CreateGrant). kms:PutKeyPolicy stays, so the account can never be locked out of the key; it is
 * also how an account administrator could widen the key's use, on the record in CloudTrail.
 */
export const KEY_ADMINISTRATION_ACTIONS = [
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

/** The key policy statement that lets the account administer a key (see KEY_ADMINISTRATION_ACTIONS). */
export function accountAdministersKey(context: { readonly accountRootArn: string }): PolicyStatement {
  return {
    Sid: 'AccountAdministersKey',
    Effect: 'Allow',
    Principal: { AWS: context.accountRootArn },
    Action: KEY_ADMINISTRATION_ACTIONS,
    Resource: '*',
  };
}
