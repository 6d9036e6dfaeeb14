// Where Terraform keeps the stack's state: a local file by default, or an S3 bucket. Only S3 is offered here;
// any other backend is a cdktf construct added to your own TerraformStack (docs/configuration.md).
import { Construct } from 'constructs';
import { LocalBackend, S3Backend, S3BackendConfig, TerraformBackend } from 'cdktf';
import { AWS_REGION, ValidationError, isUnresolved, show } from '../validation/validation';

/** The state backend of the app's stack. */
export interface StateBackend {
  /** Keep the state in an S3 bucket. */
  readonly s3: S3StateBackend;
}

/** Terraform's S3 backend: the state is one object in a bucket that must already exist. */
export interface S3StateBackend {
  /** Name of the existing bucket that holds the state (a name, not an `s3://` URL or an ARN). */
  readonly bucket: string;
  /**
   * Object key of the state, e.g. `iam-key-rotation/123456789012/us-east-1.tfstate`: one per deployment, never
   * shared by two. Must not start or end with `/`.
   */
  readonly key: string;
  /**
   * Region of the bucket, like us-east-1.
   * @default - AWS_REGION or AWS_DEFAULT_REGION when `terraform init` runs (not the config's `region`)
   */
  readonly region?: string;
  /**
   * Lock the state with a lock file next to it in the bucket (S3 conditional writes; Terraform 1.10 or later),
   * so two applies cannot write the state at once.
   * @default false
   */
  readonly useLockfile?: boolean;
  /**
   * DynamoDB table (partition key `LockID`, a string) that locks the state. Deprecated by Terraform 1.11 in favour
   * of `useLockfile`; set both while moving from one to the other.
   * @default - no DynamoDB lock
   */
  readonly dynamodbTable?: string;
  /**
   * Encrypt the state object server-side: with `kmsKeyId` (SSE-KMS) when given, else with S3-managed keys (AES256).
   * @default true
   */
  readonly encrypt?: boolean;
  /**
   * KMS key for the state (needs `encrypt`): a key or alias ARN, a key id or `alias/<name>`, in the bucket's region.
   * Whoever runs terraform needs `kms:Encrypt`, `kms:Decrypt` and `kms:GenerateDataKey` on it.
   * @default - S3-managed keys (AES256)
   */
  readonly kmsKeyId?: string;
}

/**
 * The state never holds key material (docs/design.md), but it names every managed user, secret and role: encrypted at
 * rest unless the user says otherwise, as Terraform's own recommendation for the S3 backend goes.
 */
export const DEFAULT_S3_BACKEND_ENCRYPT = true;

/** Relative, so cdktf.out is the same in every checkout (LocalBackend's default path is absolute). */
export const LOCAL_STATE_PATH = 'terraform.tfstate';

/**
 * Terraform 1.11's checks of the S3 backend (internal/backend/remote-state/s3/validate.go), so synth fails where
 * `terraform init` would: a key id is a UUID or a multi-Region `mrk-` id, an alias is `alias/<name>`.
 */
const KMS_KEY_ID = /^([a-f0-9]{8}-[a-f0-9]{4}-[1-5][a-f0-9]{3}-[ab89][a-f0-9]{3}-[a-f0-9]{12}|mrk-[a-f0-9]{32})$/;
const KMS_ALIAS = /^alias\/[a-zA-Z0-9/_-]+$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(.+)$/;
/** Bucket names (even the legacy ones of us-east-1) have no whitespace, `/` or `:`; URLs and ARNs do. */
const BUCKET_NAME = /^[^\s/:]+$/;

/** Every problem with the backend, each naming `label.<field>` and echoing the bad value. */
export function stateBackendProblems(backend: StateBackend, label = 'backend'): ValidationError[] {
  if (backend?.s3 === undefined) {
    return [
      new ValidationError(
        label,
        `must set \`s3\`, the one backend offered here (for another, add its construct to your own stack), got ${show(backend)}`,
      ),
    ];
  }
  return s3BackendProblems(backend.s3, `${label}.s3`);
}

function s3BackendProblems(s3: S3StateBackend, label: string): ValidationError[] {
  const problems: ValidationError[] = [];
  const literal = (field: keyof S3StateBackend): boolean => {
    const value = s3[field];
    if (value === undefined) return false;
    if (!isUnresolved(value)) return true;
    // Terraform reads the backend before anything else: no variables, no references.
    problems.push(
      new ValidationError(
        `${label}.${field}`,
        `must be a literal: Terraform reads the backend before any variable or resource, got ${show(value)}`,
      ),
    );
    return false;
  };
  if (s3.bucket === undefined) problems.push(new ValidationError(`${label}.bucket`, 'is required'));
  else if (literal('bucket') && (typeof s3.bucket !== 'string' || !BUCKET_NAME.test(s3.bucket))) {
    problems.push(
      new ValidationError(
        `${label}.bucket`,
        `must be a bucket name (not empty, no whitespace, no s3:// URL or ARN), got ${show(s3.bucket)}`,
      ),
    );
  }
  if (s3.key === undefined) problems.push(new ValidationError(`${label}.key`, 'is required'));
  else if (
    literal('key') &&
    (typeof s3.key !== 'string' || s3.key.trim() === '' || s3.key.startsWith('/') || s3.key.endsWith('/'))
  ) {
    problems.push(
      new ValidationError(
        `${label}.key`,
        `must be an object key that does not start or end with "/", got ${show(s3.key)}`,
      ),
    );
  }
  if (literal('region') && (typeof s3.region !== 'string' || !AWS_REGION.test(s3.region))) {
    problems.push(
      new ValidationError(`${label}.region`, `must be an AWS region like us-east-1, got ${show(s3.region)}`),
    );
  }
  if (literal('dynamodbTable') && (typeof s3.dynamodbTable !== 'string' || s3.dynamodbTable.trim() === '')) {
    problems.push(new ValidationError(`${label}.dynamodbTable`, `must be a table name, got ${show(s3.dynamodbTable)}`));
  }
  if (literal('kmsKeyId')) problems.push(...kmsKeyIdProblems(s3, label));
  return problems;
}

function kmsKeyIdProblems(s3: S3StateBackend, label: string): ValidationError[] {
  const { kmsKeyId, region } = s3;
  if (typeof kmsKeyId !== 'string' || !isKmsKeyReference(kmsKeyId)) {
    return [
      new ValidationError(
        `${label}.kmsKeyId`,
        `must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key-id>), alias ARN, key id or alias/<name>, got ${show(kmsKeyId)}`,
      ),
    ];
  }
  if ((s3.encrypt ?? DEFAULT_S3_BACKEND_ENCRYPT) === false) {
    // Terraform's S3 client sends the key only when encrypt is true; otherwise it would be silently ignored.
    return [
      new ValidationError(
        `${label}.kmsKeyId`,
        `needs \`encrypt\` true (the default): the S3 backend ignores the key without it, got ${show(kmsKeyId)} with encrypt false`,
      ),
    ];
  }
  const keyRegion = KMS_ARN.exec(kmsKeyId)?.[1];
  if (keyRegion !== undefined && typeof region === 'string' && AWS_REGION.test(region) && keyRegion !== region) {
    return [
      new ValidationError(
        `${label}.kmsKeyId`,
        `must be a key in the bucket's region, \`${label}.region\` ${show(region)} (S3 encrypts only with a KMS key of the bucket's region), got a key in ${show(keyRegion)}: ${show(kmsKeyId)}`,
      ),
    ];
  }
  return [];
}

/** A key id, `alias/<name>`, or the ARN of a key or alias, as Terraform's S3 backend takes them. */
function isKmsKeyReference(value: string): boolean {
  const arn = KMS_ARN.exec(value);
  if (arn === null) return KMS_KEY_ID.test(value) || KMS_ALIAS.test(value);
  const resource = arn[2];
  return resource.startsWith('key/') ? KMS_KEY_ID.test(resource.slice('key/'.length)) : KMS_ALIAS.test(resource);
}

/** Adds the backend to the stack: S3 when `backend` says so, else a local file next to cdk.tf.json. */
export function addStateBackend(scope: Construct, backend: StateBackend | undefined): TerraformBackend {
  if (backend === undefined) return new LocalBackend(scope, { path: LOCAL_STATE_PATH });
  const problems = stateBackendProblems(backend);
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('\n'));
  const { bucket, key, region, dynamodbTable, useLockfile, encrypt, kmsKeyId } = backend.s3;
  const config: S3BackendConfig = {
    bucket,
    key,
    ...(region !== undefined ? { region } : {}),
    encrypt: encrypt ?? DEFAULT_S3_BACKEND_ENCRYPT,
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(dynamodbTable !== undefined ? { dynamodbTable } : {}),
  };
  const s3 = new S3Backend(scope, config);
  // cdktf 0.21's S3BackendConfig predates Terraform 1.10's use_lockfile.
  if (useLockfile !== undefined) s3.addOverride('use_lockfile', useLockfile);
  return s3;
}
