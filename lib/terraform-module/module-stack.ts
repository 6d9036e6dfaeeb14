// The plain Terraform module (npm run build:module) as a CDKTF stack built from the construct's own parts: the
// rotation function, the topic, the sweep, the alerts, the alarms and the secrets' key are the same constructs, the
// policies come from the same statement builders. What differs is where the values come from: input variables, and
// per-user resources with `for_each` over `var.users`, so names are Terraform expressions.
import { Construct } from 'constructs';
import {
  Fn,
  Lazy,
  TerraformDataSource,
  TerraformIterator,
  TerraformLocal,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Token,
} from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamUser } from '@cdktf/provider-aws/lib/data-aws-iam-user';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import {
  DEFAULT_LOG_LEVEL,
  DEFAULT_TEST_BUDGET_MS,
  PreviousKeyAction,
  PreviousKeyInUseAction,
  USER_TAG_KEY,
} from '../../core/contract';
import { AwsContext } from '../synthesis/aws-context';
import { FunctionAlarms } from '../construct/function-alarms';
import {
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_RESERVED_CONCURRENCY,
  ownEnvironment,
} from '../construct/iam-access-key-rotation';
import { keyReaders, secretReadPolicy } from '../construct/readers';
import { NotificationTopic } from '../construct/notifications';
import { MANAGED_POLICIES_PER_ROLE, alarmArn, policyJson, roleArn } from '../grants/policy';
import { RotationFailureAlert } from '../construct/rotation-failure-alert';
import { RotationFunction } from '../construct/rotation-function';
import {
  SECRET_LIFECYCLE,
  createdUserConfig,
  sameAccountReadersPrecondition,
  secretDescription,
} from '../construct/rotated-user';
import { applyRotationChecks } from '../rules/aspect';
import { DEFAULT_AUTOMATICALLY_AFTER_DAYS } from '../construct/schedule';
import { managedSecretEntries, secretArnPattern, secretNamePatterns } from '../construct/secret-names';
import { SecretsKey } from '../construct/secrets-key';
import { DEFAULT_SWEEP_HOUR_UTC, SweepSchedule } from '../construct/sweep-schedule';
import { STACK_OUTPUTS, StackOutputName } from '../app/outputs';
import { grantShare, policiesNeeded, userStatements } from '../grants/grant-policy';
import { interpolation } from './hcl';
import { PolicyLists } from './policy-lists';
import { ModuleVariable, SCHEDULE_VIEW, USERS_VIEW, moduleVariables } from './variables';

/** The zip's name in the module folder; Terraform reads it as `${path.module}/<name>`. */
export const MODULE_ZIP_NAME = 'lambda.zip';
/** The longest names the module allows: `name` (lib/validation/validation.ts) and an IAM user name. */
const LONGEST_NAME = 'n'.repeat(56);
const LONGEST_USER_NAME = 'u'.repeat(64);

const GRANTED_NAMES = 'granted_user_names';

/** A resource's or data source's address, as Terraform expressions name it. */
function address(element: TerraformResource | TerraformDataSource): string {
  return `${element instanceof TerraformDataSource ? 'data.' : ''}${element.terraformResourceType}.${element.friendlyUniqueId}`;
}

/** How many users' grants one managed policy holds with the longest names the module allows (lib/grants/grant-policy.ts). */
export function usersPerPolicy(): number {
  const share = grantShare({
    secretName: `${LONGEST_NAME}/${LONGEST_USER_NAME}`,
    configuredUserName: LONGEST_USER_NAME,
  });
  let count = 1;
  while (policiesNeeded(Array.from({ length: count + 1 }, () => share)) === 1) count += 1;
  return count;
}

/** The most users the module takes: what the function role's managed policies (IAM's default quota) can name. */
export function maxModuleUsers(): number {
  return usersPerPolicy() * MANAGED_POLICIES_PER_ROLE;
}

export interface TerraformModuleStackProps {
  /** The built function zip (dist/lambda.zip); the module ships a copy as MODULE_ZIP_NAME. */
  readonly zipPath: string;
}

/** The module's stack: no provider, no backend (the build removes cdktf's); variables in, the construct's outputs out. */
export class TerraformModuleStack extends TerraformStack {
  readonly variables: readonly ModuleVariable[];
  /** The stand-ins in the policies, rewritten by the build (lib/terraform-module/policy-lists.ts). */
  readonly policyLists = new PolicyLists();

  constructor(scope: Construct, id: string, props: TerraformModuleStackProps) {
    super(scope, id);
    // For cdktf's checks only: the build removes the provider block, a module takes its provider from the caller.
    new AwsProvider(this, 'provider');
    this.variables = moduleVariables(maxModuleUsers());
    const variables = Object.fromEntries(
      this.variables.map((variable) => [
        variable.name,
        new TerraformVariable(this, variable.name, {
          type: variable.type,
          ...(variable.default !== undefined ? { default: variable.default } : {}),
          description: variable.description,
          nullable: false,
          validation: variable.validations.map(({ condition, errorMessage }) => ({
            condition: interpolation(condition),
            errorMessage,
          })),
        }),
      ]),
    );
    const name = variables.name.stringValue;
    const tags = Token.asStringMap(variables.tags.value);
    const context = new AwsContext(this, 'aws');
    const prefix = `${name}/`;
    const patterns = secretNamePatterns(prefix, [`${prefix}user`]);
    // Every secret has the default name `<prefix><user>`: the function derives each binding, none is listed.
    const managedSecrets = managedSecretEntries(prefix, [{ secretName: `${prefix}user`, userName: 'user' }]);

    // The users and the shared schedule with every field, typed: the variables take `any` so that their validations
    // can refuse unknown fields (lib/terraform-module/variables.ts).
    new TerraformLocal(this, 'users_typed', interpolation(USERS_VIEW));
    new TerraformLocal(this, 'schedule_typed', interpolation(SCHEDULE_VIEW));
    // Each user by name, its schedule resolved: its own, else the shared one, with the construct's default.
    const schedule = '(user.schedule != null ? user.schedule : local.schedule_typed)';
    const users = new TerraformLocal(
      this,
      'users_by_name',
      interpolation(
        `{ for user in local.users_typed : user.name => { name = user.name, create_user = user.create_user, ` +
          `automatically_after_days = ${schedule}.schedule_expression == null ? coalesce(${schedule}.automatically_after_days, ${DEFAULT_AUTOMATICALLY_AFTER_DAYS}) : null, ` +
          `schedule_expression = ${schedule}.schedule_expression, duration = ${schedule}.duration } }`,
      ),
    );
    const eachUser = TerraformIterator.fromMap(users.asAnyMap);

    let topicArn = '';
    const rotationFunction = new RotationFunction(this, 'rotation-function', {
      name,
      zipPath: props.zipPath,
      // Where the module is, wherever the caller keeps it: a relative path would resolve against the root module.
      filename: new TerraformLocal(this, 'function_zip', `\${path.module}/${MODULE_ZIP_NAME}`).asString,
      environment: ownEnvironment(
        {
          users: [],
          name,
          previousKeyAction: variables.previous_key_action.stringValue as PreviousKeyAction,
          previousKeyGraceDays: variables.previous_key_grace_days.numberValue,
          previousKeyInUse: variables.previous_key_in_use.stringValue as PreviousKeyInUseAction,
          testBudgetMs: DEFAULT_TEST_BUDGET_MS,
          logLevel: DEFAULT_LOG_LEVEL,
        },
        managedSecrets,
        Lazy.stringValue({ produce: () => topicArn }),
        0,
      ),
      logRetentionInDays: DEFAULT_LOG_RETENTION_DAYS,
      tags,
      context,
      secretNamePatterns: patterns,
      grantRoleCount: 0,
      managedPoliciesPerRole: MANAGED_POLICIES_PER_ROLE,
      reservedConcurrency: DEFAULT_RESERVED_CONCURRENCY,
    });

    const notifications = new NotificationTopic(this, 'notifications', {
      name,
      options: {},
      rotationRoleArn: roleArn(context.arnParts, rotationFunction.role.name),
      tags,
      context,
    });
    topicArn = notifications.topicArn;
    rotationFunction.grantPublish({ topicArn: notifications.policyTopicArn });
    const sweep = new SweepSchedule(this, 'sweep', {
      name,
      function: rotationFunction.function,
      hourUtc: DEFAULT_SWEEP_HOUR_UTC,
      tags,
      context,
    });
    const alert = new RotationFailureAlert(this, 'rotation-failed', {
      name,
      secretNamePatterns: patterns,
      topicArn,
      tags,
      context,
    });
    const alarms = new FunctionAlarms(this, 'alarms', {
      name,
      functionName: rotationFunction.function.functionName,
      sweepRuleName: sweep.ruleName,
      topicArn,
      tags,
    });
    notifications.allowPublishers({
      ruleArns: alert.ruleArns,
      alarmArns: [alarms.errors, alarms.sweepMissing].map((alarm) => alarmArn(context.arnParts, alarm.alarmName)),
    });

    // The created key, only with customer-managed encryption; its policy names every reader, when there are any.
    const reader = this.policyLists.item('var.readers', 'reader', true);
    const secretsKey = new SecretsKey(this, 'secrets-key', {
      rotationRoleArns: rotationFunction.secretRoleArns,
      readers: keyReaders([reader.value()], []),
      tags,
      context,
    });
    secretsKey.key.count = Token.asNumber(interpolation('var.encryption == "customer-managed" ? 1 : 0'));
    const kmsKeyArn = interpolation(`one(${address(secretsKey.key)}[*].arn)`);

    // The users: created, or looked up (the lookup fails the plan when a user is missing).
    const createdUsers = TerraformIterator.fromMap(
      Token.asAnyMap(interpolation('{ for key, user in local.users_by_name : key => user if user.create_user }')),
    );
    const created = new IamUser(this, 'user', {
      forEach: createdUsers,
      ...createdUserConfig(createdUsers.getString('name'), tags),
    });
    const existingUsers = TerraformIterator.fromMap(
      Token.asAnyMap(interpolation('{ for key, user in local.users_by_name : key => user if !user.create_user }')),
    );
    const existing = new DataAwsIamUser(this, 'existing-user', {
      forEach: existingUsers,
      userName: existingUsers.getString('name'),
    });
    // The names IAM stores, as the grants name them: the policies wait for the created users.
    new TerraformLocal(
      this,
      GRANTED_NAMES,
      interpolation(
        `merge({ for key, user in ${address(created)} : key => user.name }, { for key, user in ${address(existing)} : key => user.user_name })`,
      ),
    );

    const secret = new SecretsmanagerSecret(this, 'secret', {
      forEach: eachUser,
      name: `${prefix}${eachUser.key}`,
      description: secretDescription(eachUser.getString('name')),
      kmsKeyId: kmsKeyArn,
      recoveryWindowInDays: variables.recovery_window_in_days.numberValue,
      tags: Fn.merge([tags, { [USER_TAG_KEY]: eachUser.getString('name') }]) as Record<string, string>,
      lifecycle: SECRET_LIFECYCLE,
    });
    const secretOf = (attribute: string): string => interpolation(`${address(secret)}[each.key].${attribute}`);

    const withReaders = TerraformIterator.fromMap(
      Token.asAnyMap(
        interpolation('{ for key, user in local.users_by_name : key => user if length(var.readers) > 0 }'),
      ),
    );
    new SecretsmanagerSecretPolicy(this, 'read-policy', {
      forEach: withReaders,
      secretArn: secretOf('arn'),
      policy: secretReadPolicy(
        [this.policyLists.item('var.readers', 'reader').value()],
        roleArn(context.arnParts, rotationFunction.role.name),
      ),
      blockPublicPolicy: true,
      lifecycle: {
        precondition: [
          sameAccountReadersPrecondition(
            '(var.encryption == "aws-managed" ? [for reader in var.readers : split(":", reader)[4]] : [])',
            context.accountId,
            `${prefix}${withReaders.key}`,
          ),
        ],
      },
    });

    // The grants: one managed policy per part of the users, each part as many as fit with the longest names, in the
    // order of `var.users`, as the construct fills its policies: a user added last changes only the last policy.
    const parts = TerraformIterator.fromMap(
      Token.asAnyMap(
        interpolation(
          `{ for index, part in chunklist(local.users_typed[*].name, ${usersPerPolicy()}) : tostring(index + 1) => part }`,
        ),
      ),
    );
    const user = this.policyLists.item('each.value', 'user');
    rotationFunction.grantRotationForEach(
      parts,
      parts.key,
      policyJson(
        userStatements(
          [
            {
              secretArn: secretArnPattern(context.arnParts, user.value(`${address(secret)}[user].name`)),
              userName: user.value(`local.${GRANTED_NAMES}[user]`),
            },
          ],
          context.arnParts,
        ),
      ),
    );

    const rotation = new SecretsmanagerSecretRotation(this, 'rotation', {
      forEach: eachUser,
      secretId: secretOf('id'),
      rotationLambdaArn: rotationFunction.function.arn,
      rotationRules: {
        automaticallyAfterDays: Token.asNumber(interpolation('each.value.automatically_after_days')),
        scheduleExpression: eachUser.getString('schedule_expression'),
        duration: eachUser.getString('duration'),
      },
      rotateImmediately: true,
    });
    rotationFunction.addRotation(rotation, `${prefix}user`);

    const values: Record<StackOutputName, unknown> = {
      secret_arns: interpolation(`{ for key, secret in ${address(secret)} : key => secret.arn }`),
      rotation_function_arn: rotationFunction.function.arn,
      rotation_role_arn: rotationFunction.role.arn,
      notification_topic_arn: notifications.topicArn,
    };
    for (const [output, description] of Object.entries(STACK_OUTPUTS)) {
      new TerraformOutput(this, output, { value: values[output as StackOutputName], description });
    }
    applyRotationChecks(this);
  }
}
