import { valueOf } from '../args';
import type { CommandInput } from '../commands';
import { UsageError } from '../errors';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { defaultTitle, PlanInputError, type PlanSource, readPlanText } from '../review/input';
import { DEFAULT_MAX_CHARS, renderReport } from '../review/markdown';
import { type Plan, PLAN_EXPECTED, PlanFormatError, readPlan } from '../review/plan';
import { reviewPlan } from '../review/report';

const HINT = `Pass ${PLAN_EXPECTED} (a file, or - for stdin). Run 'iam-key-rotation review --help' for usage.`;

/** Reads no AWS settings: the review is of the plan file alone. */
export async function runReview({ args, io }: CommandInput, source: PlanSource = { stdin: process.stdin }): Promise<ExitCode> {
  const [argument] = args.positionals;
  const maxChars = maxCharsOf(valueOf(args, 'max-chars'));
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
    if (error instanceof PlanFormatError) throw new UsageError(`${argument === '-' ? 'stdin' : argument}: ${error.message}`, HINT);
    throw error;
  }
  const title = valueOf(args, 'title') ?? defaultTitle(argument);
  const review = reviewPlan(plan, title);
  io.stdout(renderReport(review.document, maxChars));
  const count = review.blockers.length;
  if (count === 0) return EXIT_CODES.ok;
  const reportOnly = args.flags.has('report-only');
  io.stderr(`review: ${count} ${count === 1 ? 'blocker' : 'blockers'} in ${title}${reportOnly ? ' (--report-only: exit 0)' : ''}\n`);
  return reportOnly ? EXIT_CODES.ok : EXIT_CODES.failed;
}

function maxCharsOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CHARS;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--max-chars must be a whole number of characters, got '${value}'`, "Run 'iam-key-rotation review --help' for usage.");
  return Number(value);
}
