// The CLI in-process, through its io seam: what the real bin cannot be made to see without a terminal.
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/io';

function fakeIo(stdoutIsTTY: boolean): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    progress: () => undefined,
    stdoutIsTTY,
    stderrIsTTY: false,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    sleep: async () => undefined,
  };
}

describe('credentials on a terminal', () => {
  test('refuses to print a key to a terminal: exit 2, before any AWS call, nothing on stdout', async () => {
    // GIVEN a terminal on stdout and no AWS configuration at all (any AWS call would fail with exit 4)
    const io = fakeIo(true);
    // WHEN
    const code = await main(['credentials', 'iam-key-rotation/alice', '--region', 'us-east-1'], io);
    // THEN
    expect(code).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toMatch(
      /error: credentials prints a secret access key for credential_process, not for a terminal/,
    );
    expect(io.err.join('')).toMatch(/add --force/);
  });

  test('--help still works on a terminal', async () => {
    const io = fakeIo(true);
    expect(await main(['credentials', '--help'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/^Usage: iam-key-rotation credentials <secret> \[--force\]/);
  });
});
