import type { AccessKeyMetadata } from '@aws-sdk/client-iam';

/** IAM's limit on access keys per user. */
export const MAX_KEYS_PER_USER = 2;

/** What the secret's versions say about the user's keys. */
export interface KeyReferences {
  readonly currentKeyId?: string;
  readonly previousKeyId?: string;
}

/** Why a key is provably ours to delete. */
export type FreeableReason = 'previous' | 'inactive';

export type SlotDecision =
  | { readonly kind: 'slot-free' }
  | { readonly kind: 'delete'; readonly accessKeyId: string; readonly reason: FreeableReason }
  | { readonly kind: 'unmanaged'; readonly accessKeyIds: readonly string[] };

function freeableReason(key: AccessKeyMetadata, references: KeyReferences): FreeableReason | undefined {
  if (key.AccessKeyId === references.previousKeyId) {
    return 'previous';
  }
  return key.Status === 'Inactive' ? 'inactive' : undefined;
}

const PREFERENCE: readonly FreeableReason[] = ['previous', 'inactive'];

/**
 * Which key to delete so that a new one fits. The AWSCURRENT key is never a candidate; among the others the
 * AWSPREVIOUS key goes first, then an Inactive key. Any other key is not ours to touch.
 */
export function chooseKeyToFree(keys: readonly AccessKeyMetadata[], references: KeyReferences): SlotDecision {
  if (keys.length < MAX_KEYS_PER_USER) {
    return { kind: 'slot-free' };
  }
  const candidates = keys.flatMap((key) =>
    key.AccessKeyId === undefined || key.AccessKeyId === references.currentKeyId
      ? []
      : [{ accessKeyId: key.AccessKeyId, reason: freeableReason(key, references) }],
  );
  for (const reason of PREFERENCE) {
    const match = candidates.find((candidate) => candidate.reason === reason);
    if (match !== undefined) {
      return { kind: 'delete', accessKeyId: match.accessKeyId, reason };
    }
  }
  return { kind: 'unmanaged', accessKeyIds: candidates.map((candidate) => candidate.accessKeyId) };
}
