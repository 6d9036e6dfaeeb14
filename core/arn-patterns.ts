// Which resource patterns of a policy name one IAM user or one secret, and which could match more. IAM matches a
// Resource as a glob (`*` any run of characters, `:` and `/` included; `?` any one character) in every part of the
// ARN, so `user*`, `u*`, `user/?*` or `arn:aws:iam::*:user/alice` reach other users than the one a reader sees.
// Pure (no cdktf): the synth rule IKR2 (lib/rules) and the plan review (cli/commands/review) judge patterns with this code.

/** The kinds of resource a pattern must name one of. */
export type NamedKind = 'IAM user' | 'secret';

/** A template a pattern is tested against: literal text, and `ANY` for one part of an ARN (any run but `:`). */
const ANY = Symbol('any');
type Template = readonly (string | typeof ANY)[];

/** Every IAM user's ARN: `arn:<partition>:iam::<account>:user/<path><name>`. */
const ANY_USER: Template = ['arn:', ANY, ':iam::', ANY, ':user/', ANY];
/** Every secret's ARN: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`. */
const ANY_SECRET: Template = ['arn:', ANY, ':secretsmanager:', ANY, ':', ANY, ':secret:', ANY];

/**
 * One user: no wildcard but in the path (`user/*\/alice`: the user alice under any IAM path; user names are unique in
 * an account whatever their path), in a partition and account without wildcards.
 */
const ONE_USER = /^arn:[^:*?]+:iam::[^:*?]+:user\/(?:[^:]*\/)?[^/:*?]+$/;
/**
 * One secret: its exact ARN, or its name and Secrets Manager's suffix as exactly six `?` (`secret:<name>-??????`), which
 * only the secret of that name matches: any other name gives an ARN of another length or another start.
 */
const ONE_SECRET = /^arn:[^:*?]+:secretsmanager:[^:*?]+:[^:*?]+:secret:[^:*?]+$/;
const ONE_SECRET_BY_SUFFIX = /^arn:[^:*?]+:secretsmanager:[^:*?]+:[^:*?]+:secret:[^:*?]+-\?{6}$/;

/**
 * The kinds (IAM users, secrets) of which the resource pattern could match more than the one it names, in that
 * order; empty when it names one (or reaches neither kind). `*` reaches both.
 */
export function kindsMatchedBeyondOne(pattern: string): NamedKind[] {
  const kinds: NamedKind[] = [];
  if (globMeets(pattern, ANY_USER) && !ONE_USER.test(pattern)) kinds.push('IAM user');
  if (globMeets(pattern, ANY_SECRET) && !ONE_SECRET.test(pattern) && !ONE_SECRET_BY_SUFFIX.test(pattern))
    kinds.push('secret');
  return kinds;
}

/** Whether the pattern could match more than one IAM user: `*`, `...:user/*`, `...:user*`, `...:u*`, `...:user/ci-*`. */
export function couldMatchMoreThanOneUser(pattern: string): boolean {
  return kindsMatchedBeyondOne(pattern).includes('IAM user');
}

/** Whether some string matches both the glob and the template (case-sensitive, as IAM compares ARNs). */
function globMeets(glob: string, template: Template): boolean {
  // The template as characters, ANY standing for a run of characters other than `:` (possibly none).
  const parts = template.flatMap((part): (string | typeof ANY)[] => (part === ANY ? [ANY] : [...part]));
  const seen = new Set<string>();
  const meets = (g: number, t: number): boolean => {
    const key = `${g},${t}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (g === glob.length) return parts.slice(t).every((part) => part === ANY);
    if (t === parts.length) return [...glob.slice(g)].every((char) => char === '*');
    const char = glob[g];
    const part = parts[t];
    if (char === '*') return meets(g + 1, t) || meets(g, t + 1);
    if (part === ANY) return (char !== ':' && meets(g + 1, t)) || meets(g, t + 1);
    return (char === '?' || char === part) && meets(g + 1, t + 1);
  };
  return meets(0, 0);
}
