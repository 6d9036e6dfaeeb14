// The app's configuration file (rotation.config.json): the construct's props as JSON, plus the region, or a list of
// `targets` (lib/app/targets.ts), one deployment each. Pure checks; the only file access is loadAppConfig.
import * as fs from 'fs';
import { IamAccessKeyRotationProps, iamAccessKeyRotationPropsProblems } from '../construct/iam-access-key-rotation';
import { RepeatedKey, memberPath, scanJson } from '../validation/json-scan';
import { AWS_PROVIDER_REGIONS, AWS_PROVIDER_VERSION } from '../validation/regions';
import { StateBackend, stateBackendProblems } from './state-backend';
import {
  RotationTarget,
  TargetDefaults,
  TargetDocument,
  TargetOptions,
  displayPath,
  resolveTargets,
  targetLabel,
} from './targets';
import { AWS_REGION, show, terraformExpressionProblems } from '../validation/validation';

/** Overrides the config file the app reads. */
export const CONFIG_PATH_ENV = 'IAM_KEY_ROTATION_CONFIG';

export interface RotationConfig {
  /** AWS region to deploy to, one the pinned AWS provider knows (lib/validation/regions.ts). @default - the provider's (AWS_REGION at plan time) */
  readonly region?: string;
  /** Where Terraform keeps the state. @default - a local file, terraform.tfstate next to cdk.tf.json */
  readonly backend?: StateBackend;
  readonly rotation: IamAccessKeyRotationProps;
}

/** A config with `targets`: one deployment per target, the top-level keys merged into each. */
export interface TargetsConfig {
  readonly targets: readonly RotationTarget[];
}

/** What a config file deploys: one stack (no `targets`), or one per target. */
export type AppConfig = RotationConfig | TargetsConfig;

export function isTargetsConfig(config: AppConfig): config is TargetsConfig {
  return 'targets' in config;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid iam-key-rotation config ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type FieldType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'string-map'
  | 'string-list'
  | 'schedule'
  | 'users'
  | 'notifications'
  | 'backend'
  | 's3-backend'
  | 'targets';
type Shape = Record<string, FieldType>;

const SCHEDULE_SHAPE: Shape = { automaticallyAfterDays: 'number', scheduleExpression: 'string', duration: 'string' };
const USER_SHAPE: Shape = {
  name: 'string',
  secretName: 'string',
  schedule: 'schedule',
  createUser: 'boolean',
  previousKeyAction: 'string',
  previousKeyGraceDays: 'number',
  previousKeyInUse: 'string',
  readers: 'string-list',
};
const NOTIFICATIONS_SHAPE: Shape = { topicArn: 'string', emails: 'string-list' };
const BACKEND_SHAPE: Shape = { s3: 's3-backend' };
const S3_BACKEND_SHAPE: Shape = {
  bucket: 'string',
  key: 'string',
  region: 'string',
  useLockfile: 'boolean',
  dynamodbTable: 'string',
  encrypt: 'boolean',
  kmsKeyId: 'string',
};
const CONFIG_SHAPE: Shape = {
  region: 'string',
  name: 'string',
  users: 'users',
  secretNamePrefix: 'string',
  schedule: 'schedule',
  previousKeyAction: 'string',
  previousKeyGraceDays: 'number',
  previousKeyInUse: 'string',
  notifications: 'notifications',
  sweepHourUtc: 'number',
  testBudgetMs: 'number',
  logLevel: 'string',
  encryption: 'string',
  kmsKeyArn: 'string',
  readerArns: 'string-list',
  readers: 'string-list',
  logRetentionInDays: 'number',
  recoveryWindowInDays: 'number',
  tags: 'string-map',
  functionEnvironment: 'string-map',
  managedPoliciesPerRole: 'number',
  reservedConcurrency: 'number',
  backend: 'backend',
};

const TARGET_OPTIONS_SHAPE: Record<keyof TargetOptions, FieldType> = {
  name: 'string',
  accountId: 'string',
  roleArn: 'string',
  planRoleArn: 'string',
  externalId: 'string',
  sessionName: 'string',
  rotationName: 'string',
};
/**
 * A target takes every top-level key as an override of the default (so keys added above need nothing here), except
 * `name`, which is its id there: a target's `rotationName` overrides the top-level `name`.
 */
const TARGET_SHAPE: Shape = {
  ...TARGET_OPTIONS_SHAPE,
  ...Object.fromEntries(Object.entries(CONFIG_SHAPE).filter(([key]) => key !== 'name')),
};
const DOCUMENT_SHAPE: Shape = { ...CONFIG_SHAPE, targets: 'targets' };

const KMS_KEY_REGION = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\//;
const SNS_TOPIC_REGION = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:/;

/**
 * Checks a parsed config document of one deployment; throws a ConfigError listing every problem, each naming its key.
 * A config with `targets` is refused here: parseAppConfig reads both kinds.
 */
export function parseRotationConfig(document: unknown, source = '(inline)'): RotationConfig {
  return singleDeployment(parseAppConfig(document, source), source);
}

/** Reads and checks a config file of one deployment; a config with `targets` is refused (loadAppConfig reads it). */
export function loadRotationConfig(file: string): RotationConfig {
  return singleDeployment(loadAppConfig(file), file);
}

function singleDeployment(config: AppConfig, source: string): RotationConfig {
  if (isTargetsConfig(config)) {
    throw new ConfigError(source, [
      '`targets` lists one deployment per target, which only the app (main.ts) reads: this reads the config of one deployment (no `targets`)',
    ]);
  }
  return config;
}

/** Checks a parsed config document, with or without `targets`; throws a ConfigError listing every problem. */
export function parseAppConfig(document: unknown, source = '(inline)'): AppConfig {
  return checkRotationConfig(document, source, [], new Map());
}

/** Reads and checks a config file, with or without `targets`. */
export function loadAppConfig(file: string): AppConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`is not valid JSON: ${(error as Error).message}`]);
  }
  // What JSON.parse hides: a repeated key (it keeps the last) and the text of a number too large for a double.
  const { repeatedKeys, nonFiniteNumbers } = scanJson(text);
  // Paths as the messages show them: a target's with its name, `targets[1] (prod-eu).users[0]`.
  const shown = (path: string): string => displayPath(path, document);
  return checkRotationConfig(
    document,
    file,
    repeatedKeys.map(({ path, count }) => repeatedKeyProblem({ path: shown(path), count })),
    new Map([...nonFiniteNumbers].map(([path, text]) => [shown(path), text])),
  );
}

function repeatedKeyProblem({ path, count }: RepeatedKey): string {
  return `\`${path}\` is given ${count === 2 ? 'twice' : `${count} times`} (a JSON key may appear only once in an object)`;
}

/** What the checks of one document share. */
interface Findings {
  readonly problems: string[];
  /** The source text of the numbers JSON.parse made infinite, by path: `1e400` says more than `Infinity`. */
  readonly nonFiniteNumbers: ReadonlyMap<string, string>;
}

/**
 * `textProblems` were found in the text (repeated keys): they come first in the one report, and do not stop the
 * checks of the parsed document.
 */
function checkRotationConfig(
  document: unknown,
  source: string,
  textProblems: readonly string[],
  nonFiniteNumbers: ReadonlyMap<string, string>,
): AppConfig {
  const problems = [...textProblems];
  checkShape(document, DOCUMENT_SHAPE, '', { problems, nonFiniteNumbers });
  // Every string of the document, targets included: no config value may reach Terraform as an expression.
  for (const { label, problem } of terraformExpressionProblems(document, '', false))
    problems.push(`\`${displayPath(label, document)}\` ${problem}`);
  // The value checks below assume the types are right, and every key known (none from Object.prototype).
  if (problems.length > textProblems.length) throw new ConfigError(source, problems);
  const { targets: targetDocuments, ...topLevel } = document as TargetDefaults & { targets?: TargetDocument[] };
  if (targetDocuments !== undefined) {
    const { targets, problems: targetProblems } = resolveTargets(topLevel, targetDocuments, deploymentProblems);
    problems.push(...targetProblems);
    if (problems.length > 0) throw new ConfigError(source, problems);
    return { targets };
  }
  const { region, backend, ...rotation } = topLevel as {
    region?: string;
    backend?: StateBackend;
  } & IamAccessKeyRotationProps;
  problems.push(...deploymentProblems({ region, backend, rotation }));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { ...(region !== undefined ? { region } : {}), ...(backend !== undefined ? { backend } : {}), rotation };
}

/** The value checks of one deployment (the config's, or a target's merged over it), each naming a top-level key. */
function deploymentProblems({
  region,
  backend,
  rotation,
}: {
  region?: string;
  backend?: StateBackend;
  rotation: IamAccessKeyRotationProps;
}): string[] {
  const problems: string[] = [];
  if (typeof region === 'string' && !AWS_REGION.test(region)) {
    problems.push(`\`region\` must be an AWS region like us-east-1, got ${show(region)}`);
  } else if (typeof region === 'string' && !AWS_PROVIDER_REGIONS.includes(region)) {
    // Terraform would fail only at plan, with `invalid AWS Region`.
    problems.push(
      `\`region\` must be a region the AWS provider ${AWS_PROVIDER_VERSION} knows (${AWS_PROVIDER_REGIONS.join(', ')}), got ${show(region)}`,
    );
  }
  if (rotation.users === undefined) problems.push('`users` is required: list the IAM users whose keys rotate');
  else problems.push(...iamAccessKeyRotationPropsProblems(rotation));
  if (backend !== undefined) problems.push(...stateBackendProblems(backend).map((problem) => problem.message));
  const keyRegion = KMS_KEY_REGION.exec(rotation.kmsKeyArn ?? '')?.[1];
  if (typeof region === 'string' && AWS_REGION.test(region) && keyRegion !== undefined && keyRegion !== region) {
    problems.push(
      `\`kmsKeyArn\` must be a key in \`region\` ${show(region)} (Secrets Manager encrypts a secret only with a KMS key of its own region), got a key in ${show(keyRegion)}: ${show(rotation.kmsKeyArn)}`,
    );
  }
  const topicRegion = SNS_TOPIC_REGION.exec(rotation.notifications?.topicArn ?? '')?.[1];
  if (typeof region === 'string' && AWS_REGION.test(region) && topicRegion !== undefined && topicRegion !== region) {
    problems.push(
      `\`notifications.topicArn\` must be a topic in \`region\` ${show(region)} (EventBridge rules and CloudWatch alarms publish only to topics of their own region), got a topic in ${show(topicRegion)}: ${show(rotation.notifications?.topicArn)}`,
    );
  }
  return problems;
}

function checkShape(value: unknown, shape: Shape, path: string, findings: Findings): void {
  if (!isRecord(value)) {
    findings.problems.push(
      `${path === '' ? 'the config' : `\`${path}\``} must be an object, got ${showAt(value, path, findings)}`,
    );
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    const label = memberPath(path, key);
    // Own keys only: `shape[key]` alone would take `constructor` or `__proto__` from Object.prototype.
    if (!Object.hasOwn(shape, key)) {
      findings.problems.push(`\`${label}\` is not a known key (known: ${Object.keys(shape).join(', ')})`);
    } else {
      checkField(field, shape[key], label, findings);
    }
  }
}

function checkField(value: unknown, type: FieldType, label: string, findings: Findings): void {
  const wrong = (expected: string): void => {
    findings.problems.push(`\`${label}\` must be ${expected}, got ${showAt(value, label, findings)}`);
  };
  switch (type) {
    case 'string':
    case 'boolean':
      if (typeof value !== type) wrong(`a ${type}`);
      return;
    case 'number':
      if (typeof value !== 'number') wrong('a number');
      else if (!Number.isFinite(value)) wrong('a finite number');
      return;
    case 'string-list':
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) wrong('a list of strings');
      return;
    case 'string-map':
      if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string'))
        wrong('an object of strings');
      return;
    case 'schedule':
      checkShape(value, SCHEDULE_SHAPE, label, findings);
      return;
    case 'notifications':
      checkShape(value, NOTIFICATIONS_SHAPE, label, findings);
      return;
    case 'backend':
      checkShape(value, BACKEND_SHAPE, label, findings);
      return;
    case 's3-backend':
      checkShape(value, S3_BACKEND_SHAPE, label, findings);
      return;
    case 'users':
      if (!Array.isArray(value)) {
        wrong('a list of users');
        return;
      }
      value.forEach((user, index) => checkShape(user, USER_SHAPE, `${label}[${index}]`, findings));
      return;
    case 'targets':
      if (!Array.isArray(value)) {
        wrong('a list of targets');
        return;
      }
      value.forEach((target, index) => checkShape(target, TARGET_SHAPE, targetLabel(index, target), findings));
      return;
  }
}

/** A bad value for a message; a number JSON.parse made infinite as the file wrote it. */
function showAt(value: unknown, path: string, findings: Findings): string {
  const written =
    typeof value === 'number' && !Number.isFinite(value) ? findings.nonFiniteNumbers.get(path) : undefined;
  return written ?? show(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
