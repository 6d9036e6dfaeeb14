// Who may read a managed secret besides the rotation: the secret's resource policy, and what a reader in another
// account needs from the secrets' key.
import { CURRENT, PREVIOUS } from '../../core/secret/stages';
import { grantRoleNamePrefix, MAX_GRANT_ROLES } from '../grants/grant-role-count';
import { LONGEST_ARN_PARTS, policyJson, policySize, roleArn } from '../grants/policy';
import { ValidationError, checkPrincipalArn, show } from '../validation/validation';

/** The only actions a reader is granted: the value, and the metadata a client reads to find the current version. */
export const READER_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
/** Secrets Manager's limit for a resource policy, in characters. */
export const SECRET_POLICY_SIZE_LIMIT = 20_480;

/** The account a reader's ARN names (validated principal ARNs always name one). */
export function readerAccount(readerArn: string): string {
  return readerArn.split(':')[4];
}

/**
 * The versions a reader may read: the current key, and the previous one, which stays Active through the grace period
 * (a consumer that has not picked up the new key yet falls back to it). Never AWSPENDING, a key not tested yet.
 */
export const READER_VERSION_STAGES = [CURRENT, PREVIOUS];

/**
 * The secret's resource policy: the readers may read it, nothing else, and only the versions of READER_VERSION_STAGES
 * (the Denies also bind readers whose own IAM policies allow more). A GetSecretValue names a version by stage (none:
 * AWSCURRENT) or by id; these condition keys are the request's parameters, absent when not given. So a reader is
 * refused a stage outside the list, and any version by id, which could be AWSPENDING's or that of a retired key.
 * `rotationRoleArn` is the role that rotates the secret: it is exempt, should a reader be its account's root.
 */
export function secretReadPolicy(readers: readonly string[], rotationRoleArn: string): string {
  const principal = { AWS: [...readers] };
  const notTheRotation = { 'aws:PrincipalArn': rotationRoleArn };
  return policyJson([
    { Sid: 'ReadersReadTheSecret', Effect: 'Allow', Principal: principal, Action: READER_ACTIONS, Resource: '*' },
    {
      Sid: 'ReadersReadOnlyCurrentAndPrevious',
      Effect: 'Deny',
      Principal: principal,
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: {
        Null: { 'secretsmanager:VersionStage': 'false' },
        StringNotEquals: { 'secretsmanager:VersionStage': READER_VERSION_STAGES },
        ArnNotEquals: notTheRotation,
      },
    },
    {
      Sid: 'ReadersReadNoVersionById',
      Effect: 'Deny',
      Principal: principal,
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: { Null: { 'secretsmanager:VersionId': 'false' }, ArnNotEquals: notTheRotation },
    },
  ]);
}

/** The readers of one secret: the stack's and the user's own, each once, in that order. */
export function readersOf(
  stackReaders: readonly string[] | undefined,
  userReaders: readonly string[] | undefined,
): string[] {
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
export function keyReaders(
  everySecret: readonly string[],
  secrets: readonly { readonly secretName: string; readonly readers: readonly string[] }[],
): KeyReaders {
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
  if (!Array.isArray(readers))
    return [new ValidationError(label, `must be a list of principal ARNs, got ${show(readers)}`)];
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
    if (seen.has(reader as string))
      problems.push(new ValidationError(`${label}[${index}]`, `must be unique, got ${show(reader)} again`));
    seen.add(reader as string);
  });
  return problems;
}

/**
 * A problem when a secret's policy would pass Secrets Manager's size limit, sized with the longest ARN the stack `name`'s
 * rotation role can have (a grant role's, in the longest partition).
 */
export function secretPolicySizeProblem(
  readers: readonly string[],
  label: string,
  name: string,
): ValidationError | undefined {
  const size = policySize(
    secretReadPolicy(readers, roleArn(LONGEST_ARN_PARTS, `${grantRoleNamePrefix(name)}${MAX_GRANT_ROLES}`)),
  );
  return size > SECRET_POLICY_SIZE_LIMIT
    ? new ValidationError(
        label,
        `name ${readers.length} readers, whose resource policy would take ${size} characters, more than Secrets Manager's ${SECRET_POLICY_SIZE_LIMIT}: name fewer principals (e.g. one role per consuming team)`,
      )
    : undefined;
}
