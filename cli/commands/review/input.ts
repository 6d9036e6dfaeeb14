// Where the plan JSON comes from: a file, or `-` for stdin.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What `review -` reads: process.stdin in the bin, a stream of the test's in tests. */
export interface PlanSource {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

export class PlanInputError extends Error {
  override name = 'PlanInputError';
}

/** The name the report's heading shows by default: the file's name, or `stdin`. */
export function defaultTitle(argument: string): string {
  return argument === '-' ? 'stdin' : path.basename(argument);
}

/**
 * Reads the whole input as UTF-8.
 * @throws PlanInputError for a file that is missing, a folder or unreadable, or stdin that is a terminal.
 */
export async function readPlanText(argument: string, source: PlanSource): Promise<string> {
  if (argument === '-') {
    if (source.stdin.isTTY === true)
      throw new PlanInputError(
        'stdin is a terminal: pipe the plan JSON into it (terraform show -json <planfile> | iam-key-rotation review -)',
      );
    const chunks: Buffer[] = [];
    for await (const chunk of source.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return fs.readFileSync(argument, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? 'unreadable');
    throw new PlanInputError(`cannot read ${argument}: ${why}`);
  }
}
