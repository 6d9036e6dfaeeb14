// A fleet's stack in the emulator without Terraform's cost per resource (about 0.1 s of CPU each: over a minute for
// 200 users): Terraform applies the stack synthesized for the fleet's first user while the SDK adds what the stack
// synthesized for the whole fleet holds beyond that (IAM users, secrets, then the role's grants on them and each
// secret's rotation), every attribute read from that synthesized Terraform JSON and its references resolved against
// Terraform's state and what the SDK made. A resource type it cannot add makes it fail, naming the resource.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { buildApp, STACK_NAME } from '../main';
import { EmulatorDeployment } from './deployment';
import type { Emulator } from './emulator';

type Attributes = Readonly<Record<string, unknown>>;

interface TerraformJson {
  readonly resource: Readonly<Record<string, Readonly<Record<string, Attributes>>>>;
  readonly output: Readonly<Record<string, { readonly value: unknown }>>;
}

interface TerraformState {
  readonly resources: readonly {
    readonly mode: 'managed' | 'data';
    readonly type: string;
    readonly name: string;
    readonly instances: readonly { readonly attributes: Attributes }[];
  }[];
}

/** The resource types the SDK adds, in the order their references need. */
const ADDED_TYPES = [
  'aws_iam_user',
  'aws_secretsmanager_secret',
  'aws_iam_policy',
  'aws_iam_role_policy_attachment',
  'aws_secretsmanager_secret_rotation',
] as const;
type AddedType = (typeof ADDED_TYPES)[number];

export interface FleetStackOptions {
  /** The app's config for the whole fleet (rotation.config.json's format); its first user is deployed by Terraform. */
  readonly config: { readonly users: readonly Record<string, unknown>[] } & Record<string, unknown>;
  /** Where the two synthesized stacks and Terraform's state go. */
  readonly workDir: string;
  /** RotateSecret calls (each a bootstrap rotation) running at once. @default 16 */
  readonly rotationConcurrency?: number;
  /** Progress lines. @default - none */
  readonly log?: (line: string) => void;
}

export interface FleetStack {
  /** ARN of each managed secret, by IAM user name (the stack's `secret_arns` output). */
  readonly secretArns: Readonly<Record<string, string>>;
  readonly functionArn: string;
  readonly roleArn: string;
  /** The Terraform deployment of the first user's stack. */
  readonly deployment: EmulatorDeployment;
  /** Resources the SDK added (or, for a policy Terraform made, updated to the fleet's version), by type. */
  readonly added: Readonly<Record<AddedType, number>>;
}

/**
 * Deploys the fleet's stack as described above; returns once every secret's first rotation (RotateImmediately, as the
 * stack's `rotate_immediately`) has succeeded. IAM auth should be on, so the rotations run under the role's policies.
 */
export async function deployFleetStack(emulator: Emulator, options: FleetStackOptions): Promise<FleetStack> {
  const { config, workDir } = options;
  if (config.users.length === 0) throw new Error('the fleet needs at least one user');
  const writeConfig = (name: string, users: readonly Record<string, unknown>[]): string => {
    const file = path.join(workDir, name);
    fs.writeFileSync(file, JSON.stringify({ ...config, users }, null, 2));
    return file;
  };
  const firstUserConfig = writeConfig('first-user.config.json', config.users.slice(0, 1));
  const fleetConfig = writeConfig('fleet.config.json', config.users);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const deployment = new EmulatorDeployment(emulator, {
    outdir: path.join(workDir, 'first-user'),
    configPath: firstUserConfig,
  });
  const firstUser = readStack(deployment.stackDir);
  const fleetOut = path.join(workDir, 'fleet');
  buildApp({ outdir: fleetOut, env: { ...process.env, ...emulator.env() }, configPath: fleetConfig }).synth();
  const fleet = readStack(path.join(fleetOut, 'stacks', STACK_NAME));
  const byTerraform = (type: string, name: string): boolean => firstUser.resource[type]?.[name] !== undefined;
  const missing = Object.entries(fleet.resource).flatMap(([type, resources]) =>
    Object.keys(resources)
      .filter((name) => !byTerraform(type, name) && !(ADDED_TYPES as readonly string[]).includes(type))
      .map((name) => `${type}.${name}`),
  );
  if (missing.length > 0)
    throw new Error(`the fleet's stack has resources the SDK cannot add: ${missing.slice(0, 5).join(', ')}`);

  const references = new References();
  const iam = new IAMClient(emulator.clientConfig());
  const secretsManager = new SecretsManagerClient(emulator.clientConfig());
  const added = Object.fromEntries(ADDED_TYPES.map((type) => [type, 0])) as Record<AddedType, number>;
  /** The resources of `type` the SDK adds; `independent`: those that reference nothing, so need nothing Terraform makes. */
  const toAdd = (type: AddedType, which: 'independent' | 'dependent' | 'all'): [string, Attributes][] =>
    Object.entries(fleet.resource[type] ?? {}).filter(([name, spec]) => {
      if (type !== 'aws_iam_policy' && byTerraform(type, name)) return false;
      const independent = !JSON.stringify(spec).includes('${');
      return which === 'all' || (which === 'independent') === independent;
    });
  const add = async (
    type: AddedType,
    which: 'independent' | 'dependent' | 'all',
    concurrency: number,
    create: (name: string, spec: Attributes) => Promise<Attributes | undefined>,
  ): Promise<void> => {
    await inBatches(toAdd(type, which), concurrency, async ([name, spec]) => {
      const attributes = await create(name, spec);
      if (attributes !== undefined) references.add(type, name, attributes);
      added[type] += 1;
    });
  };
  const text = (spec: Attributes, key: string): string | undefined =>
    spec[key] === undefined ? undefined : references.resolve(String(spec[key]));
  const tags = (spec: Attributes) =>
    Object.entries((spec.tags ?? {}) as Record<string, string>).map(([Key, Value]) => ({
      Key,
      Value: references.resolve(Value),
    }));
  const createUser = async (_name: string, spec: Attributes): Promise<Attributes> => {
    const { User } = await iam.send(
      new CreateUserCommand({ UserName: text(spec, 'name'), Path: text(spec, 'path'), Tags: tags(spec) }),
    );
    return { name: User?.UserName, id: User?.UserName, arn: User?.Arn };
  };
  const createSecret = async (_name: string, spec: Attributes): Promise<Attributes> => {
    const created = await secretsManager.send(
      new CreateSecretCommand({
        Name: text(spec, 'name'),
        Description: text(spec, 'description'),
        KmsKeyId: text(spec, 'kms_key_id'),
        Tags: tags(spec),
      }),
    );
    return { arn: created.ARN, id: created.ARN, name: created.Name };
  };

  try {
    // Terraform's minute is mostly its own CPU: meanwhile, add the users and secrets that need nothing it makes.
    const terraform = (async () => {
      await deployment.init();
      await deployment.apply();
      log(`fleet stack: Terraform applied the first user's stack in ${Date.now() - started} ms`);
    })();
    const independent = (async () => {
      await add('aws_iam_user', 'independent', 8, createUser);
      await add('aws_secretsmanager_secret', 'independent', 8, createSecret);
    })();
    const [applied, created] = await Promise.allSettled([terraform, independent]);
    for (const outcome of [applied, created]) if (outcome.status === 'rejected') throw outcome.reason;
    references.addState(JSON.parse(deployment.stateText()) as TerraformState);

    await add('aws_iam_user', 'dependent', 8, createUser);
    await add('aws_secretsmanager_secret', 'dependent', 8, createSecret);
    await add('aws_iam_policy', 'all', 4, async (name, spec) => {
      const document = references.resolve(String(spec.policy));
      const deployed = references.attributes('aws_iam_policy', name);
      if (deployed !== undefined) {
        if (deployed.policy !== document) {
          await iam.send(
            new CreatePolicyVersionCommand({
              PolicyArn: String(deployed.arn),
              PolicyDocument: document,
              SetAsDefault: true,
            }),
          );
        }
        return undefined;
      }
      const { Policy } = await iam.send(
        new CreatePolicyCommand({
          PolicyName: text(spec, 'name'),
          Path: text(spec, 'path'),
          Description: text(spec, 'description'),
          PolicyDocument: document,
        }),
      );
      return { arn: Policy?.Arn, id: Policy?.Arn, name: Policy?.PolicyName };
    });
    // Terraform made the roles' inline policies for the first user; the fleet's name every secret (an exact Deny).
    await inBatches(Object.values(fleet.resource.aws_iam_role_policy ?? {}), 4, async (spec) => {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: text(spec, 'role'),
          PolicyName: text(spec, 'name'),
          PolicyDocument: references.resolve(String(spec.policy)),
        }),
      );
    });
    await add('aws_iam_role_policy_attachment', 'all', 4, async (_name, spec) => {
      await iam.send(
        new AttachRolePolicyCommand({ RoleName: text(spec, 'role'), PolicyArn: text(spec, 'policy_arn') }),
      );
      return {};
    });
    await add('aws_secretsmanager_secret_rotation', 'all', options.rotationConcurrency ?? 16, async (_name, spec) => {
      const rules = (spec.rotation_rules ?? {}) as Record<string, unknown>;
      await secretsManager.send(
        new RotateSecretCommand({
          SecretId: text(spec, 'secret_id'),
          RotationLambdaARN: text(spec, 'rotation_lambda_arn'),
          RotationRules: {
            AutomaticallyAfterDays:
              rules.automatically_after_days === undefined ? undefined : Number(rules.automatically_after_days),
            Duration: rules.duration === undefined ? undefined : String(rules.duration),
            ScheduleExpression: rules.schedule_expression === undefined ? undefined : String(rules.schedule_expression),
          },
          RotateImmediately: spec.rotate_immediately !== false,
        }),
      );
      return {};
    });
  } finally {
    iam.destroy();
    secretsManager.destroy();
  }
  log(`fleet stack: the SDK added the other users and their first rotations in ${Date.now() - started} ms`);

  const output = (name: string): unknown => references.resolveValue(fleet.output[name]?.value);
  return {
    secretArns: output('secret_arns') as Record<string, string>,
    functionArn: String(output('rotation_function_arn')),
    roleArn: String(output('rotation_role_arn')),
    deployment,
    added,
  };
}

function readStack(stackDir: string): TerraformJson {
  return JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

/** Terraform's `${type.name.attribute}` references, resolved against its state and the resources added since. */
class References {
  private readonly known = new Map<string, Attributes>();

  /** Everything Terraform's state holds, data sources included. */
  addState(state: TerraformState): void {
    for (const resource of state.resources) {
      const key =
        resource.mode === 'data' ? `data.${resource.type}.${resource.name}` : `${resource.type}.${resource.name}`;
      this.known.set(key, resource.instances[0]?.attributes ?? {});
    }
  }

  attributes(type: string, name: string): Attributes | undefined {
    return this.known.get(`${type}.${name}`);
  }

  add(type: string, name: string, attributes: Attributes): void {
    this.known.set(`${type}.${name}`, attributes);
  }

  /** @throws Error naming a reference that is not a plain `${address.attribute}` or whose value is unknown. */
  resolve(text: string): string {
    return text.replace(/\$\{([^}]*)\}/g, (reference: string, expression: string) => {
      const match = /^((?:data\.)?[\w-]+\.[\w-]+)\.(\w+)$/.exec(expression);
      const value = match === null ? undefined : this.known.get(match[1])?.[match[2]];
      if (typeof value !== 'string') throw new Error(`cannot resolve ${reference} in the fleet's stack`);
      return value;
    });
  }

  resolveValue(value: unknown): unknown {
    if (typeof value === 'string') return this.resolve(value);
    if (Array.isArray(value)) return value.map((item) => this.resolveValue(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolveValue(item)]));
    }
    return value;
  }
}

/** Runs `work` on every item, at most `concurrency` at once; the first failure fails the whole after the others end. */
export async function inBatches<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      await work(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failures.length > 0) throw failures[0];
}
