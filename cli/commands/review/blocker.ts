/** One reason the plan must not be applied without a second look. */
export interface Blocker {
  readonly address: string;
  /** The statement's Sid, when the blocker is in a policy and the statement has one. */
  readonly sid: string | undefined;
  /** What matched; Markdown. */
  readonly finding: string;
}
