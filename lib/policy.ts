/** The IAM policy grammar the constructs write (and the rules read). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly AWS?: string | string[]; readonly Service?: string | string[] };
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

/**
 * A policy as a JSON string. Terraform interpolates the `${...}` references inside it, so the synthesized
 * JSON shows the policy as written (reviewable, and parseable by the rules) rather than a `jsonencode()` call.
 */
export function policyJson(statements: PolicyStatement[]): string {
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  return JSON.stringify(document);
}

export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The `kms:ViaService` condition that limits key use to requests Secrets Manager makes for the caller. The
 * endpoint domain depends on the partition (amazonaws.com.cn in China), hence `dnsSuffix`.
 */
export function viaSecretsManager(region: string, dnsSuffix: string): PolicyStatement['Condition'] {
  return { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.${dnsSuffix}` } };
}

/** IAM's limit for one customer managed policy, in characters (whitespace is not counted). */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;
/** IAM's default quota of managed policies attached to one role (an account can ask for up to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** A policy's size as IAM counts it against its limits: characters other than whitespace. */
export function policySize(json: string): number {
  return json.replace(/\s/g, '').length;
}

// At synth the ARNs are unresolved references. Policies are sized with stand-ins at least as long as any
// value they can take: the longest partition (aws-us-gov) and region (us-isof-south-1) names AWS has today.
const LONGEST_PARTITION = 'aws-us-gov';
const LONGEST_REGION = 'us-isof-south-1';
const ACCOUNT_ID = '123456789012';
/** Secrets Manager appends `-` and six random characters to the secret name. */
const SECRET_ARN_SUFFIX = '-AbCdEf';

/** A stand-in, as long as the longest real ARN can be, for the ARN of the secret `secretName`. */
export function sizingSecretArn(secretName: string): string {
  return `arn:${LONGEST_PARTITION}:secretsmanager:${LONGEST_REGION}:${ACCOUNT_ID}:secret:${secretName}${SECRET_ARN_SUFFIX}`;
}

/** A stand-in for the ARN of IAM user `userName` under `path` (`/` unless the user was made with another). */
export function sizingUserArn(userName: string, path: string): string {
  return `arn:${LONGEST_PARTITION}:iam::${ACCOUNT_ID}:user${path}${userName}`;
}
