/** Where the CLI writes and what it knows of its surroundings; the bin passes the process's, tests their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * A progress line on stderr, redrawn in place (`\r`); undefined erases it. The only output that may hold control
   * characters of the CLI's own: everything else goes through printable().
   */
  readonly progress: (line: string | undefined) => void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Waits between polls. */
  readonly sleep: (ms: number) => Promise<void>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: (line) => process.stderr.write(line === undefined ? '\r\x1b[K' : `\r${line}`),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/**
 * Control characters a terminal acts on: C0 but tab and newline (ESC starts cursor moves, colours, title changes
 * `ESC]0;...BEL`; CR overwrites a line), DEL, C1 (CSI as one character), and the bidirectional overrides that reorder
 * what a line shows.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The text without control characters. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/**
 * The io every command writes through: the CLI prints text from AWS (secret names, tags, log lines, error messages)
 * and from files (plans), none of which may drive the operator's terminal, so stdout and stderr drop control characters.
 */
export function printableIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(printable(text)),
    stderr: (text) => io.stderr(printable(text)),
    progress: (line) => io.progress(line === undefined ? undefined : printable(line)),
  };
}
