// The seed's AWS calls for one rotation of a user's key, to compare ours with.

/** The seed's calls for one rotation (issue 9), and where they come from in its handler. */
export const SEED_CALLS = { oneKey: 13, twoKeys: 14 } as const;
export const SEED_CALLS_BY_ACTION = [
  'DescribeSecret 5 (one per step, one more in finishSecret)',
  'GetSecretValue 3 (current value, master key, pending value)',
  'ListAccessKeys 1',
  'DeleteAccessKey 1 (two keys only: the oldest)',
  'CreateAccessKey 1',
  'PutSecretValue 1',
  'GetAccountAuthorizationDetails 1 (its key test)',
  'UpdateSecretVersionStage 1',
] as const;
