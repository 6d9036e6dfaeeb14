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

/**
 * Keys an interrupted attempt of this rotation left behind: created since its AWSPENDING version was
 * registered, and not the AWSCURRENT key. No version names them (this rotation has stored no value yet), and
 * while a rotation is unfinished Secrets Manager only retries it, so no other rotation made them.
 */
export function findOrphans(
  keys: readonly AccessKeyMetadata[],
  currentKeyId: string | undefined,
  pendingSince: Date | undefined,
): string[] {
  if (pendingSince === undefined) {
    return [];
  }
  // IAM reports CreateDate in whole seconds, Secrets Manager in milliseconds: a key made 200 ms after the
  // version reads as older than it unless both are compared at IAM's precision.
  const since = wholeSecond(pendingSince);
  return keys.flatMap(({ AccessKeyId: accessKeyId, CreateDate: created }) =>
    accessKeyId !== undefined && accessKeyId !== currentKeyId && created !== undefined && wholeSecond(created) >= since ? [accessKeyId] : [],
  );
}

function wholeSecond(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

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
