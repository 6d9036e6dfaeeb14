// The app's configuration file (rotation.config.json): the construct's props as JSON, plus the region.
// Pure checks; the only file access is loadRotationConfig.
import * as fs from 'fs';
import { IamAccessKeyRotationProps, iamAccessKeyRotationPropsProblems } from './iam-access-key-rotation';
import { StateBackend, stateBackendProblems } from './state-backend';
import { AWS_REGION, show } from './validation';

/** Overrides the config file the app reads. */
export const CONFIG_PATH_ENV = 'IAM_KEY_ROTATION_CONFIG';

export interface RotationConfig {
  /** AWS region to deploy to. @default - the provider's (AWS_REGION at plan time) */
  readonly region?: string;
  /** Where Terraform keeps the state. @default - a local file, terraform.tfstate next to cdk.tf.json */
  readonly backend?: StateBackend;
  readonly rotation: IamAccessKeyRotationProps;
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

type FieldType = 'string' | 'number' | 'boolean' | 'string-map' | 'string-list' | 'schedule' | 'users' | 'backend' | 's3-backend';
type Shape = Record<string, FieldType>;

const SCHEDULE_SHAPE: Shape = { automaticallyAfterDays: 'number', scheduleExpression: 'string', duration: 'string' };
const USER_SHAPE: Shape = { name: 'string', secretName: 'string', schedule: 'schedule', createUser: 'boolean' };
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
  schedule: 'schedule',
  previousKeyAction: 'string',
  testBudgetMs: 'number',
  logLevel: 'string',
  encryption: 'string',
  kmsKeyArn: 'string',
  readerArns: 'string-list',
  logRetentionInDays: 'number',
  recoveryWindowInDays: 'number',
  tags: 'string-map',
  functionEnvironment: 'string-map',
  backend: 'backend',
};

const KMS_KEY_REGION = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\//;

/** Checks a parsed config document; throws a ConfigError listing every problem, each naming its key. */
export function parseRotationConfig(document: unknown, source = '(inline)'): RotationConfig {
  const problems: string[] = [];
  checkShape(document, CONFIG_SHAPE, '', problems);
  // The value checks below assume the types are right.
  if (problems.length > 0) throw new ConfigError(source, problems);
  const { region, backend, ...rotation } = document as { region?: string; backend?: StateBackend } & IamAccessKeyRotationProps;
  if (typeof region === 'string' && !AWS_REGION.test(region)) {
    problems.push(`\`region\` must be an AWS region like us-east-1, got ${show(region)}`);
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
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { ...(region !== undefined ? { region } : {}), ...(backend !== undefined ? { backend } : {}), rotation };
}

/** Reads and checks a config file. */
export function loadRotationConfig(file: string): RotationConfig {
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
  return parseRotationConfig(document, file);
}

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (!isRecord(value)) {
    problems.push(`${path === '' ? 'the config' : `\`${path}\``} must be an object, got ${show(value)}`);
    return;
  }
  for (const [key, field] of Object.entries(value)) {
    const label = path === '' ? key : `${path}.${key}`;
    const type = shape[key];
    if (type === undefined) {
      problems.push(`\`${label}\` is not a known key (known: ${Object.keys(shape).join(', ')})`);
    } else {
      checkField(field, type, label, problems);
    }
  }
}

function checkField(value: unknown, type: FieldType, label: string, problems: string[]): void {
  const wrong = (expected: string): void => {
    problems.push(`\`${label}\` must be ${expected}, got ${show(value)}`);
  };
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
      if (typeof value !== type) wrong(`a ${type}`);
      return;
    case 'string-list':
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) wrong('a list of strings');
      return;
    case 'string-map':
      if (!isRecord(value) || Object.values(value).some((item) => typeof item !== 'string')) wrong('an object of strings');
      return;
    case 'schedule':
      checkShape(value, SCHEDULE_SHAPE, label, problems);
      return;
    case 'backend':
      checkShape(value, BACKEND_SHAPE, label, problems);
      return;
    case 's3-backend':
      checkShape(value, S3_BACKEND_SHAPE, label, problems);
      return;
    case 'users':
      if (!Array.isArray(value)) {
        wrong('a list of users');
        return;
      }
      value.forEach((user, index) => checkShape(user, USER_SHAPE, `${label}[${index}]`, problems));
      return;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
