// Who may read a managed secret besides the rotation: the secret's resource policy, and what a reader in another
// account needs from the secrets' key.
import { PolicyStatement, policyJson, policySize } from './policy';
import { ValidationError, checkPrincipalArn, show } from './validation';

/** The only actions a reader is granted: the value, and the metadata a client reads to find the current version. */
export const READER_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
/** Secrets Manager's limit for a resource policy, in characters. */
export const SECRET_POLICY_SIZE_LIMIT = 20_480;

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

/** Who may decrypt through the secrets' key, besides the rotation. */
export interface KeyReaders {
  /** Principals that read every secret (`readerArns`, the stack's `readers`), each once. */
  readonly everySecret: readonly string[];
  /** Principals that read only some secrets (users' own readers), grouped by the secrets they read, in the users' order. */
  readonly someSecrets: readonly { readonly readers: readonly string[]; readonly secretNames: readonly string[] }[];
}

/**
 * The key's readers: those of every secret, and each other principal with the names of the secrets it reads. Principals
 * reading the same secrets share one group, so the key policy names a secret once per set of readers.
 */
export function keyReaders(everySecret: readonly string[], secrets: readonly { readonly secretName: string; readonly readers: readonly string[] }[]): KeyReaders {
  const readsEvery = new Set(everySecret);
  const secretsOf = new Map<string, string[]>();
  for (const { secretName, readers } of secrets) {
    for (const reader of readers) {
      if (readsEvery.has(reader)) continue;
      const names = secretsOf.get(reader) ?? [];
      if (!names.includes(secretName)) names.push(secretName);
      secretsOf.set(reader, names);
    }
  }
  const groups = new Map<string, { readers: string[]; secretNames: string[] }>();
  for (const [reader, secretNames] of secretsOf) {
    const key = JSON.stringify(secretNames);
    const group = groups.get(key) ?? { readers: [], secretNames };
    group.readers.push(reader);
    groups.set(key, group);
  }
  return { everySecret: [...readsEvery], someSecrets: [...groups.values()] };
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
