// The demo's console output: one line per phase with the elapsed time, and plain-text tables.

export class Progress {
  private readonly startedAt = performance.now();

  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** `[ 12.3s] message` */
  step(message: string): void {
    console.log(`[${this.elapsedSeconds().toFixed(1).padStart(5)}s] ${message}`);
  }

  /** Lines under a step, indented past its time column. */
  details(lines: readonly string[]): void {
    for (const line of lines) console.log(line === '' ? '' : `         ${line}`);
  }
}

export { renderTable } from '../cli/text-table';
