/**
 * Every Secrets Manager action that acts on a secret (IAM's service authorization reference), for the role's Deny of
 * the secrets outside the stack. Left out, because their resource is `*`: ListSecrets (the sweep needs it),
 * GetRandomPassword (touches no secret) and BatchGetSecretValue (it still needs GetSecretValue on each secret, which
 * stays denied). test/lib/secrets-manager-actions.test.ts fails when the SDK gains an action missing here.
 */
export const SECRETS_MANAGER_SECRET_ACTIONS = [
  'secretsmanager:CancelRotateSecret',
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetResourcePolicy',
  'secretsmanager:GetSecretValue',
  'secretsmanager:ListSecretVersionIds',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:PutSecretValue',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RestoreSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:StopReplicationToReplica',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
  'secretsmanager:UpdateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:ValidateResourcePolicy',
];

/** The Secrets Manager actions whose only resource is `*`: a Deny with NotResource would deny them everywhere. */
export const SECRETS_MANAGER_ACCOUNT_ACTIONS = [
  'secretsmanager:ListSecrets',
  'secretsmanager:GetRandomPassword',
  'secretsmanager:BatchGetSecretValue',
];
