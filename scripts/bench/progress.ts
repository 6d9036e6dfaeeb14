// Progress on stderr (stdout carries the figures): one line per step with the time since the start.

export class Progress {
  private readonly startedAt = performance.now();

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** `[  12.3s] message` */
  readonly step = (message: string): void => {
    process.stderr.write(`[${(this.elapsedMs() / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
  };
}

/** `12.3 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
