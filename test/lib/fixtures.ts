// Test support for the construct suites: a stand-in deployment package and synthesis helpers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import { AnnotationMetadataEntryType, DefaultTokenResolver, StringConcat, Testing, TerraformStack, Tokenization } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamAccessKeyRotation, IamAccessKeyRotationProps } from '../../lib';

let zipPath: string | undefined;

/** A small zip with fixed timestamps, so construct tests do not depend on `npm run build:lambda`. */
export function fixtureZip(): string {
  if (zipPath === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-fixture-'));
    zipPath = path.join(dir, 'lambda.zip');
    const source = new TextEncoder().encode('exports.handler = async () => undefined;\n');
    fs.writeFileSync(zipPath, zipSync({ 'index.js': [source, { mtime: new Date(1980, 0, 1) }] }));
  }
  return zipPath;
}

export const MINIMAL_PROPS: IamAccessKeyRotationProps = { users: [{ name: 'alice' }] };

export interface SynthesizedRotation {
  readonly stack: TerraformStack;
  readonly construct: IamAccessKeyRotation;
  /** The synthesized JSON as cdktf's matchers expect it. */
  readonly synthesized: string;
  readonly json: TerraformJson;
}

export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; description?: string }>;
  readonly provider?: Record<string, unknown[]>;
}

/** A fresh app and stack with the construct under test. */
export function synthRotation(props: Partial<IamAccessKeyRotationProps> = {}): SynthesizedRotation {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const construct = new IamAccessKeyRotation(stack, 'rotation', {
    ...MINIMAL_PROPS,
    functionZipPath: fixtureZip(),
    ...props,
  });
  const synthesized = Testing.synth(stack);
  return { stack, construct, synthesized, json: JSON.parse(synthesized) as TerraformJson };
}

/** The configurations of all resources of one type. */
export function resourcesOfType(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource[type] ?? {});
}

export function onlyResource(json: TerraformJson, type: string): Record<string, unknown> {
  const resources = resourcesOfType(json, type);
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  return resources[0];
}

/** The parsed policy document of a resource attribute holding policy JSON. */
export function policyOf(resource: Record<string, unknown>, attribute = 'policy'): { Statement: Record<string, unknown>[] } {
  return JSON.parse(String(resource[attribute])) as { Statement: Record<string, unknown>[] };
}

/** Error annotations in the stack (the policy checks report through them), as "<path>: <message>". */
export function errorAnnotations(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata.filter((entry) => entry.type === AnnotationMetadataEntryType.ERROR).map((entry) => `${node.node.path}: ${String(entry.data)}`),
    );
}

/** Tokens rendered as in cdk.tf.json. */
export function resolve(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
}
