// IAM policy documents (identity and resource policies) parsed into one normal form, so that two spellings of the
// same grant compare equal: single values become lists, lists are sorted and deduplicated, `Principal: "*"` is
// `{"AWS": ["*"]}`, condition values are strings.

export type PrincipalMap = Readonly<Record<string, readonly string[]>>;
/** Condition operator -> key -> values. */
export type ConditionMap = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface PolicyStatement {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principal: PrincipalMap | undefined;
  readonly notPrincipal: PrincipalMap | undefined;
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly condition: ConditionMap | undefined;
}

export type ParsedPolicy =
  | { readonly ok: true; readonly statements: readonly PolicyStatement[] }
  | { readonly ok: false; readonly problem: string };

/** The fields a statement diff and a report row speak of, in the order a reader expects them. */
export const STATEMENT_FIELDS = [
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
] as const;
export type StatementField = (typeof STATEMENT_FIELDS)[number];

/**
 * Parses a policy document: the JSON text Terraform holds (`policy`, `assume_role_policy`), or an object. An empty
 * text is a policy without statements. Problems name what is wrong, never quote the document.
 */
export function parsePolicy(document: unknown): ParsedPolicy {
  let raw = document;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { ok: true, statements: [] };
    try {
      raw = JSON.parse(raw);
    } catch {
      return { ok: false, problem: 'the policy is not valid JSON' };
    }
  }
  if (!isRecord(raw)) return { ok: false, problem: 'the policy is not a JSON object' };
  const statement = raw.Statement;
  if (statement === undefined) return { ok: true, statements: [] };
  const list = Array.isArray(statement) ? statement : [statement];
  const statements: PolicyStatement[] = [];
  for (const [position, entry] of list.entries()) {
    const parsed = normalizeStatement(entry);
    if (typeof parsed === 'string') return { ok: false, problem: `Statement ${position + 1}: ${parsed}` };
    statements.push(parsed);
  }
  return { ok: true, statements };
}

/** @returns the statement, or a problem */
function normalizeStatement(entry: unknown): PolicyStatement | string {
  if (!isRecord(entry)) return 'not an object';
  if (typeof entry.Effect !== 'string') return 'no Effect';
  const sid = typeof entry.Sid === 'string' && entry.Sid !== '' ? entry.Sid : undefined;
  const fields = {
    principal: principalMap(entry.Principal),
    notPrincipal: principalMap(entry.NotPrincipal),
    action: stringList(entry.Action),
    notAction: stringList(entry.NotAction),
    resource: stringList(entry.Resource),
    notResource: stringList(entry.NotResource),
    condition: conditionMap(entry.Condition),
  };
  for (const [name, value] of Object.entries(fields))
    if (value === null) return `${name} is not a string, a list of strings or a map of them`;
  return { sid, effect: entry.Effect, ...(fields as Omit<PolicyStatement, 'sid' | 'effect'>) };
}

/** @returns undefined when absent, null when malformed */
function stringList(value: unknown): readonly string[] | undefined | null {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((item) => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean'))
    return null;
  return sortedUnique(values.map(String));
}

function principalMap(value: unknown): PrincipalMap | undefined | null {
  if (value === undefined) return undefined;
  if (value === '*') return { AWS: ['*'] };
  if (!isRecord(value)) return null;
  const map: Record<string, readonly string[]> = {};
  for (const type of Object.keys(value).sort()) {
    const values = stringList(value[type]);
    if (values === null) return null;
    if (values !== undefined) map[type] = values;
  }
  return map;
}

function conditionMap(value: unknown): ConditionMap | undefined | null {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return null;
  const map: Record<string, Record<string, readonly string[]>> = {};
  for (const operator of Object.keys(value).sort()) {
    const keys = value[operator];
    if (!isRecord(keys)) return null;
    map[operator] = {};
    for (const key of Object.keys(keys).sort()) {
      const values = stringList(keys[key]);
      if (values === null) return null;
      if (values !== undefined) map[operator][key] = values;
    }
  }
  return map;
}

/** The statement as one string (keys in a fixed order), for "identical content" comparisons. */
export function statementKey(statement: PolicyStatement, options: { withSid: boolean } = { withSid: true }): string {
  const { sid, ...rest } = statement;
  return JSON.stringify(options.withSid ? { sid: sid ?? null, ...rest } : rest);
}

/**
 * The elements of one field, as a report prints them: an action, a resource, a principal (`*`, an AWS ARN or
 * account, `Service:events.amazonaws.com`), a condition (`aws:SourceAccount StringEquals 123456789012`).
 */
export function fieldElements(statement: PolicyStatement, field: StatementField): string[] {
  switch (field) {
    case 'Effect':
      return [statement.effect];
    case 'Principal':
      return principalElements(statement.principal);
    case 'NotPrincipal':
      return principalElements(statement.notPrincipal);
    case 'Action':
      return [...(statement.action ?? [])];
    case 'NotAction':
      return [...(statement.notAction ?? [])];
    case 'Resource':
      return [...(statement.resource ?? [])];
    case 'NotResource':
      return [...(statement.notResource ?? [])];
    case 'Condition':
      return conditionElements(statement.condition);
  }
}

function principalElements(map: PrincipalMap | undefined): string[] {
  if (map === undefined) return [];
  return Object.entries(map).flatMap(([type, values]) =>
    values.map((value) => (type === 'AWS' ? value : `${type}:${value}`)),
  );
}

function conditionElements(map: ConditionMap | undefined): string[] {
  if (map === undefined) return [];
  return Object.entries(map).flatMap(([operator, keys]) =>
    Object.entries(keys).flatMap(([key, values]) => values.map((value) => `${key} ${operator} ${value}`)),
  );
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
