// Typed reading of `terraform show -json <planfile>` (the JSON output format, format_version 1.x): the resource
// changes, the prior state and the configuration's references. Nothing here knows about iam-key-rotation.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
/** A path into a resource's attributes: attribute names and list indexes, e.g. `['rotation_rules', 0, 'duration']`. */
export type AttributePath = readonly (string | number)[];

export const PLAN_EXPECTED = 'the output of terraform show -json <planfile>';

/** The text is not a plan this command reads; the message says what was expected. */
export class PlanFormatError extends Error {
  override name = 'PlanFormatError';
}

/** What the plan does to one resource instance, from its `actions`. */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'no-op' | 'read' | 'forget';

export interface ResourceChange {
  readonly address: string;
  /** `module.rotation` (instance keys included), or undefined in the root module. */
  readonly moduleAddress: string | undefined;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  /** The `count` index or `for_each` key. */
  readonly index: string | number | undefined;
  /** Set for a deposed object (left over from an earlier create-before-destroy replacement). */
  readonly deposed: string | undefined;
  readonly kind: ChangeKind;
  readonly before: JsonObject | null;
  readonly after: JsonObject | null;
  /** `true` where a value of `after` is known only after apply; a tree mirroring `after`. */
  readonly afterUnknown: JsonValue;
  /** `true` where a value is sensitive; trees mirroring `before` and `after`. */
  readonly beforeSensitive: JsonValue;
  readonly afterSensitive: JsonValue;
  readonly actionReason: string | undefined;
  readonly replacePaths: readonly AttributePath[];
}

/** A resource instance of the prior state (what Terraform last recorded, refreshed). */
export interface PriorResource {
  readonly address: string;
  readonly moduleAddress: string | undefined;
  readonly type: string;
  readonly name: string;
  readonly index: string | number | undefined;
  readonly values: JsonObject;
  readonly sensitiveValues: JsonValue;
}

export interface Plan {
  readonly resourceChanges: readonly ResourceChange[];
  readonly priorResources: readonly PriorResource[];
  /** Configuration expressions by `<module path>|<type>.<name>` (module path without instance keys). */
  readonly configuration: ReadonlyMap<string, JsonObject>;
}

/** One attribute of one side of a change. A sensitive value is kept for checks, never for printing. */
export type Attribute =
  | { readonly state: 'absent' }
  | { readonly state: 'unknown' }
  | { readonly state: 'known'; readonly value: JsonValue; readonly sensitive: boolean };

/**
 * Parses the plan JSON.
 * @throws PlanFormatError when the text is not JSON, or not a plan (e.g. a state, or another tool's JSON).
 */
export function readPlan(text: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PlanFormatError(`the input is not JSON: expected ${PLAN_EXPECTED}`);
  }
  if (!isObject(raw) || typeof raw.format_version !== 'string') {
    throw new PlanFormatError(`the input is not a Terraform plan (no format_version): expected ${PLAN_EXPECTED}`);
  }
  if (!/^1\./.test(raw.format_version)) {
    throw new PlanFormatError(
      `the plan's format_version is ${raw.format_version}; this command reads format 1.x, ${PLAN_EXPECTED}`,
    );
  }
  if (raw.resource_changes === undefined && raw.planned_values === undefined) {
    const what =
      raw.values !== undefined
        ? 'a Terraform state (terraform show -json without a plan file)'
        : 'not a Terraform plan (no resource_changes)';
    throw new PlanFormatError(`the input is ${what}: expected ${PLAN_EXPECTED}`);
  }
  if (raw.resource_changes !== undefined && !Array.isArray(raw.resource_changes)) {
    throw new PlanFormatError(`the plan's resource_changes is not a list: expected ${PLAN_EXPECTED}`);
  }
  const resourceChanges = (raw.resource_changes ?? []).map((entry: unknown, position: number) =>
    readResourceChange(entry, position),
  );
  return {
    resourceChanges,
    priorResources: readPriorState(raw.prior_state),
    configuration: readConfiguration(raw.configuration),
  };
}

function readResourceChange(entry: unknown, position: number): ResourceChange {
  const where = `resource_changes[${position}]`;
  if (
    !isObject(entry) ||
    typeof entry.address !== 'string' ||
    typeof entry.type !== 'string' ||
    typeof entry.name !== 'string'
  ) {
    throw new PlanFormatError(`the plan's ${where} has no address, type or name: expected ${PLAN_EXPECTED}`);
  }
  const change = entry.change;
  if (
    !isObject(change) ||
    !Array.isArray(change.actions) ||
    !change.actions.every((action) => typeof action === 'string')
  ) {
    throw new PlanFormatError(
      `the plan's ${where} (${entry.address}) has no change.actions: expected ${PLAN_EXPECTED}`,
    );
  }
  return {
    address: entry.address,
    moduleAddress: typeof entry.module_address === 'string' ? entry.module_address : undefined,
    mode: typeof entry.mode === 'string' ? entry.mode : 'managed',
    type: entry.type,
    name: entry.name,
    index: typeof entry.index === 'string' || typeof entry.index === 'number' ? entry.index : undefined,
    deposed: typeof entry.deposed === 'string' ? entry.deposed : undefined,
    kind: changeKind(change.actions as string[]),
    before: isObject(change.before) ? change.before : null,
    after: isObject(change.after) ? change.after : null,
    afterUnknown: (change.after_unknown as JsonValue | undefined) ?? false,
    beforeSensitive: (change.before_sensitive as JsonValue | undefined) ?? false,
    afterSensitive: (change.after_sensitive as JsonValue | undefined) ?? false,
    actionReason: typeof entry.action_reason === 'string' ? entry.action_reason : undefined,
    replacePaths: Array.isArray(change.replace_paths) ? change.replace_paths.filter(isAttributePath) : [],
  };
}

function isAttributePath(value: JsonValue): value is (string | number)[] {
  return Array.isArray(value) && value.every((step) => typeof step === 'string' || typeof step === 'number');
}

export function changeKind(actions: readonly string[]): ChangeKind {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  for (const kind of ['create', 'update', 'delete', 'read', 'forget'] as const) if (actions.includes(kind)) return kind;
  return 'no-op';
}

function readPriorState(priorState: unknown): PriorResource[] {
  const resources: PriorResource[] = [];
  const walk = (module: unknown): void => {
    if (!isObject(module)) return;
    for (const resource of Array.isArray(module.resources) ? module.resources : []) {
      if (
        !isObject(resource) ||
        typeof resource.address !== 'string' ||
        typeof resource.type !== 'string' ||
        !isObject(resource.values)
      )
        continue;
      if (resource.mode !== undefined && resource.mode !== 'managed') continue;
      resources.push({
        address: resource.address,
        moduleAddress: moduleAddressOf(resource.address),
        type: resource.type,
        name: typeof resource.name === 'string' ? resource.name : '',
        index: typeof resource.index === 'string' || typeof resource.index === 'number' ? resource.index : undefined,
        values: resource.values,
        sensitiveValues: (resource.sensitive_values as JsonValue | undefined) ?? false,
      });
    }
    for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) walk(child);
  };
  if (isObject(priorState) && isObject(priorState.values)) walk(priorState.values.root_module);
  return resources;
}

function readConfiguration(configuration: unknown): Map<string, JsonObject> {
  const expressions = new Map<string, JsonObject>();
  const walk = (module: unknown, modulePath: string): void => {
    if (!isObject(module)) return;
    for (const resource of Array.isArray(module.resources) ? module.resources : []) {
      if (!isObject(resource) || typeof resource.type !== 'string' || typeof resource.name !== 'string') continue;
      if (resource.mode !== undefined && resource.mode !== 'managed') continue;
      expressions.set(
        `${modulePath}|${resource.type}.${resource.name}`,
        isObject(resource.expressions) ? resource.expressions : {},
      );
    }
    if (isObject(module.module_calls)) {
      for (const [call, value] of Object.entries(module.module_calls)) {
        if (isObject(value)) walk(value.module, modulePath === '' ? `module.${call}` : `${modulePath}.module.${call}`);
      }
    }
  };
  if (isObject(configuration)) walk(configuration.root_module, '');
  return expressions;
}

/** `module.a["x"].module.b` from `module.a["x"].module.b.aws_iam_role.r[0]`; undefined in the root module. */
function moduleAddressOf(address: string): string | undefined {
  const parts = splitAddress(address);
  let end = 0;
  while (parts[end] === 'module' && end + 2 < parts.length) end += 2;
  return end === 0 ? undefined : parts.slice(0, end).join('.');
}

/** Splits an address on the dots outside brackets and quotes. */
function splitAddress(address: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inBracket = false;
  let inQuote = false;
  for (let position = 0; position < address.length; position++) {
    const char = address[position];
    if (inQuote) {
      current += char;
      if (char === '\\') {
        current += address[++position] ?? '';
      } else if (char === '"') {
        inQuote = false;
      }
      continue;
    }
    if (char === '"') inQuote = true;
    else if (char === '[') inBracket = true;
    else if (char === ']') inBracket = false;
    else if (char === '.' && !inBracket) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** The module path without instance keys (`module.a.module.b`), as the configuration names modules; '' for the root. */
export function configModulePath(moduleAddress: string | undefined): string {
  return moduleAddress === undefined ? '' : moduleAddress.replace(/\[[^\]]*\]/g, '');
}

/** What identifies a resource (instance) in the configuration. */
export interface ResourceRef {
  readonly moduleAddress: string | undefined;
  readonly type: string;
  readonly name: string;
  readonly index: string | number | undefined;
}

/** The configuration expressions of a resource, or undefined when the plan has no configuration for it. */
export function expressionsOf(plan: Plan, resource: ResourceRef): JsonObject | undefined {
  return plan.configuration.get(`${configModulePath(resource.moduleAddress)}|${resource.type}.${resource.name}`);
}

/** Whether the configuration sets the attribute at all (a block or an expression). */
export function isConfigured(plan: Plan, resource: ResourceRef, attribute: string): boolean | undefined {
  const expressions = expressionsOf(plan, resource);
  return expressions === undefined ? undefined : expressions[attribute] !== undefined;
}

/** The `references` of an attribute's expression, e.g. `['aws_secretsmanager_secret.alice.id', 'aws_secretsmanager_secret.alice']`. */
export function referencesOf(plan: Plan, resource: ResourceRef, attribute: string): string[] {
  const expression = expressionsOf(plan, resource)?.[attribute];
  if (!isObject(expression) || !Array.isArray(expression.references)) return [];
  return expression.references.filter((reference): reference is string => typeof reference === 'string');
}

/** A resource known to the plan: its planned values (or, when deleted, its last ones), from a change or the prior state. */
export interface KnownResource extends ResourceRef {
  readonly address: string;
  /** The change, when the plan has one for it. */
  readonly change: ResourceChange | undefined;
  /** An attribute of its planned values (of its last values when it is deleted). */
  readonly attribute: (path: AttributePath) => Attribute;
}

/** Every managed resource instance of the plan: the resource changes, then prior-state instances they do not cover. */
export function knownResources(plan: Plan): ResourceIndex {
  const resources: KnownResource[] = [];
  const seen = new Set<string>();
  for (const change of plan.resourceChanges) {
    if (change.mode !== 'managed' || change.deposed !== undefined) continue;
    seen.add(change.address);
    const side = change.after !== null ? 'after' : 'before';
    resources.push({ ...change, change, attribute: (path) => attributeOf(change, side, path) });
  }
  for (const prior of plan.priorResources) {
    if (seen.has(prior.address)) continue;
    resources.push({
      ...prior,
      change: undefined,
      attribute: (path) => sideAttribute(prior.values, prior.sensitiveValues, path),
    });
  }
  return new ResourceIndex(resources);
}

/** The plan's resources by type and by configuration address: a fleet's plan holds tens of thousands. */
export class ResourceIndex {
  private readonly byType = new Map<string, KnownResource[]>();
  private readonly byConfigAddress = new Map<string, KnownResource[]>();
  private readonly byId = new Map<string, Map<string, KnownResource>>();

  constructor(readonly all: readonly KnownResource[]) {
    for (const resource of all) {
      push(this.byType, resource.type, resource);
      push(this.byConfigAddress, `${resource.moduleAddress ?? ''}|${resource.type}.${resource.name}`, resource);
    }
  }

  ofType(type: string): readonly KnownResource[] {
    return this.byType.get(type) ?? [];
  }

  /** The instances of one resource block of one module instance. */
  instancesOf(moduleAddress: string | undefined, type: string, name: string): readonly KnownResource[] {
    return this.byConfigAddress.get(`${moduleAddress ?? ''}|${type}.${name}`) ?? [];
  }

  /** The resource of the type whose known `arn` or `id` is the value. */
  byArnOrId(type: string, value: string): KnownResource | undefined {
    let index = this.byId.get(type);
    if (index === undefined) {
      index = new Map();
      for (const resource of this.ofType(type)) {
        for (const attribute of ['id', 'arn']) {
          const known = knownString(resource.attribute([attribute]));
          if (known !== undefined) index.set(known, resource);
        }
      }
      this.byId.set(type, index);
    }
    return index.get(value);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * The resources an attribute's expression references, of one type: a literal index (`x["alice"]`) picks that instance;
 * otherwise the instance with the same key as `from` (the `x[each.key]` case), or the only instance.
 */
export function referencedResources(
  plan: Plan,
  from: ResourceRef,
  attribute: string,
  type: string,
  resources: ResourceIndex,
): KnownResource[] {
  const found = new Map<string, KnownResource>();
  for (const reference of referencesOf(plan, from, attribute)) {
    if (!reference.startsWith(`${type}.`)) continue;
    const match = /^([^.[]+)\.([^.[]+)(?:\[("(?:[^"\\]|\\.)*"|\d+)\])?/.exec(reference);
    if (match === null) continue;
    const [, , name, rawIndex] = match;
    const index =
      rawIndex === undefined
        ? undefined
        : rawIndex.startsWith('"')
          ? (JSON.parse(rawIndex) as string)
          : Number(rawIndex);
    const candidates = resources.instancesOf(from.moduleAddress, type, name);
    let chosen: readonly KnownResource[];
    if (index !== undefined) chosen = candidates.filter((candidate) => candidate.index === index);
    else if (candidates.length === 1) chosen = candidates;
    else chosen = candidates.filter((candidate) => candidate.index !== undefined && candidate.index === from.index);
    for (const resource of chosen) found.set(resource.address, resource);
  }
  return [...found.values()];
}

/** An attribute of the change's `before` or `after`, with its unknown and sensitive marks. */
export function attributeOf(change: ResourceChange, side: 'before' | 'after', path: AttributePath): Attribute {
  const values = side === 'before' ? change.before : change.after;
  if (values === null) return { state: 'absent' };
  if (side === 'after' && isMarked(change.afterUnknown, path)) return { state: 'unknown' };
  return sideAttribute(values, side === 'before' ? change.beforeSensitive : change.afterSensitive, path);
}

function sideAttribute(values: JsonObject, sensitiveMarks: JsonValue, path: AttributePath): Attribute {
  const value = valueAt(values, path);
  if (value === undefined || value === null) return { state: 'absent' };
  return { state: 'known', value, sensitive: isMarked(sensitiveMarks, path) };
}

/** The value at the path, or undefined. */
export function valueAt(value: JsonValue | undefined, path: AttributePath): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const step of path) {
    if (current === null || current === undefined) return undefined;
    if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
    else current = isObject(current) ? current[step] : undefined;
  }
  return current;
}

/** Whether a mark tree (after_unknown, *_sensitive) is `true` at the path or at any of its prefixes. */
export function isMarked(marks: JsonValue | undefined, path: AttributePath): boolean {
  let current: JsonValue | undefined = marks;
  for (const step of path) {
    if (current === true) return true;
    current = valueAt(current, [step]);
  }
  return current === true;
}

/** A known, non-sensitive string attribute, else undefined. */
export function knownString(attribute: Attribute): string | undefined {
  return attribute.state === 'known' &&
    !attribute.sensitive &&
    typeof attribute.value === 'string' &&
    attribute.value !== ''
    ? attribute.value
    : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
