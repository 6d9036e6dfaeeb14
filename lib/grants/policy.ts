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
 * The `kms:ViaService` condition that limits key use to requests `service` (secretsmanager, sns) makes for the caller.
 * The endpoint domain depends on the partition (amazonaws.com.cn in China), hence `dnsSuffix`.
 */
export function viaService(service: string, region: string, dnsSuffix: string): PolicyStatement['Condition'] {
  return { StringEquals: { 'kms:ViaService': `${service}.${region}.${dnsSuffix}` } };
}

export function viaSecretsManager(region: string, dnsSuffix: string): PolicyStatement['Condition'] {
  return viaService('secretsmanager', region, dnsSuffix);
}

/** IAM's limit for one customer managed policy, in characters (whitespace is not counted). */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;
/** IAM's default quota of managed policies attached to one role (an account can ask for up to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** A policy's size as IAM counts it against its limits: characters other than whitespace. */
export function policySize(json: string): number {
  return json.replace(/\s/g, '').length;
}

/** IAM's limit for all inline policies of one role together, in characters (whitespace is not counted). */
export const ROLE_INLINE_POLICIES_SIZE_LIMIT = 10_240;

/** The parts of an ARN that depend on where the stack is deployed. */
export interface ArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * At synth the ARNs are unresolved references. Policies are sized with stand-ins at least as long as any value they
 * can take: the longest partition (aws-us-gov) and region (us-isof-south-1) names AWS has today.
 */
export const LONGEST_ARN_PARTS: ArnParts = {
  partition: 'aws-us-gov',
  region: 'us-isof-south-1',
  account: '123456789012',
};
/** The longest partition domain for service endpoints (China's), to size `kms:ViaService` conditions. */
export const LONGEST_DNS_SUFFIX = 'amazonaws.com.cn';

// ARNs built from names and the partition, region and account data sources, not read from the resources: the plan
// then shows every policy whole, the first plan of a stack included (a created resource's `arn` is known only after
// apply). A policy that names a principal this way must depend on it explicitly, because KMS and IAM refuse a
// policy naming a principal that does not exist yet.

/** The ARN of an IAM resource (IAM is global: no region), e.g. `role/<name>`. */
export function iamArn(parts: ArnParts, resource: string): string {
  return `arn:${parts.partition}:iam::${parts.account}:${resource}`;
}

/** The ARN of a regional resource of `service`, e.g. `regionalArn(parts, 'sns', '<topic name>')`. */
export function regionalArn(parts: ArnParts, service: string, resource: string): string {
  return `arn:${parts.partition}:${service}:${parts.region}:${parts.account}:${resource}`;
}

/** The account principal (`...:root`) of the account `parts` names. */
export function accountRootArn(parts: ArnParts): string {
  return iamArn(parts, 'root');
}

/** The role named `name` (the constructs' roles take no IAM path). */
export function roleArn(parts: ArnParts, name: string): string {
  return iamArn(parts, `role/${name}`);
}

/** The customer managed policy named `name` (no IAM path). */
export function managedPolicyArn(parts: ArnParts, name: string): string {
  return iamArn(parts, `policy/${name}`);
}

/** The CloudWatch Logs group named `name`, as the AWS provider 5.x reports it (without the trailing `:*`). */
export function logGroupArn(parts: ArnParts, name: string): string {
  return regionalArn(parts, 'logs', `log-group:${name}`);
}

/** The EventBridge rule named `name` on the default event bus. */
export function eventRuleArn(parts: ArnParts, name: string): string {
  return regionalArn(parts, 'events', `rule/${name}`);
}

/** The CloudWatch alarm named `name`. */
export function alarmArn(parts: ArnParts, name: string): string {
  return regionalArn(parts, 'cloudwatch', `alarm:${name}`);
}

/**
 * The IAM user named `userName` under any IAM path: `user/<name>` (the path `/`) and `user/*\/<name>` (any other).
 * The name is the ARN's last segment and user names are unique in an account, so the patterns match that one user and
 * nothing else, and their length does not depend on the path (up to 512 characters), which is only known at plan
 * time for an existing user. (IAM refuses a resource like `user*\/<name>`: the part after the account must start
 * with `user/`.)
 */
export function userArnPatterns(parts: ArnParts, userName: string): string[] {
  const users = iamArn(parts, 'user/');
  return [`${users}${userName}`, `${users}*/${userName}`];
}
