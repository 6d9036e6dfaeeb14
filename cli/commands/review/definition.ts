import type { CommandDefinition } from '../../command';
import { EXIT_CODES } from '../../exit-codes';
import { DEFAULT_MAX_CHARS } from './markdown';

export const REVIEW: CommandDefinition = {
  name: 'review',
  summary: 'turn a terraform plan (JSON) into a Markdown review for a pull request',
  options: {
    title: { type: 'string' },
    'report-only': { type: 'boolean' },
    'max-chars': { type: 'string' },
    'function-code': { type: 'string', multiple: true },
  },
  arguments: ['plan.json'],
  help: `Usage: iam-key-rotation review <plan.json | -> [--title <text>] [--report-only] [--max-chars <n>] [--function-code <sha256> ...]

Turns a Terraform plan, the output of terraform show -json <planfile> (a file, or - for stdin), into a short Markdown
report for a pull-request comment, on stdout: the counts; the blockers; the users and secrets added or removed; the
schedule changes; the keys that rotate during the apply, and why; every change to who may act on keys or read secrets
(policies statement by statement, attachments, Lambda permissions); what is destroyed. Its first line,
<!-- iam-key-rotation review: <title> -->, lets a workflow find and update its own comment.

Blockers: a secret deleted or replaced with a recovery window of 0 days (its key cannot be restored); a secret whose
iam-key-rotation:user tag changes (it would bind another user); a rotation function that is not the construct's own
(code other than this version's dist/lambda.zip, another role, runtime, handler or layers, an environment variable
outside the construct's set such as NODE_OPTIONS or AWS_ENDPOINT_URL_*); a wildcard grant in a planned policy
(Principal *, Action * or <service>:*, NotAction or NotResource in an Allow, and in an IAM policy a Resource of every
resource, of every resource of a type, or one that could match more than one IAM user or secret: * and ? count
anywhere but in a user's path, and in -?????? after a secret's name). Reads the file only: no AWS access. Prints
names, policies, schedules and recovery windows, never another attribute's value or a value marked sensitive.

Options:
  --title <text>     the stack's name, in the heading and the marker line (default: the file's name)
  --report-only      exit ${EXIT_CODES.ok} whenever the report was written, blockers or not
  --max-chars <n>    cap the report at n characters (default ${DEFAULT_MAX_CHARS}; GitHub takes 65536 a comment): the heading and
                     the blockers always stay, later rows are left out with a line saying how many
  --function-code <sha256>
                   accept this source_code_hash on the rotation function too (a zip you build and set as
                   functionZipPath; base64 as the plan shows it, or hex); repeatable

Exit code ${EXIT_CODES.failed} when a blocker was found (unless --report-only); ${EXIT_CODES.usage} when the file is missing or is not a plan.

Example:
  terraform plan -out=plan.tfplan && terraform show -json plan.tfplan > plan.json
  iam-key-rotation review plan.json --title iam-key-rotation > review.md`,
  load: async () => (await import('./run')).runReview,
};
