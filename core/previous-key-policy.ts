import { PREVIOUS_KEY_POLICY_TAG_KEY, parsePreviousKeyPolicy, type PreviousKeyPolicy } from './contract';

/** A secret's previous-key policy, and where it came from. */
export interface ResolvedPreviousKeyPolicy {
  readonly policy: PreviousKeyPolicy;
  readonly source: 'stack' | 'secret tag';
  /** Set when the secret's tag could not be read: the stack's policy applies instead. */
  readonly problem?: string;
}

/**
 * The secret's own policy (its PREVIOUS_KEY_POLICY_TAG_KEY tag, set by the construct for a user with a policy of its
 * own), else the stack's. A tag that does not parse falls back to the stack's policy rather than failing a rotation.
 */
export function previousKeyPolicyOf(
  tagValue: string | undefined,
  stackPolicy: PreviousKeyPolicy,
): ResolvedPreviousKeyPolicy {
  if (tagValue === undefined) return { policy: stackPolicy, source: 'stack' };
  const policy = parsePreviousKeyPolicy(tagValue);
  if (policy !== undefined) return { policy, source: 'secret tag' };
  return {
    policy: stackPolicy,
    source: 'stack',
    problem: `the ${PREVIOUS_KEY_POLICY_TAG_KEY} tag ${JSON.stringify(tagValue)} is not a policy (expected e.g. "action=deactivate-after-grace grace-days=7 in-use=hold"); the stack's policy applies`,
  };
}
