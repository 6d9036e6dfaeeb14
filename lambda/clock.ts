/** Time as testSecret's backoff sees it; tests pass a fake one so they do not wait. */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};
