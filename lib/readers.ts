// Who may read a managed secret besides the rotation: the secret's resource policy, and what a reader in another
// account needs from the secrets' key.
import { PolicyStatement, policyJson, policySize } from './policy';
import { ValidationError, checkPrincipalArn, show } from './validation';

/** The only actions a reader is granted: the value, and the metadata a client reads to find the current version. */
export const READER_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
/** Secrets Manager's limit for a resource policy, in characters. */
const SECRET_POLICY_SIZE_LIMIT = 20_480;

/** The account a reader's ARN names (validated principal ARNs always name one). */
export function readerAccount(readerArn: string): string {
  return readerArn.split(':')[4];
}

/** The secret's resource policy: the readers may read it, nothing else. It grants the rotation nothing and denies it nothing. */
export function secretReadPolicy(readers: readonly string[]): string {
  const statement: PolicyStatement = { Sid: 'ReadersReadTheSecret', Effect: 'Allow', Principal: { AWS: [...readers] }, Action: READER_ACTIONS, Resource: '*' };
  return policyJson([statement]);
}

/** The readers of one secret: the stack's and the user's own, each once, in that order. */
export function readersOf(stackReaders: readonly string[] | undefined, userReaders: readonly string[] | undefined): string[] {
  return [...new Set([...(stackReaders ?? []), ...(userReaders ?? [])])];
}

/** Every problem with a list of readers (`label` names it, e.g. `users[2].readers`). */
export function readersProblems(readers: unknown, label: string): ValidationError[] {
  if (!Array.isArray(readers)) return [new ValidationError(label, `must be a list of principal ARNs, got ${show(readers)}`)];
  const problems: ValidationError[] = [];
  const seen = new Set<string>();
  readers.forEach((reader, index) => {
    try {
      checkPrincipalArn(reader, `${label}[${index}]`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(error);
      return;
    }
    if (seen.has(reader as string)) problems.push(new ValidationError(`${label}[${index}]`, `must be unique, got ${show(reader)} again`));
    seen.add(reader as string);
  });
  return problems;
}

/** A problem when a secret's policy would pass Secrets Manager's size limit. */
export function secretPolicySizeProblem(readers: readonly string[], label: string): ValidationError | undefined {
  const size = policySize(secretReadPolicy(readers));
  return size > SECRET_POLICY_SIZE_LIMIT
    ? new ValidationError(label, `name ${readers.length} readers, whose resource policy would take ${size} characters, more than Secrets Manager's ${SECRET_POLICY_SIZE_LIMIT}: name fewer principals (e.g. one role per consuming team)`)
    : undefined;
}
