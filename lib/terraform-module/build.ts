// Writes the plain Terraform module (npm run build:module): main.tf.json synthesized from TerraformModuleStack, the
// function zip, and a README whose tables come from the same variable and output definitions. The same sources give
// the same bytes.
import * as fs from 'fs';
import * as path from 'path';
import { AnnotationMetadataEntryType, App, Testing } from 'cdktf';
import { STACK_OUTPUTS } from '../app/outputs';
import { PolicyLists } from './policy-lists';
import { MODULE_ZIP_NAME, TerraformModuleStack, maxModuleUsers } from './module-stack';
import { moduleReadme } from './readme';
import { moduleVariables } from './variables';

/** The AWS provider the construct is built and tested with (5.100.0), and its major version. */
export const AWS_PROVIDER_CONSTRAINT = '>= 5.100.0, < 6.0.0';
/** Validations that refer to other variables need Terraform 1.9. */
export const TERRAFORM_VERSION_CONSTRAINT = '>= 1.9.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The module's main.tf.json as an object: the stack synthesized (the rotation rules run on it), then made a module. */
export function synthesizeModule(zipPath: string): Record<string, Json> {
  const stack = new TerraformModuleStack(new App({ skipValidation: true }), 'terraform-module', { zipPath });
  // Aspects (the rotation rules) and the constructs' validations run; the rules report failures as error annotations.
  const synthesized = JSON.parse(Testing.synth(stack, true)) as Record<string, Json>;
  const errors = stack.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === AnnotationMetadataEntryType.ERROR)
        .map((entry) => `${node.node.path}: ${String(entry.data)}`),
    );
  if (errors.length > 0) throw new Error(`The module breaks the rotation rules:\n${errors.join('\n')}`);
  const module = rewritePolicies(synthesized, stack.policyLists) as Record<string, Json>;
  const terraform = (module.terraform ?? {}) as Record<string, Json>;
  // A module takes its provider and its state from the root module that calls it.
  delete terraform.backend;
  delete module.provider;
  module.terraform = {
    ...terraform,
    required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_CONSTRAINT } },
    required_version: TERRAFORM_VERSION_CONSTRAINT,
  };
  return sortKeys(module) as Record<string, Json>;
}

export interface BuildModuleOptions {
  /** The built function zip (npm run build:lambda). */
  readonly zipPath: string;
  /** The module folder, emptied first. */
  readonly outDir: string;
}

/** Writes the module folder: main.tf.json, the zip and README.md. */
export function buildTerraformModule(options: BuildModuleOptions): void {
  const module = synthesizeModule(options.zipPath);
  fs.rmSync(options.outDir, { recursive: true, force: true });
  fs.mkdirSync(options.outDir, { recursive: true });
  fs.writeFileSync(path.join(options.outDir, 'main.tf.json'), `${JSON.stringify(module, null, 2)}\n`);
  fs.copyFileSync(options.zipPath, path.join(options.outDir, MODULE_ZIP_NAME));
  fs.writeFileSync(
    path.join(options.outDir, 'README.md'),
    moduleReadme({
      variables: moduleVariables(maxModuleUsers()),
      outputs: STACK_OUTPUTS,
      maxUsers: maxModuleUsers(),
      awsProvider: AWS_PROVIDER_CONSTRAINT,
      terraform: TERRAFORM_VERSION_CONSTRAINT,
    }),
  );
}

/** Every string holding list stand-ins is a policy document: rewritten with `for` expressions. */
function rewritePolicies(value: Json, lists: PolicyLists): Json {
  if (typeof value === 'string') return PolicyLists.hasMarkers(value) ? lists.rewrite(value) : value;
  if (Array.isArray(value)) return value.map((item) => rewritePolicies(item, lists));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewritePolicies(item, lists)]));
  return value;
}

/** Keys in code-point order at every level, so the file does not depend on construction order. */
function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}
