import { valueOf } from '../../arguments';
import type { CommandInput } from '../../command';
import { UsageError } from '../../errors';
import { EXIT_CODES, type ExitCode } from '../../exit-codes';
import { ownFunctionCode, parseCodeHash } from './function-code';
import { defaultTitle, PlanInputError, type PlanSource, readPlanText } from './input';
import { DEFAULT_MAX_CHARS, renderReport } from './markdown';
import { type Plan, PLAN_EXPECTED, PlanFormatError, readPlan } from './plan';
import { reviewPlan } from './report';

const HINT = `Pass ${PLAN_EXPECTED} (a file, or - for stdin). Run 'iam-key-rotation review --help' for usage.`;

/** Reads no AWS settings: the review is of the plan file alone. */
export async function runReview(
  { args, io }: CommandInput,
  source: PlanSource = { stdin: process.stdin },
): Promise<ExitCode> {
  const [argument] = args.positionals;
  const maxChars = maxCharsOf(valueOf(args, 'max-chars'));
  const extraCode = (args.values.get('function-code') ?? []).map(codeHashOf);
  let text: string;
  try {
    text = await readPlanText(argument, source);
  } catch (error) {
    if (error instanceof PlanInputError) throw new UsageError(error.message, HINT);
    throw error;
  }
  let plan: Plan;
  try {
    plan = readPlan(text);
  } catch (error) {
    if (error instanceof PlanFormatError)
      throw new UsageError(`${argument === '-' ? 'stdin' : argument}: ${error.message}`, HINT);
    throw error;
  }
  const title = valueOf(args, 'title') ?? defaultTitle(argument);
  const review = reviewPlan(plan, title, { functionCode: { own: ownFunctionCode(), extra: extraCode } });
  io.stdout(renderReport(review.document, maxChars));
  const count = review.blockers.length;
  if (count === 0) return EXIT_CODES.ok;
  const reportOnly = args.flags.has('report-only');
  io.stderr(
    `review: ${count} ${count === 1 ? 'blocker' : 'blockers'} in ${title}${reportOnly ? ' (--report-only: exit 0)' : ''}\n`,
  );
  return reportOnly ? EXIT_CODES.ok : EXIT_CODES.failed;
}

function codeHashOf(value: string): string {
  const hash = parseCodeHash(value);
  if (hash === undefined) {
    throw new UsageError(
      `--function-code must be a zip's SHA-256 as the plan's source_code_hash shows it (44 characters of base64) or as 64 hex digits, got '${value}'`,
      "Run 'iam-key-rotation review --help' for usage.",
    );
  }
  return hash;
}

function maxCharsOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CHARS;
  if (!/^[1-9]\d*$/.test(value))
    throw new UsageError(
      `--max-chars must be a whole number of characters, got '${value}'`,
      "Run 'iam-key-rotation review --help' for usage.",
    );
  return Number(value);
}
