import { IConstruct } from 'constructs';
import {
  Annotations,
  Aspects,
  DefaultTokenResolver,
  IAspect,
  StringConcat,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import { ROTATION_RULES } from './all-rules';
import { Rule, SynthesizedResource, SynthesizedStack } from './rule';

/**
 * Runs the rules on every resource of the stack at synthesis and reports each failure as an error
 * annotation on the offending construct, which makes `cdktf synth` abort.
 */
export class RotationChecks implements IAspect {
  private readonly stacks = new WeakMap<TerraformStack, SynthesizedStack>();

  constructor(readonly rules: readonly Rule[] = ROTATION_RULES) {}

  visit(node: IConstruct): void {
    // Aspects visit the stack before its children: start each synthesis from a fresh view of the stack.
    if (TerraformStack.isStack(node)) this.stacks.delete(node);
    if (!TerraformResource.isTerraformResource(node)) return;
    const stack = TerraformStack.of(node);
    const resource = synthesizeResource(node);
    const view = this.stackView(stack);
    for (const rule of this.rules) {
      if (rule.check(resource, view) === 'non-compliant') {
        Annotations.of(node).addError(`[${rule.id}] ${rule.summary} ${rule.explanation}`);
      }
    }
  }

  // Built on the first resource visit: aspects run at synthesis, when the whole tree exists.
  private stackView(stack: TerraformStack): SynthesizedStack {
    let view = this.stacks.get(stack);
    if (view === undefined) {
      const resources = stack.node
        .findAll()
        .filter((node): node is TerraformResource => TerraformResource.isTerraformResource(node))
        .map(synthesizeResource);
      view = { resources };
      this.stacks.set(stack, view);
    }
    return view;
  }
}

/** Adds the checks to the stack once, however many constructs ask for them. */
export function applyRotationChecks(stack: TerraformStack): void {
  const aspects = Aspects.of(stack);
  if (!aspects.all.some((aspect) => aspect instanceof RotationChecks)) aspects.add(new RotationChecks());
}

// The resolver the stack itself uses when it writes cdk.tf.json.
const RESOLVER = new DefaultTokenResolver(new StringConcat());

function synthesizeResource(resource: TerraformResource): SynthesizedResource {
  const stack = TerraformStack.of(resource);
  const json = Tokenization.resolve(resource.toTerraform(), { scope: stack, resolver: RESOLVER }) as { resource: Record<string, Record<string, Record<string, unknown>>> };
  const [type, byName] = Object.entries(json.resource)[0];
  const [name, config] = Object.entries(byName)[0];
  return { type, name, config };
}
