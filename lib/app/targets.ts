// A config's `targets`: one deployment per AWS account and region, each deployed through a role assumed in that
// account, with its own state and users. Every other key of a target overrides the config's top-level key of the same
// name. Pure checks; lib/app/config.ts has checked the types and refused unknown keys before these run.
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';
import { Fn, TerraformLocal, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { IamAccessKeyRotationProps } from '../construct/iam-access-key-rotation';
import { regionPartition } from '../validation/regions';
import { StateBackend, stateBackendProblems } from './state-backend';
import { AWS_REGION, show } from '../validation/validation';

/** A target's own keys in the config. Any other key of a target overrides the top-level key of the same name. */
export interface TargetOptions {
  /**
   * The target's stable id: 1-40 lowercase letters, digits and '-', unique in the config. It names the stack
   * (`iam-key-rotation-<name>`) and its state key; renaming it makes a new stack.
   */
  readonly name: string;
  /** The 12-digit id of the AWS account the target deploys to; the provider refuses credentials of any other. */
  readonly accountId: string;
  /** The IAM role in `accountId` that Terraform assumes to deploy the target. */
  readonly roleArn: string;
  /**
   * A read-only IAM role in `accountId` that Terraform assumes for plans run with `TF_VAR_provider_role=plan` (the
   * pull-request workflow's), instead of `roleArn`. Its trust policy names the pull requests' OIDC role, which no
   * deploy role trusts (examples/plan-role/). Takes the target's `externalId` and `sessionName` too.
   * @default - none: provider_role = plan is refused, plans assume roleArn
   */
  readonly planRoleArn?: string;
  /**
   * The external id the role's trust policy requires (`sts:ExternalId`), 2-1224 characters.
   * @default - none
   */
  readonly externalId?: string;
  /**
   * The assumed role's session name, shown in the target's CloudTrail, 2-64 characters.
   * @default - iam-key-rotation-<name>
   */
  readonly sessionName?: string;
  /**
   * The construct's `name` in this target (a target's own `name` is its id): the function, its role and the default
   * secret-name prefix. Targets in one account need different ones (IAM role names are per account).
   * @default - the top-level `name`, else 'iam-key-rotation'
   */
  readonly rotationName?: string;
}

/** The role the AWS provider assumes to deploy a target (Terraform's provider `assume_role` block). */
export interface AssumeRole {
  /** An IAM role in the target's account. */
  readonly roleArn: string;
  /** The read-only role in the target's account that plans assume instead, with `provider_role = "plan"`. @default - none */
  readonly planRoleArn?: string;
  /** Shows in the target's CloudTrail as the deployer's session. @default - iam-key-rotation-<target name> */
  readonly sessionName: string;
  /** The role's trust policy condition `sts:ExternalId`, when it has one. @default - none */
  readonly externalId?: string;
}

/** One target of the config, with the top-level keys merged in: what its stack is built from. */
export interface RotationTarget {
  /** The target's id: 1-40 lowercase letters, digits and '-', unique in the config. */
  readonly name: string;
  /** The AWS account the target deploys to; the provider refuses credentials of any other. */
  readonly accountId: string;
  readonly region: string;
  readonly assumeRole: AssumeRole;
  /** @default - a local file next to the stack's cdk.tf.json */
  readonly backend?: StateBackend;
  readonly rotation: IamAccessKeyRotationProps;
}

/** The top-level keys of a config with `targets`, as the type checks leave them: the defaults every target inherits. */
export type TargetDefaults = Partial<IamAccessKeyRotationProps> & {
  readonly region?: string;
  readonly backend?: StateBackend;
};

/** One entry of `targets` as the type checks leave it. Its `name` is its id; `rotationName` overrides the top-level `name`. */
export type TargetDocument = Omit<TargetDefaults, 'name'> & Partial<TargetOptions>;

/** Checks of one deployment's values (lib/app/config.ts), each message labelled with a top-level key. */
export type DeploymentProblems = (deployment: {
  region?: string;
  backend?: StateBackend;
  rotation: IamAccessKeyRotationProps;
}) => string[];

/** 40 keeps the default session name (`iam-key-rotation-<name>`) within STS's 64 characters. */
const TARGET_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const ACCOUNT_ID = /^\d{12}$/;
/**
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html: path up to 512, name up to 64.
 * Groups: the partition, the account, the path.
 */
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[!-~]{0,510}\/)?)[\w+=,.@-]{1,64}$/;
/**
 * What IAM allows in a role's path but a role ARN here must not hold: `*` and `?` are wildcards wherever the ARN lands
 * in a policy (a trust policy, an `iam:PassRole` grant), and `${`/`%{` are Terraform expressions in the provider block.
 */
const ROLE_PATH_WILDCARD = /[*?]|[$%]\{/;
/** STS AssumeRole's RoleSessionName and ExternalId. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const DEFAULT_SESSION_NAME_PREFIX = 'iam-key-rotation-';
/** The construct's default `name` (lib/construct/iam-access-key-rotation.ts): names its role, which IAM keeps per account. */
const DEFAULT_ROTATION_NAME = 'iam-key-rotation';

/**
 * The Terraform variable of every target's stack that picks the role its provider assumes: `deploy` (the default,
 * `roleArn`) or `plan` (`planRoleArn`). A closed set checked by the variable's validation, so no text from the
 * environment reaches the provider block: the ARNs are literals of the stack.
 */
export const PROVIDER_ROLE_VARIABLE = 'provider_role';
/** The stack's local that maps each value of the variable to its role ARN. */
const PROVIDER_ROLE_ARNS_LOCAL = 'provider_role_arns';
export type ProviderRole = 'deploy' | 'plan';
const STATE_SUFFIX = '.tfstate';

/** `targets[1] (prod-eu)`: the index, and the name when it is a valid one. */
export function targetLabel(index: number, target: unknown): string {
  const name = typeof target === 'object' && target !== null ? (target as { name?: unknown }).name : undefined;
  return typeof name === 'string' && TARGET_NAME.test(name) ? `targets[${index}] (${name})` : `targets[${index}]`;
}

/** A JSON path as messages show it: `targets[1].users[0]` becomes `targets[1] (prod-eu).users[0]`. */
export function displayPath(path: string, document: unknown): string {
  const match = /^targets\[(\d+)\]/.exec(path);
  if (match === null) return path;
  const targets =
    typeof document === 'object' && document !== null ? (document as { targets?: unknown }).targets : undefined;
  const index = Number(match[1]);
  return `${targetLabel(index, Array.isArray(targets) ? targets[index] : undefined)}${path.slice(match[0].length)}`;
}

/**
 * The state key of a target under a top-level S3 backend: `fleet/keys.tfstate` becomes `fleet/keys/<target>.tfstate`
 * (a key without `.tfstate` gets `/<target>.tfstate` appended), so each stack has its own state in the same bucket.
 */
export function targetStateKey(key: string, target: string): string {
  const base = (key.endsWith(STATE_SUFFIX) ? key.slice(0, -STATE_SUFFIX.length) : key).replace(/\/+$/, '');
  return base === '' ? `${target}${STATE_SUFFIX}` : `${base}/${target}${STATE_SUFFIX}`;
}

/**
 * The provider settings that make a target's stack deploy to its account only, through its role. They win over any
 * other settings: the provider checks `allowed_account_ids` against the account STS GetCallerIdentity names, so that
 * call is never skipped (with it skipped, the account is unknown and every plan fails).
 *
 * The role comes from the variable `provider_role` (added to `stack`): `deploy` (the default) assumes `roleArn`,
 * `plan` assumes `planRoleArn`, and a target without `planRoleArn` refuses `plan` rather than plan with deploy power.
 * A plan saved with `plan` keeps it: its apply runs as the read-only role, and fails.
 */
export function targetProviderSettings(stack: Construct, target: RotationTarget): Partial<AwsProviderConfig> {
  const { roleArn, planRoleArn, sessionName, externalId } = target.assumeRole;
  const arns: Partial<Record<ProviderRole, string>> = {
    deploy: roleArn,
    ...(planRoleArn !== undefined ? { plan: planRoleArn } : {}),
  };
  const choices = Object.keys(arns);
  const variable = new TerraformVariable(stack, PROVIDER_ROLE_VARIABLE, {
    type: 'string',
    default: 'deploy',
    nullable: false,
    description: `The role the AWS provider assumes: deploy (roleArn) or plan (planRoleArn, read-only; set TF_VAR_${PROVIDER_ROLE_VARIABLE}=plan for plans that must not hold deploy power).`,
  });
  variable.addValidation({
    condition: Fn.contains(choices, variable.stringValue),
    errorMessage:
      planRoleArn !== undefined
        ? 'The provider_role must be deploy or plan.'
        : `The provider_role must be deploy: target ${target.name} has no planRoleArn, and a plan never assumes the deploy role in its stead.`,
  });
  const roleArns = new TerraformLocal(stack, PROVIDER_ROLE_ARNS_LOCAL, arns);
  return {
    assumeRole: [
      {
        roleArn: Fn.lookup(roleArns.expression, variable.stringValue),
        sessionName,
        ...(externalId !== undefined ? { externalId } : {}),
      },
    ],
    allowedAccountIds: [target.accountId],
    skipRequestingAccountId: false,
  };
}

/**
 * Every target with the top-level keys merged under its own, and every problem: each names the target and the key,
 * e.g. `targets[1] (prod-eu).users[0].name`. A problem of an inherited top-level value names the key and the targets
 * that inherit it, once.
 */
export function resolveTargets(
  defaults: TargetDefaults,
  documents: readonly TargetDocument[],
  deploymentProblems: DeploymentProblems,
): { targets: RotationTarget[]; problems: string[] } {
  const problems: string[] = [];
  if (defaults.users !== undefined) {
    problems.push(
      "`users` cannot be set next to `targets`: users live per target, in `targets[i].users` (the IAM users of that target's account)",
    );
  }
  if (documents.length === 0) problems.push('`targets` must list at least one target, got []');
  const { backend: sharedBackend, region: sharedRegion, users: _users, ...sharedRotation } = defaults;
  if (sharedBackend !== undefined)
    problems.push(...stateBackendProblems(sharedBackend).map((problem) => problem.message));

  const inherited = new Map<string, string[]>();
  const targets = documents.map((document, index): RotationTarget => {
    const label = targetLabel(index, document);
    const {
      name,
      accountId,
      roleArn,
      planRoleArn,
      externalId,
      sessionName,
      rotationName,
      region: ownRegion,
      backend: ownBackend,
      ...overrides
    } = document;
    const region = ownRegion ?? sharedRegion;
    problems.push(...identityProblems(document, label, region));
    if (region === undefined)
      problems.push(
        `\`${label}.region\` is required: the target's region (or set a top-level \`region\` that every target inherits)`,
      );
    const rotation = {
      ...sharedRotation,
      ...overrides,
      ...(rotationName !== undefined ? { name: rotationName } : {}),
    } as IamAccessKeyRotationProps;
    const ownKeys = new Set<string>([...Object.keys(document), 'users']);
    for (const problem of deploymentProblems({ region, backend: ownBackend, rotation })) {
      const { text, own } = targetProblem(problem, label, ownKeys);
      if (own) problems.push(text);
      else inherited.set(text, [...(inherited.get(text) ?? []), label]);
    }
    const backend = ownBackend ?? (name !== undefined ? targetBackend(sharedBackend, name) : undefined);
    // The casts hold when there is no problem, the only case in which the caller uses the targets.
    return {
      name: name as string,
      accountId: accountId as string,
      region: region as string,
      assumeRole: {
        roleArn: roleArn as string,
        ...(planRoleArn !== undefined ? { planRoleArn } : {}),
        sessionName: sessionName ?? `${DEFAULT_SESSION_NAME_PREFIX}${name}`,
        ...(externalId !== undefined ? { externalId } : {}),
      },
      ...(backend !== undefined ? { backend } : {}),
      rotation,
    };
  });
  for (const [text, labels] of inherited) problems.push(`${text} (inherited by ${labels.join(', ')})`);
  problems.push(...crossTargetProblems(documents, targets));
  return { targets, problems };
}

/** The top-level backend with the target's own state key; none when there is none (or it has no key to derive from). */
function targetBackend(shared: StateBackend | undefined, target: string): StateBackend | undefined {
  const s3 = shared?.s3;
  if (s3 === undefined || typeof s3.key !== 'string') return undefined;
  return { s3: { ...s3, key: targetStateKey(s3.key, target) } };
}

function identityProblems(document: TargetDocument, label: string, region: string | undefined): string[] {
  const problems: string[] = [];
  const { name, accountId, roleArn, planRoleArn, externalId, sessionName } = document;
  if (name === undefined) problems.push(`\`${label}.name\` is required: the target's id, which names its stack`);
  else if (!TARGET_NAME.test(name)) {
    problems.push(
      `\`${label}.name\` must be 1-40 lowercase letters, digits and '-', starting and ending with a letter or digit (it names the stack and its state), got ${show(name)}`,
    );
  }
  if (accountId === undefined)
    problems.push(`\`${label}.accountId\` is required: the AWS account the target deploys to`);
  else if (!ACCOUNT_ID.test(accountId))
    problems.push(`\`${label}.accountId\` must be a 12-digit AWS account id, got ${show(accountId)}`);
  if (roleArn === undefined)
    problems.push(`\`${label}.roleArn\` is required: the role Terraform assumes to deploy the target`);
  else problems.push(...roleArnProblems(`${label}.roleArn`, roleArn, accountId, region));
  if (planRoleArn !== undefined) {
    problems.push(...roleArnProblems(`${label}.planRoleArn`, planRoleArn, accountId, region));
    if (planRoleArn === roleArn) {
      problems.push(
        `\`${label}.planRoleArn\` must differ from \`roleArn\` (plans assume it so that they never hold deploy power), got ${show(planRoleArn)}`,
      );
    }
  }
  if (sessionName !== undefined && !SESSION_NAME.test(sessionName)) {
    problems.push(
      `\`${label}.sessionName\` must be 2-64 characters of letters, digits and _+=,.@-, got ${show(sessionName)}`,
    );
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    problems.push(
      `\`${label}.externalId\` must be 2-1224 characters of letters, digits and _+=,.@:/-, got ${show(externalId)}`,
    );
  }
  return problems;
}

/** A target's role: an IAM role ARN with no wildcard or expression in its path, in `accountId` and the region's partition. */
function roleArnProblems(
  key: string,
  arn: string,
  accountId: string | undefined,
  region: string | undefined,
): string[] {
  const match = ROLE_ARN.exec(arn);
  if (match === null)
    return [`\`${key}\` must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got ${show(arn)}`];
  const [, partition, roleAccount, rolePath] = match;
  const problems: string[] = [];
  if (ROLE_PATH_WILDCARD.test(rolePath)) {
    problems.push(
      `\`${key}\` must name one role: no \`*\`, \`?\`, \`\${\` or \`%{\` in its path (a wildcard in a policy, an expression in Terraform), got ${show(arn)}`,
    );
  }
  if (accountId !== undefined && ACCOUNT_ID.test(accountId) && roleAccount !== accountId) {
    problems.push(
      `\`${key}\` must be a role in \`accountId\` ${show(accountId)} (its credentials are that account's; the provider refuses any other), got a role in ${show(roleAccount)}: ${show(arn)}`,
    );
  }
  if (region !== undefined && AWS_REGION.test(region) && partition !== regionPartition(region)) {
    problems.push(
      `\`${key}\` must be in the partition of \`region\` ${show(region)}, ${show(regionPartition(region))} (STS there cannot assume a role of another partition), got ${show(partition)}: ${show(arn)}`,
    );
  }
  return problems;
}

/**
 * What no target alone shows: two stacks that would own the same IAM role, rotate the same IAM user (IAM is global to
 * an account, so two regions of one account share their users), claim the same secrets (secret names are per account
 * and region) or write the same state.
 */
function crossTargetProblems(documents: readonly TargetDocument[], targets: readonly RotationTarget[]): string[] {
  const problems: string[] = [...secretScopeProblems(documents, targets)];
  const names = new Map<string, number>();
  const roles = new Map<string, number>();
  const users = new Map<string, number>();
  const states = new Map<string, number>();
  targets.forEach((target, index) => {
    const label = targetLabel(index, documents[index]);
    const earlier = (seen: Map<string, number>, key: string): string | undefined => {
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      return first === undefined ? undefined : targetLabel(first, documents[first]);
    };
    if (typeof target.name === 'string' && TARGET_NAME.test(target.name) && earlier(names, target.name) !== undefined) {
      problems.push(`\`${label}.name\` must be unique, got ${show(target.name)} again`);
    }
    const rotationName = target.rotation.name ?? DEFAULT_ROTATION_NAME;
    // IAM role names, like user names, are unique in an account ignoring case.
    const sameRole =
      typeof target.accountId === 'string'
        ? earlier(roles, `${target.accountId}\n${String(rotationName).toLowerCase()}`)
        : undefined;
    if (sameRole !== undefined) {
      const given =
        documents[index].rotationName !== undefined
          ? show(rotationName)
          : `${show(rotationName)}, ${target.rotation.name !== undefined ? 'the top-level `name`' : 'the default'}`;
      problems.push(
        `\`${label}.rotationName\` must differ from that of ${sameRole}, in the same account ${show(target.accountId)} (the function's role is named after it, and IAM role names are per account), got ${given}`,
      );
    }
    if (typeof target.accountId === 'string' && Array.isArray(target.rotation.users)) {
      const seenHere = new Set<string>();
      target.rotation.users.forEach((user, userIndex) => {
        if (typeof user?.name !== 'string') return;
        const key = `${target.accountId}\n${user.name.toLowerCase()}`;
        // A user listed twice in one target is the construct's own problem, reported once.
        if (seenHere.has(key)) return;
        seenHere.add(key);
        const sameUser = earlier(users, key);
        if (sameUser !== undefined) {
          problems.push(
            `\`${label}.users[${userIndex}].name\` must not be rotated by ${sameUser} too, in the same account ${show(target.accountId)} (two functions would rotate one user's keys, each taking the other's key for an unmanaged one), got ${show(user.name)}`,
          );
        }
      });
    }
    const s3 = target.backend?.s3;
    const sameState = s3 !== undefined ? earlier(states, `${s3.bucket}\n${s3.key}`) : undefined;
    if (sameState !== undefined && s3 !== undefined) {
      problems.push(
        `\`${label}.backend.s3.key\` must differ from the state key of ${sameState} (each stack needs its own state), got ${show(s3.key)} in bucket ${show(s3.bucket)}`,
      );
    }
  });
  return problems;
}

/** The secrets one target's function may act on: its prefix and its users' exact `secretName`s. */
interface SecretScope {
  readonly index: number;
  readonly label: string;
  /** Account and region: secret names are unique, and IAM patterns match, within one of each. */
  readonly place: string;
  readonly prefix: string;
  /** How the prefix was given, for the message: the target's own key, or where it comes from. */
  readonly prefixKey: string;
  readonly names: readonly { readonly key: string; readonly name: string }[];
}

/**
 * Two targets in one account and region whose secret-name patterns overlap: each function's boundary (the invoke
 * permission, the role's Deny, the handler's check) would then cover the other's secrets. Prefixes are compared as
 * strings, as IAM's `<prefix>*` patterns match: `prod/` covers `prod/eu/`, and `prod` covers `production/`.
 */
function secretScopeProblems(documents: readonly TargetDocument[], targets: readonly RotationTarget[]): string[] {
  const problems: string[] = [];
  const scopes: SecretScope[] = [];
  targets.forEach((target, index) => {
    const { rotation } = target;
    if (typeof target.accountId !== 'string' || typeof target.region !== 'string' || !Array.isArray(rotation.users))
      return;
    const label = targetLabel(index, documents[index]);
    const rotationName = rotation.name ?? DEFAULT_ROTATION_NAME;
    const prefix = rotation.secretNamePrefix ?? `${rotationName}/`;
    const given =
      documents[index].secretNamePrefix !== undefined
        ? ''
        : rotation.secretNamePrefix !== undefined
          ? ' (the top-level one)'
          : ' (the default: the rotation name and "/")';
    const prefixKey = `\`${label}.secretNamePrefix\`${given}`;
    const names = rotation.users.flatMap((user, userIndex) =>
      typeof user?.secretName === 'string'
        ? [{ key: `\`${label}.users[${userIndex}].secretName\``, name: user.secretName }]
        : [],
    );
    const scope: SecretScope = {
      index,
      label,
      place: `${target.accountId}\n${target.region}`,
      prefix,
      prefixKey,
      names,
    };
    const where = `in the same account ${show(target.accountId)} and region ${show(target.region)}`;
    const why = "(each function's boundary would cover the other's secrets)";
    for (const other of scopes.filter((earlier) => earlier.place === scope.place)) {
      if (scope.prefix.startsWith(other.prefix) || other.prefix.startsWith(scope.prefix)) {
        problems.push(
          `${scope.prefixKey} must not overlap the secret-name prefix of ${other.label} ${where} ${why}, got ${show(scope.prefix)} and ${show(other.prefix)}`,
        );
        // The names under either prefix overlap for the same reason: one message says it.
        continue;
      }
      for (const { key, name } of scope.names) {
        if (name.startsWith(other.prefix))
          problems.push(
            `${key} must not be under the secret-name prefix ${show(other.prefix)} of ${other.label} ${where} ${why}, got ${show(name)}`,
          );
        if (other.names.some((theirs) => theirs.name === name))
          problems.push(`${key} must not be a secret of ${other.label} too, ${where} ${why}, got ${show(name)}`);
      }
      for (const { key, name } of other.names) {
        if (name.startsWith(scope.prefix))
          problems.push(
            `${key} must not be under the secret-name prefix ${show(scope.prefix)} of ${scope.label} ${where} ${why}, got ${show(name)}`,
          );
      }
    }
    scopes.push(scope);
  });
  return problems;
}

/** A backticked config path in a message: its first key, then the rest (`users` `[0].name`). */
const BACKTICKED_PATH = /`([A-Za-z]\w*)((?:\.[\w-]+|\[\d+\])*)`/g;
/** A user by index, outside backticks (`... the rotation interval of users[0] (7 days, ...)`). */
const BARE_USER = /(?<![`.\w])users\[\d+\]/g;

/**
 * A deployment problem as the target's: paths of keys the target sets get its label (`name`, the construct's, is a
 * target's `rotationName`). `own` says whether the problem's own key (the one it starts with) is the target's.
 */
function targetProblem(problem: string, label: string, ownKeys: ReadonlySet<string>): { text: string; own: boolean } {
  const targetKey = (key: string): string => (key === 'name' ? 'rotationName' : key);
  const isOwn = (key: string): boolean => ownKeys.has(targetKey(key));
  const leading = /^`([A-Za-z]\w*)/.exec(problem)?.[1];
  const text = problem
    .replace(BACKTICKED_PATH, (whole, key: string, rest: string) =>
      isOwn(key) ? `\`${label}.${targetKey(key)}${rest}\`` : whole,
    )
    .replace(BARE_USER, (user) => `${label}.${user}`);
  if (leading === undefined) return { text: `${label}: ${text}`, own: true };
  return { text, own: isOwn(leading) };
}
