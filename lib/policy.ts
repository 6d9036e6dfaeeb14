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

/** The `kms:ViaService` condition that limits key use to requests Secrets Manager makes for the caller. */
export function viaSecretsManager(region: string): PolicyStatement['Condition'] {
  return { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } };
}
