/** A resource as it appears in the synthesized Terraform JSON, references rendered as `${type.name.attr}`. */
export interface SynthesizedResource {
  readonly type: string;
  /** The logical name (the key under `resource.<type>`). */
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** All resources of the stack the resource belongs to, for rules that relate resources. */
export interface SynthesizedStack {
  readonly resources: readonly SynthesizedResource[];
}

export type RuleResult = 'compliant' | 'non-compliant' | 'not-applicable';

export interface Rule {
  /** Stable id, quoted in error messages (e.g. IKR1). */
  readonly id: string;
  /** One line: what is wrong when the rule fails. */
  readonly summary: string;
  /** Why it matters and how to fix it. */
  readonly explanation: string;
  /** Pure: looks only at the resource (and its stack's other resources), never at the construct tree. */
  check(resource: SynthesizedResource, stack: SynthesizedStack): RuleResult;
}

/** `${aws_secretsmanager_secret.x.id}` for a resource and attribute: how references look after synthesis. */
export function reference(resource: SynthesizedResource, attribute: string): string {
  return `\${${resource.type}.${resource.name}.${attribute}}`;
}
