import { IConstruct } from 'constructs';
import { Annotations, Aspects, IAspect, TerraformResource, TerraformStack } from 'cdktf';
import { resolvedElement } from '../synthesis/resolve-once';
import { ROTATION_RULES } from './all-rules';
import { Rule, SynthesizedResource, SynthesizedStack } from './rule';

/** A stack's resources as synthesized, each resolved once, and which construct each one is. */
interface StackView {
  readonly stack: SynthesizedStack;
  readonly byConstruct: ReadonlyMap<TerraformResource, SynthesizedResource>;
}

/**
 * Runs the rules on every resource of the stack at synthesis and reports each failure as an error
 * annotation on the offending construct, which makes `cdktf synth` abort.
 */
export class RotationChecks implements IAspect {
  private readonly views = new WeakMap<TerraformStack, StackView>();

  constructor(readonly rules: readonly Rule[] = ROTATION_RULES) {}

  visit(node: IConstruct): void {
    // Aspects visit the stack before its children: start each synthesis from a fresh view of the stack.
    if (TerraformStack.isStack(node)) this.views.delete(node);
    if (!TerraformResource.isTerraformResource(node)) return;
    const view = this.stackView(TerraformStack.of(node));
    // A resource another aspect added after the view was built is checked on its own.
    const resource = view.byConstruct.get(node) ?? synthesizeResource(node);
    if (resource === undefined) return;
    for (const rule of this.rules) {
      if (rule.check(resource, view.stack) === 'non-compliant') {
        Annotations.of(node).addError(`[${rule.id}] ${rule.summary} ${rule.explanation}`);
      }
    }
  }

  // Built on the first resource visit: aspects run at synthesis, when the whole tree exists.
  private stackView(stack: TerraformStack): StackView {
    let view = this.views.get(stack);
    if (view === undefined) {
      const byConstruct = new Map<TerraformResource, SynthesizedResource>();
      for (const node of stack.node.findAll()) {
        if (!TerraformResource.isTerraformResource(node)) continue;
        const resource = synthesizeResource(node);
        if (resource !== undefined) byConstruct.set(node, resource);
      }
      view = { stack: { resources: [...byConstruct.values()] }, byConstruct };
      this.views.set(stack, view);
    }
    return view;
  }
}

/** Adds the checks to the stack once, however many constructs ask for them. */
export function applyRotationChecks(stack: TerraformStack): void {
  const aspects = Aspects.of(stack);
  if (!aspects.all.some((aspect) => aspect instanceof RotationChecks)) aspects.add(new RotationChecks());
}

/** The resource as cdk.tf.json shows it; none for a resource that was moved (it synthesizes a `moved` block only). */
function synthesizeResource(resource: TerraformResource): SynthesizedResource | undefined {
  const json = resolvedElement(resource) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  if (json.resource === undefined) return undefined;
  const [type, byName] = Object.entries(json.resource)[0];
  const [name, config] = Object.entries(byName)[0];
  return { type, name, config };
}
