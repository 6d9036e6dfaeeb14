// Test support for the construct suites: a stand-in deployment package and synthesis helpers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import {
  AnnotationMetadataEntryType,
  DefaultTokenResolver,
  StringConcat,
  Testing,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ConfigError, IamAccessKeyRotation, IamAccessKeyRotationProps } from '../../lib';

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
export function policyOf(
  resource: Record<string, unknown>,
  attribute = 'policy',
): { Statement: Record<string, unknown>[] } {
  return JSON.parse(String(resource[attribute])) as { Statement: Record<string, unknown>[] };
}

/** Error annotations in the stack (the policy checks report through them), as "<path>: <message>". */
export function errorAnnotations(stack: TerraformStack, type = AnnotationMetadataEntryType.ERROR): string[] {
  return stack.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === type)
        .map((entry) => `${node.node.path}: ${String(entry.data)}`),
    );
}

/** Warning annotations in the stack, as "<path>: <message>". */
export function warningAnnotations(stack: TerraformStack): string[] {
  return errorAnnotations(stack, AnnotationMetadataEntryType.WARN);
}

/** Tokens rendered as in cdk.tf.json. */
export function resolve(stack: TerraformStack, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
}

/**
 * A policy as IAM will see it, its references replaced by the longest values they can take: the longest partition
 * and region names (aws-us-gov, us-isof-south-1). No IAM path appears: users are named by path-independent patterns.
 */
export function withLongestArns(json: TerraformJson, policy: string): string {
  const resolved = policy
    // The names policies build ARNs from, as configured.
    .replace(
      /\$\{(aws_[a-z0-9_]+)\.([\w-]+)\.(name|alarm_name)\}/g,
      (match, type: string, id: string, attribute: string) => {
        const value = json.resource[type]?.[id]?.[attribute];
        return typeof value === 'string' ? value : match;
      },
    )
    .replace(
      /\$\{aws_kms_key\.[\w-]+\.arn\}/g,
      `arn:aws-us-gov:kms:us-isof-south-1:123456789012:key/mrk-${'0'.repeat(32)}`,
    )
    .replace(/\$\{data\.aws_partition\.[\w-]+\.dns_suffix\}/g, 'amazonaws.com.cn')
    .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws-us-gov')
    .replace(/\$\{data\.aws_region\.[\w-]+\.name\}/g, 'us-isof-south-1')
    .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, '123456789012')
    .replace(/\$\{data\.aws_iam_user\.([\w-]+)\.user_name\}/g, (_match, id: string) =>
      String(json.data?.aws_iam_user[id].user_name),
    );
  expect(resolved).not.toContain('${');
  return resolved;
}

/** The id of the only data source of `type` (the construct's partition, region and account). */
function onlyData(json: TerraformJson, type: string): string {
  const ids = Object.keys(json.data?.[type] ?? {});
  if (ids.length !== 1) throw new Error(`expected one data.${type}, found ${ids.length}`);
  return ids[0];
}

/** A regional ARN as the synthesized JSON builds it: partition, region and account from the data sources. */
export function builtArn(json: TerraformJson, service: string, resource: string): string {
  const partition = `\${data.aws_partition.${onlyData(json, 'aws_partition')}.partition}`;
  const region = `\${data.aws_region.${onlyData(json, 'aws_region')}.name}`;
  const account = `\${data.aws_caller_identity.${onlyData(json, 'aws_caller_identity')}.account_id}`;
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

/** An IAM ARN (no region) as the synthesized JSON builds it. */
export function builtIamArn(json: TerraformJson, resource: string): string {
  return `arn:\${data.aws_partition.${onlyData(json, 'aws_partition')}.partition}:iam::\${data.aws_caller_identity.${onlyData(json, 'aws_caller_identity')}.account_id}:${resource}`;
}

/** A reference to a resource's attribute, as the synthesized JSON writes it. */
export function ref(type: string, id: string, attribute: string): string {
  return `\${${type}.${id}.${attribute}}`;
}

/** IAM's matching of a resource ARN against a policy's pattern: `*` any characters, `?` one, case-sensitive. */
export function iamArnMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

/** The longest IAM path: 512 characters, starting and ending with `/`. */
export const LONGEST_IAM_PATH = `/${'p'.repeat(255)}/${'q'.repeat(254)}/`;

/** A policy's size as IAM counts it: characters other than whitespace. */
export const sizeForIam = (policy: string): number => policy.replace(/\s/g, '').length;

/** The problems of the ConfigError `call` throws (it must throw one). */
export function problemsOfCall(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
