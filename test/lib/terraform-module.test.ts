// The plain Terraform module as the build writes it (no terraform needed): a module's shape, reproducible bytes, the
// construct's resources and settings, the user cap from the construct's sizing, and the README from the definitions;
// docs/terraform-module.md (read with test/support/doc-snippets) gives the same cap, inputs and outputs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { rotationConfigured } from '../../lib/rules/rotation-configured';
import { SynthesizedResource } from '../../lib/rules/rule';
import { STACK_OUTPUTS } from '../../lib/app/outputs';
import { MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_SIZE_LIMIT } from '../../lib/grants/policy';
import { AWS_PROVIDER_CONSTRAINT, buildTerraformModule, synthesizeModule } from '../../lib/terraform-module/build';
import { MODULE_ZIP_NAME, maxModuleUsers, usersPerPolicy } from '../../lib/terraform-module/module-stack';
import { inputsTable, outputsTable } from '../../lib/terraform-module/readme';
import { moduleVariables } from '../../lib/terraform-module/variables';
import { grantPolicySize } from '../../lib/grants/grant-policy';
import { readDoc } from '../support/doc-snippets';
import { TerraformJson, fixtureZip, policyOf, synthRotation } from './fixtures';

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
interface ModuleJson {
  readonly terraform: Record<string, unknown>;
  readonly variable: Record<
    string,
    { type: string; default?: unknown; validation: { condition: string; error_message: string }[] }
  >;
  readonly locals: Record<string, string>;
  readonly resource: Blocks;
  readonly data: Blocks;
  readonly output: Record<string, { value: string; description: string }>;
  readonly provider?: unknown;
}

const moduleJson = synthesizeModule(fixtureZip()) as unknown as ModuleJson;
const only = (blocks: Blocks, type: string): Record<string, unknown> => {
  const resources = Object.values(blocks[type] ?? {});
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  return resources[0];
};

describe('the module is a module', () => {
  test('no provider and no backend, but the provider it needs and the Terraform it needs', () => {
    expect(moduleJson.provider).toBeUndefined();
    expect(moduleJson.terraform).toEqual({
      required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_CONSTRAINT } },
      required_version: '>= 1.9.0',
    });
  });

  test("the function's code and its hash come from the zip next to main.tf.json", () => {
    const fn = only(moduleJson.resource, 'aws_lambda_function');
    expect(moduleJson.locals.function_zip).toBe(`\${path.module}/${MODULE_ZIP_NAME}`);
    expect(fn).toMatchObject({
      filename: '${local.function_zip}',
      source_code_hash: '${filebase64sha256(local.function_zip)}',
    });
  });

  test("every policy over a Terraform list is a jsonencode of the builders' statements, no stand-in left", () => {
    const text = JSON.stringify(moduleJson);
    expect(text).not.toMatch(/__TF_ITEM_/);
    const policy = String(only(moduleJson.resource, 'aws_iam_policy').policy);
    expect(policy).toMatch(/^\$\{jsonencode\(\{ "Version" = "2012-10-17", "Statement" = \[/);
    expect(policy).toContain('"Resource" = [for user in each.value : "arn:');
    expect(policy).toContain(':user/${local.granted_user_names[user]}');
    // The reader statement of the created key only when there are readers (KMS refuses an empty principal list).
    const secretsKey = Object.values(moduleJson.resource.aws_kms_key).find((key) => key.count !== undefined) as Record<
      string,
      unknown
    >;
    expect(secretsKey.policy).toContain('(length(var.readers) > 0 ? [{ "Sid" = "ReadersDecryptThroughSecretsManager"');
  });

  test('the same sources give the same bytes', () => {
    const [first, second] = [0, 1].map(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-module-build-'));
      buildTerraformModule({ zipPath: fixtureZip(), outDir: dir });
      const files = Object.fromEntries(
        fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('base64')]),
      );
      fs.rmSync(dir, { recursive: true, force: true });
      return files;
    });
    expect(Object.keys(first).sort()).toEqual(['README.md', 'lambda.zip', 'main.tf.json']);
    expect(second).toEqual(first);
  });
});

describe('the module is the construct', () => {
  // The construct with every part the module has: a created and a looked-up user, a created key, readers.
  const construct = synthRotation({
    users: [{ name: 'alice', createUser: true }, { name: 'bob' }],
    encryption: 'customer-managed',
    readers: ['arn:aws:iam::123456789012:role/reader'],
  }).json as TerraformJson & { data: Blocks };

  test('the same resource and data source types', () => {
    expect(Object.keys(moduleJson.resource).sort()).toEqual(Object.keys(construct.resource).sort());
    expect(Object.keys(moduleJson.data).sort()).toEqual(Object.keys(construct.data).sort());
  });

  test("the function's settings, environment variables and rotations' settings", () => {
    const pick = (fn: Record<string, unknown>): unknown => {
      const { handler, runtime, timeout, memory_size, reserved_concurrent_executions, description } = fn;
      return {
        handler,
        runtime,
        timeout,
        memory_size,
        reserved_concurrent_executions,
        description,
        variables: Object.keys((fn.environment as { variables: object }).variables).sort(),
      };
    };
    expect(pick(only(moduleJson.resource, 'aws_lambda_function'))).toEqual(
      pick(only(construct.resource, 'aws_lambda_function')),
    );
    const rotation = only(moduleJson.resource, 'aws_secretsmanager_secret_rotation');
    expect(rotation.rotate_immediately).toBe(true);
    expect(rotation.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_lambda_permission\./),
        expect.stringMatching(/^aws_iam_policy\./),
      ]),
    );
    const secret = only(moduleJson.resource, 'aws_secretsmanager_secret');
    const constructSecret = Object.values(construct.resource.aws_secretsmanager_secret)[0];
    expect(secret.lifecycle).toEqual(constructSecret.lifecycle);
    expect(only(moduleJson.resource, 'aws_iam_user').force_destroy).toBe(true);
  });

  test("the role's inline policy has the construct's statements, the Deny fencing it in to <name>/*", () => {
    const sids = (policy: { Statement: Record<string, unknown>[] }): unknown[] =>
      policy.Statement.map((statement) => statement.Sid);
    const modulePolicy = policyOf(only(moduleJson.resource, 'aws_iam_role_policy'));
    expect(sids(modulePolicy)).toEqual(sids(policyOf(only(construct.resource, 'aws_iam_role_policy'))));
    expect(modulePolicy.Statement.find((statement) => statement.Sid === 'DenySecretsOutsideTheStack')).toMatchObject({
      Effect: 'Deny',
      NotResource: [expect.stringMatching(/:secret:\$\{var\.name\}\/\*$/)],
    });
  });

  test('every secret binds its user the way the function derives it: named <name>/<user>, tagged <user>, and MANAGED_SECRETS the prefix alone', () => {
    const fn = only(moduleJson.resource, 'aws_lambda_function');
    expect((fn.environment as { variables: Record<string, string> }).variables.MANAGED_SECRETS).toBe(
      '["${var.name}/*"]',
    );
    const secret = only(moduleJson.resource, 'aws_secretsmanager_secret');
    expect(secret.name).toBe('${var.name}/${each.key}');
    // the map's keys are the user names (users_by_name), so each secret's tag names the user its name ends with
    expect(String(secret.tags)).toContain('"iam-key-rotation:user" = each.value.name');
    expect(moduleJson.locals.users_by_name).toMatch(/: user\.name => \{ name = user\.name,/);
  });

  test('invoke permissions name this account and the secrets <name>/*, or the sweep rule', () => {
    const permissions = Object.values(moduleJson.resource.aws_lambda_permission);
    expect(permissions).toHaveLength(2);
    for (const permission of permissions)
      expect(permission.source_account).toMatch(/^\$\{data\.aws_caller_identity\.[^.]+\.account_id\}$/);
    expect(permissions.map((permission) => permission.source_arn)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:secret:\$\{var\.name\}\/\*$/),
        expect.stringMatching(/:rule\/\$\{aws_cloudwatch_event_rule\.[^.]+\.name\}$/),
      ]),
    );
  });

  test("each secret's read policy has the construct's statements: readers read AWSCURRENT and AWSPREVIOUS only, the rotation role left alone", () => {
    const modulePolicy = String(only(moduleJson.resource, 'aws_secretsmanager_secret_policy').policy);
    const constructPolicy = policyOf(Object.values(construct.resource.aws_secretsmanager_secret_policy)[0]);
    expect(constructPolicy.Statement.map((statement) => statement.Sid)).toEqual([
      'ReadersReadTheSecret',
      'ReadersReadOnlyCurrentAndPrevious',
      'ReadersReadNoVersionById',
    ]);
    for (const statement of constructPolicy.Statement) {
      expect(modulePolicy).toContain(
        `"Sid" = "${String(statement.Sid)}", "Effect" = "${String(statement.Effect)}", "Principal" = { "AWS" = var.readers }`,
      );
    }
    expect(modulePolicy).toContain(
      '"Null" = { "secretsmanager:VersionStage" = "false" }, "StringNotEquals" = { "secretsmanager:VersionStage" = ["AWSCURRENT", "AWSPREVIOUS"] }',
    );
    expect(modulePolicy).toContain('"Null" = { "secretsmanager:VersionId" = "false" }');
    const exempt =
      /"ArnNotEquals" = \{ "aws:PrincipalArn" = "arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:role\/\$\{aws_iam_role\.rotation-function_role_[\w]+\.name\}" \}/g;
    expect(modulePolicy.match(exempt)).toHaveLength(2);
  });

  test('main.tf.json as built (a change to it, and to its resource addresses, is deliberate)', () => {
    expect(moduleJson).toMatchSnapshot();
  });

  test('no access key and no secret value is ever a resource', () => {
    expect(moduleJson.resource.aws_iam_access_key).toBeUndefined();
    expect(moduleJson.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });
});

describe("the user cap comes from the construct's policy sizing", () => {
  const longest = { secretName: `${'n'.repeat(56)}/${'u'.repeat(64)}`, configuredUserName: 'u'.repeat(64) };

  test('a full part of users with the longest names fits one managed policy, one more does not', () => {
    const part = usersPerPolicy();
    expect(grantPolicySize(Array.from({ length: part }, () => longest))).toBeLessThanOrEqual(MANAGED_POLICY_SIZE_LIMIT);
    expect(grantPolicySize(Array.from({ length: part + 1 }, () => longest))).toBeGreaterThan(MANAGED_POLICY_SIZE_LIMIT);
    expect(only(moduleJson.resource, 'aws_iam_policy').for_each).toContain(
      `chunklist(local.users_typed[*].name, ${part})`,
    );
  });

  test("the cap is the role's managed policies' worth of parts, and `users` refuses more", () => {
    expect(maxModuleUsers()).toBe(usersPerPolicy() * MANAGED_POLICIES_PER_ROLE);
    expect(moduleJson.variable.users.validation.map((rule) => rule.condition)).toContainEqual(
      expect.stringContaining(`? length(var.users) <= ${maxModuleUsers()} : true}`),
    );
  });
});

describe('variables and README', () => {
  test('every variable has a description, a type and validations whose messages name it', () => {
    for (const variable of moduleVariables(maxModuleUsers())) {
      expect(variable.description.length).toBeGreaterThan(20);
      expect(moduleJson.variable[variable.name].type).toBe(variable.type);
      for (const { errorMessage } of variable.validations) expect(errorMessage).toContain(`\`${variable.name}`);
    }
  });

  test('`users` and `schedule` take any value, so that their validations see unknown fields; the README shows their shape', () => {
    // Terraform's object types drop the attributes they do not name: `crate_user = true` would pass unseen.
    expect(moduleJson.variable.users.type).toBe('any');
    expect(moduleJson.variable.schedule.type).toBe('any');
    expect(moduleJson.variable.users.validation[0].error_message).toContain(
      'is not a known key (known: name, create_user, schedule).',
    );
    expect(moduleJson.variable.schedule.validation[0].error_message).toContain(
      'is not a known key (known: automatically_after_days, schedule_expression, duration).',
    );
    expect(inputsTable(moduleVariables(maxModuleUsers()))).toContain(
      '| `users` | `list(object({ name = string, create_user = optional(bool, false), schedule = optional(object({',
    );
  });

  test("the README's inputs and outputs tables are the module's variables and the construct's outputs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-module-readme-'));
    buildTerraformModule({ zipPath: fixtureZip(), outDir: dir });
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(readme).toContain(inputsTable(moduleVariables(maxModuleUsers())));
    expect(readme).toContain(outputsTable(STACK_OUTPUTS));
    expect(Object.keys(moduleJson.variable).sort()).toEqual(
      moduleVariables(maxModuleUsers())
        .map((variable) => variable.name)
        .sort(),
    );
    expect(Object.keys(moduleJson.output).sort()).toEqual(Object.keys(STACK_OUTPUTS).sort());
    expect(readme).toContain(`at most **${maxModuleUsers()}** users`);
  });

  test('docs/terraform-module.md gives the same user cap and names every input and output', () => {
    const page = readDoc('docs/terraform-module.md');
    expect(page).toContain(`at most **${maxModuleUsers()}** users`);
    expect(
      moduleVariables(maxModuleUsers())
        .filter((variable) => !page.includes(`\`${variable.name}\``))
        .map((variable) => variable.name),
    ).toEqual([]);
    expect(Object.keys(STACK_OUTPUTS).filter((output) => !page.includes(`\`${output}\``))).toEqual([]);
  });
});

describe('IKR1 on per-user resources (for_each)', () => {
  const secret: SynthesizedResource = {
    type: 'aws_secretsmanager_secret',
    name: 'secret',
    config: { for_each: '${local.users}', tags: '${merge(var.tags, {"iam-key-rotation:user" = each.value.name})}' },
  };
  const rotation = (forEach: string): SynthesizedResource => ({
    type: 'aws_secretsmanager_secret_rotation',
    name: 'rotation',
    config: {
      for_each: forEach,
      secret_id: '${aws_secretsmanager_secret.secret[each.key].id}',
      rotation_lambda_arn: '${fn.arn}',
      rotation_rules: { automatically_after_days: 90 },
    },
  });

  test('a secret per element is rotated by a rotation over the same elements', () => {
    expect(rotationConfigured.check(secret, { resources: [secret, rotation('${local.users}')] })).toBe('compliant');
  });

  test('not by a rotation over other elements, nor by none', () => {
    expect(rotationConfigured.check(secret, { resources: [secret, rotation('${local.others}')] })).toBe(
      'non-compliant',
    );
    expect(rotationConfigured.check(secret, { resources: [secret] })).toBe('non-compliant');
  });
});
