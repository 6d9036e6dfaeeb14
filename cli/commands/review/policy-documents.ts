// The policy documents a plan changes, keyed on resource type: which attribute holds a policy, and of which kind.
import {
  type Attribute,
  attributeOf,
  isConfigured,
  isMarked,
  type JsonValue,
  type Plan,
  type ResourceChange,
  valueAt,
} from './plan';
import { type ParsedPolicy, parsePolicy } from './policy-statements';
import { POLICY_DOCUMENT_ATTRIBUTES, type PolicyKind } from '../../../core/policy-attributes';

export type DocumentState =
  | { readonly state: 'absent' }
  | { readonly state: 'unknown' }
  /** A sensitive policy is checked for blockers, never printed. */
  | { readonly state: 'known'; readonly sensitive: boolean; readonly policy: ParsedPolicy };

export interface PolicyDocument {
  readonly change: ResourceChange;
  /** The attribute, e.g. `policy`, `assume_role_policy`, `inline_policy "audit"`. */
  readonly label: string;
  readonly kind: PolicyKind;
  readonly before: DocumentState;
  readonly after: DocumentState;
}

/** Every policy document of a created, updated, replaced or deleted resource. */
export function policyDocuments(plan: Plan): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  for (const change of plan.resourceChanges) {
    if (change.mode !== 'managed' || !['create', 'update', 'delete', 'replace'].includes(change.kind)) continue;
    const spec = POLICY_DOCUMENT_ATTRIBUTES[change.type];
    if (spec === undefined) continue;
    documents.push({
      change,
      label: spec.attribute,
      kind: spec.kind,
      before: documentState(attributeOf(change, 'before', [spec.attribute])),
      after: documentState(attributeOf(change, 'after', [spec.attribute])),
    });
    if (change.type === 'aws_iam_role') documents.push(...inlinePolicies(plan, change));
  }
  return documents;
}

/** A role's `inline_policy` blocks, matched by name. Computed (unknown) when the configuration sets none: skipped. */
function inlinePolicies(plan: Plan, change: ResourceChange): PolicyDocument[] {
  const before = inlineEntries(change.before?.inline_policy);
  if (change.after !== null && isMarked(change.afterUnknown, ['inline_policy'])) {
    if (isConfigured(plan, change, 'inline_policy') === false && before.length === 0) return [];
    return [
      { change, label: 'inline_policy', kind: 'identity', before: { state: 'absent' }, after: { state: 'unknown' } },
    ];
  }
  const after = inlineEntries(change.after?.inline_policy);
  const names = [...new Set([...before, ...after].map((entry) => entry.name))];
  return names.map((name) => {
    const was = before.find((entry) => entry.name === name);
    const now = after.find((entry) => entry.name === name);
    return {
      change,
      label: `inline_policy "${name}"`,
      kind: 'identity',
      before:
        was === undefined
          ? { state: 'absent' }
          : documentState(attributeOf(change, 'before', ['inline_policy', was.position, 'policy'])),
      after:
        now === undefined
          ? { state: 'absent' }
          : documentState(attributeOf(change, 'after', ['inline_policy', now.position, 'policy'])),
    };
  });
}

function inlineEntries(value: JsonValue | undefined): { name: string; position: number }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry, position) => {
    const name = valueAt(entry, ['name']);
    const policy = valueAt(entry, ['policy']);
    return typeof name === 'string' && (policy === undefined || policy === null || typeof policy === 'string')
      ? [{ name, position }]
      : [];
  });
}

function documentState(attribute: Attribute): DocumentState {
  if (attribute.state !== 'known') return attribute;
  return { state: 'known', sensitive: attribute.sensitive, policy: parsePolicy(attribute.value) };
}
