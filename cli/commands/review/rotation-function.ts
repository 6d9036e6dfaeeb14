// Changes to the rotation function that are not the construct's own: its code, role, runtime, handler, layers and
// environment. The function mints every managed user's keys, so whoever changes any of these can take them.
import { FUNCTION_ENV } from '../../../core/contract';
import {
  FUNCTION_HANDLER,
  FUNCTION_RUNTIME,
  USER_FUNCTION_ENVIRONMENT_VARIABLES,
} from '../../../core/function-package';
import { version } from '../../../package.json';
import type { Blocker } from './blocker';
import type { AcceptedFunctionCode } from './function-code';
import { code } from './markdown';
import {
  type Attribute,
  attributeOf,
  expressionsOf,
  isObject,
  knownString,
  type JsonValue,
  type Plan,
  referencedResources,
  type ResourceChange,
  type ResourceIndex,
  valueAt,
} from './plan';

const FUNCTION = 'aws_lambda_function';
/** The variables the construct sets, and those `functionEnvironment` may add. */
const ALLOWED_VARIABLES: ReadonlySet<string> = new Set([
  ...Object.values(FUNCTION_ENV),
  ...USER_FUNCTION_ENVIRONMENT_VARIABLES,
]);
/** Where Lambda could take code from besides `filename`. */
const OTHER_CODE_SOURCES = ['s3_bucket', 's3_key', 's3_object_version', 'image_uri'] as const;
/** The attributes whose change makes the provider upload code. */
const CODE_ATTRIBUTES = ['filename', 'source_code_hash', 'package_type', ...OTHER_CODE_SOURCES] as const;
/** cdktf's asset path: `assets/<construct>/<MD5 of the file>/<file name>`. */
const ASSET_PATH = /(?:^|\/)assets\/[^/]+\/([0-9A-F]{32})\/[^/]+$/;

/** Every finding on the rotation functions the plan creates, updates or replaces. */
export function rotationFunctionBlockers(
  plan: Plan,
  resources: ResourceIndex,
  accepted: AcceptedFunctionCode,
): Blocker[] {
  const rotating = rotationFunctionMarks(plan, resources);
  return plan.resourceChanges
    .filter(
      (change) =>
        change.type === FUNCTION &&
        change.mode === 'managed' &&
        change.deposed === undefined &&
        ['create', 'update', 'replace'].includes(change.kind),
    )
    .filter((change) => isRotationFunction(plan, change, rotating))
    .flatMap((change) =>
      [...codeFindings(change, accepted), ...settingFindings(change), ...environmentFindings(plan, change)].map(
        (finding) => ({ address: change.address, sid: undefined, finding }),
      ),
    );
}

/** The functions that secrets' rotations invoke: by address (configuration references) and by ARN. */
function rotationFunctionMarks(plan: Plan, resources: ResourceIndex): { addresses: Set<string>; arns: Set<string> } {
  const addresses = new Set<string>();
  const arns = new Set<string>();
  for (const rotation of resources.ofType('aws_secretsmanager_secret_rotation')) {
    for (const target of referencedResources(plan, rotation, 'rotation_lambda_arn', FUNCTION, resources))
      addresses.add(target.address);
    const arn = knownString(rotation.attribute(['rotation_lambda_arn']));
    if (arn !== undefined) arns.add(arn);
  }
  return { addresses, arns };
}

/** A rotation function: a rotation invokes it, or its environment names the stack's secrets (MANAGED_SECRETS). */
function isRotationFunction(
  plan: Plan,
  change: ResourceChange,
  rotating: { addresses: Set<string>; arns: Set<string> },
): boolean {
  if (rotating.addresses.has(change.address)) return true;
  const arn = knownString(attributeOf(change, 'before', ['arn']));
  if (arn !== undefined && rotating.arns.has(arn)) return true;
  const before = valueAt(change.before ?? undefined, ['environment', 0, 'variables', FUNCTION_ENV.managedSecrets]);
  const configured = valueAt(expressionsOf(plan, change)?.environment, [
    0,
    'variables',
    'constant_value',
    FUNCTION_ENV.managedSecrets,
  ]);
  return (
    before !== undefined ||
    configured !== undefined ||
    environmentNames(plan, change)?.includes(FUNCTION_ENV.managedSecrets) === true
  );
}

/** The code must be this package's zip (or one the user accepts), uploaded from `filename`. */
function codeFindings(change: ResourceChange, accepted: AcceptedFunctionCode): string[] {
  if (
    change.kind === 'update' &&
    CODE_ATTRIBUTES.every((name) =>
      sameValue(attributeOf(change, 'before', [name]), attributeOf(change, 'after', [name])),
    )
  )
    return [];
  const findings: string[] = [];
  const sources = OTHER_CODE_SOURCES.filter((name) => {
    const value = attributeOf(change, 'after', [name]);
    return value.state !== 'absent' && !(value.state === 'known' && value.value === '');
  });
  const packageType = attributeOf(change, 'after', ['package_type']);
  const notZip = packageType.state === 'unknown' || (packageType.state === 'known' && packageType.value !== 'Zip');
  if (sources.length > 0 || notZip) {
    const what = [
      ...sources.map((name) => code(name)),
      ...(notZip ? [`\`package_type\` ${shown(packageType)}`] : []),
    ].join(', ');
    findings.push(`code from ${what}, not from this package's zip (\`filename\`)`);
  }
  const own = accepted.own;
  const ownText =
    own === undefined
      ? `iam-key-rotation ${version}'s dist/lambda.zip (missing: cannot be read beside the CLI)`
      : `iam-key-rotation ${version}'s dist/lambda.zip (${code(own.sha256)})`;
  const hash = attributeOf(change, 'after', ['source_code_hash']);
  const hashValue = knownString(hash);
  if (hash.state === 'unknown')
    findings.push(`\`source_code_hash\` known only after apply: the code cannot be checked against ${ownText}`);
  else if (hashValue === undefined)
    findings.push(`no \`source_code_hash\`: the code cannot be checked against ${ownText}`);
  else if (hashValue !== own?.sha256 && !accepted.extra.includes(hashValue)) {
    findings.push(
      `code that is not the construct's: \`source_code_hash\` ${code(hashValue)} is not ${ownText}; a zip of yours (\`functionZipPath\`): review it, then pass its hash to \`--function-code\``,
    );
  }
  const filename = knownString(attributeOf(change, 'after', ['filename']));
  const assetHash = filename === undefined ? undefined : ASSET_PATH.exec(filename)?.[1];
  if (hashValue !== undefined && hashValue === own?.sha256 && assetHash !== undefined && assetHash !== own.assetHash) {
    findings.push(
      `\`filename\` ${code(filename ?? '')} is another zip than its \`source_code_hash\` names (the asset folder is named after the zip's MD5)`,
    );
  }
  if (
    change.kind === 'update' &&
    !sameValue(attributeOf(change, 'before', ['filename']), attributeOf(change, 'after', ['filename'])) &&
    sameValue(attributeOf(change, 'before', ['source_code_hash']), attributeOf(change, 'after', ['source_code_hash']))
  ) {
    findings.push(
      '`filename` changes but `source_code_hash` does not: the hash does not describe the code Lambda gets',
    );
  }
  return findings;
}

/** The runtime, handler and layers the construct sets; on an existing function, the same role. */
function settingFindings(change: ResourceChange): string[] {
  const findings: string[] = [];
  for (const [name, expected] of [
    ['runtime', FUNCTION_RUNTIME],
    ['handler', FUNCTION_HANDLER],
  ] as const) {
    const value = attributeOf(change, 'after', [name]);
    if (value.state === 'known' && !value.sensitive && value.value === expected) continue;
    findings.push(`\`${name}\` ${shown(value)}, not the construct's ${code(expected)}`);
  }
  const layers = attributeOf(change, 'after', ['layers']);
  if (
    layers.state === 'unknown' ||
    (layers.state === 'known' && (!Array.isArray(layers.value) || layers.value.length > 0))
  ) {
    findings.push(
      `\`layers\` ${layers.state === 'known' && Array.isArray(layers.value) && !layers.sensitive ? layers.value.map((layer) => code(String(layer))).join(', ') : shown(layers)}: code that runs with the function's, which the construct never adds`,
    );
  }
  if (change.before !== null) {
    const before = attributeOf(change, 'before', ['role']);
    const after = attributeOf(change, 'after', ['role']);
    if (!sameValue(before, after))
      findings.push(
        `the function's \`role\` changes (${shown(before)} → ${shown(after)}): it would mint keys with another role's power`,
      );
  }
  return findings;
}

/** Every variable outside the construct's set: the planned value's names, or the configuration's when unknown. */
function environmentFindings(plan: Plan, change: ResourceChange): string[] {
  const names = environmentNames(plan, change);
  if (names === undefined)
    return [
      'the environment is known only after apply and its variable names are not in the configuration: it cannot be checked',
    ];
  return names
    .filter((name) => !ALLOWED_VARIABLES.has(name))
    .map(
      (name) =>
        `environment variable ${code(name)}, outside the construct's set: it could change what code runs or where the new keys go (\`functionEnvironment\` refuses it)`,
    );
}

function environmentNames(plan: Plan, change: ResourceChange): string[] | undefined {
  const path = ['environment', 0, 'variables'];
  const marks = valueAt(change.afterUnknown, path);
  const value = valueAt(change.after ?? undefined, path);
  if (marks !== true) {
    // A known map, some of whose values may be known only after apply (marked in after_unknown, left out of after).
    return [...new Set([...Object.keys(isObject(value) ? value : {}), ...Object.keys(isObject(marks) ? marks : {})])];
  }
  // Unknown as a whole (a value references another resource): the names from the configuration, when literal.
  const expression = valueAt(expressionsOf(plan, change)?.environment, [0, 'variables', 'constant_value']);
  if (!isObject(expression)) return undefined;
  const keys = Object.keys(expression);
  return keys.some((key) => /[$%]\{/.test(key)) ? undefined : keys;
}

function shown(attribute: Attribute): string {
  if (attribute.state === 'absent') return 'none';
  if (attribute.state === 'unknown') return '(known after apply)';
  if (attribute.sensitive) return '(sensitive)';
  return typeof attribute.value === 'string' ? code(attribute.value) : code(JSON.stringify(attribute.value));
}

/** Both known and equal (null, absent and empty counting as none); unknown is never the same. */
function sameValue(a: Attribute, b: Attribute): boolean {
  const plain = (attribute: Attribute): JsonValue | undefined => {
    if (attribute.state === 'unknown') return undefined;
    if (attribute.state === 'absent') return null;
    return attribute.value === '' || (Array.isArray(attribute.value) && attribute.value.length === 0)
      ? null
      : attribute.value;
  };
  const x = plain(a);
  const y = plain(b);
  return x !== undefined && y !== undefined && JSON.stringify(x) === JSON.stringify(y);
}
