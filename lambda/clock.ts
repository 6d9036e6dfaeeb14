/** Time as the steps see it; tests pass a fake one so they do not wait. */
export interface Clock {
  /** Epoch milliseconds (wall-clock time: attempt markers are compared with IAM's key dates). */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};
