// Resolving tokens is most of a fleet's synthesis time (about half a millisecond per user and pass): cdktf resolves
// every element of a stack in prepareStack and again in toTerraform, and the policy checks (lib/rules) need every
// resource resolved too. A stack that opts in (IamKeyRotationStack) keeps what its prepareStack resolved, and its
// synthesis (the aspects, then toTerraform) reuses it, so each element is resolved once.
import {
  Aspects,
  DefaultTokenResolver,
  IAspect,
  IStackSynthesizer,
  ISynthesisSession,
  StringConcat,
  TerraformElement,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import { IConstruct } from 'constructs';

type JsonObject = Record<string, unknown>;
/** An element's `toTerraform()` with every token resolved, as cdk.tf.json shows it. */
export type ResolvedElement = JsonObject;
type Resolution = ReadonlyMap<TerraformElement, ResolvedElement>;

// The resolver the stack itself uses when it writes cdk.tf.json.
const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** Resolves the element now. A preparing resolution also registers references to other stacks' resources. */
export function resolveElement(element: TerraformElement, preparing = false): ResolvedElement {
  return Tokenization.resolve(element.toTerraform(), {
    scope: TerraformStack.of(element),
    preparing,
    resolver: RESOLVER,
  }) as ResolvedElement;
}

/** What prepareStack resolved, until the stack's synthesis takes it. */
const prepared = new WeakMap<TerraformStack, Resolution>();
/** What the running synthesis of the stack reuses. */
const inSynthesis = new WeakMap<TerraformStack, Resolution>();

/** The element resolved: as the running synthesis of its stack has it, or now. */
export function resolvedElement(element: TerraformElement): ResolvedElement {
  return inSynthesis.get(TerraformStack.of(element))?.get(element) ?? resolveElement(element);
}

/** What TerraformStack.prepareStack does (a backend, a preparing resolution of every element), keeping the results. */
export function prepareResolvingOnce(stack: TerraformStack): void {
  stack.ensureBackendExists();
  const resolution: Resolution = new Map(ownElements(stack).map((element) => [element, resolveElement(element, true)]));
  prepared.set(stack, resolution);
  // App.synth prepares and synthesizes in one synchronous run. If it stops before this stack's synthesis (another stack
  // failed), the stack may change before the next one: what was kept must not outlive the run.
  queueMicrotask(() => {
    if (prepared.get(stack) === resolution) prepared.delete(stack);
  });
}

/**
 * The stack's synthesizer, reusing during its synthesis what prepareStack resolved. Aspects run between the two and
 * may change resources: unless every aspect in the stack is one of `readOnly`, everything is resolved again.
 */
export function synthesizerResolvingOnce(
  stack: TerraformStack,
  synthesizer: IStackSynthesizer,
  readOnly: (aspect: IAspect) => boolean,
): IStackSynthesizer {
  return {
    synthesize(session: ISynthesisSession): void {
      const resolution = prepared.get(stack);
      prepared.delete(stack);
      if (resolution !== undefined && hasOnlyAspects(stack, readOnly)) inSynthesis.set(stack, resolution);
      try {
        synthesizer.synthesize(session);
      } finally {
        inSynthesis.delete(stack);
      }
    },
  };
}

/**
 * TerraformStack.toTerraform reusing what the running synthesis resolved. cdktf resolves each element's fragment and then
 * the merged document: for a fragment resolved already, both walks change nothing and cost almost what resolving it did.
 * So cdktf renders the rest (metadata, outputs, the stack's own overrides) with every element answering an empty
 * fragment, and the fragments are merged after, in its order. Elements added since prepareStack (e.g. for another
 * stack's references) are resolved here. Overrides of the stack itself must win over the fragments: with any, cdktf
 * does it all.
 */
export function toTerraformResolvingOnce(stack: TerraformStack, toTerraform: () => JsonObject): JsonObject {
  const resolution = inSynthesis.get(stack);
  if (resolution === undefined) return toTerraform();
  const elements = ownElements(stack);
  const document = withElementsAnswering(elements, () => ({}), toTerraform);
  if (hasStackOverrides(document)) return toTerraform();
  for (const element of elements) mergeJson(document, resolution.get(element) ?? resolveElement(element));
  return document;
}

/** Calls `fn` with each element's toTerraform answering `fragment` (an own property shadows the method until it returns). */
function withElementsAnswering<T>(elements: readonly TerraformElement[], fragment: () => JsonObject, fn: () => T): T {
  for (const element of elements)
    Object.defineProperty(element, 'toTerraform', { value: fragment, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    for (const element of elements) Reflect.deleteProperty(element, 'toTerraform');
  }
}

/** cdktf lists the stack's own overrides in the metadata (TerraformStack.toTerraform). */
function hasStackOverrides(document: JsonObject): boolean {
  const comment = document['//'] as { metadata?: { overrides?: { stack?: unknown } } } | undefined;
  return comment?.metadata?.overrides?.stack !== undefined;
}

/** cdktf's deepMerge (lib/util.js), for resolved JSON: objects merge key by key, an array extends an array. */
function mergeJson(target: JsonObject, source: JsonObject): void {
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (typeof target[key] !== 'object') target[key] = {};
      mergeJson(target[key] as JsonObject, value as JsonObject);
    } else if (Array.isArray(value)) {
      const current = target[key];
      target[key] = Array.isArray(current) ? [...(current as unknown[]), ...value] : value;
    } else if (value === undefined) {
      delete target[key];
    } else {
      target[key] = value;
    }
  }
}

/** The stack's elements, as TerraformStack.prepareStack and toTerraform list them: not those of nested stacks. */
function ownElements(node: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (!TerraformStack.isStack(child)) ownElements(child, into);
  }
  return into;
}

function hasOnlyAspects(stack: TerraformStack, allowed: (aspect: IAspect) => boolean): boolean {
  return stack.node.findAll().every((node) => Aspects.of(node).all.every(allowed));
}
