// A whole account's worth of users (IAM's default quota, 5,000) in one stack: every policy within IAM's limits and
// naming exactly the users and secrets it must, and terraform accepting the result.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdktf';
import { grantRoleIndex } from '../../core/contract';
import { IamKeyRotationStack } from '../../lib';
import { terraformIn, testWithTerraform } from '../support/tools';
import {
  TerraformJson,
  builtIamArn,
  fixtureZip,
  iamArnMatches,
  policyOf,
  resourcesOfType,
  sizeForIam,
  withLongestArns,
} from '../lib/fixtures';

const USERS = 5000;
const MANAGED_POLICY_LIMIT = 6144;
const INLINE_POLICIES_LIMIT = 10_240;
const MANAGED_POLICIES_PER_ROLE = 10;
const ARN = 'arn:aws-us-gov:iam::123456789012';

type Resource = Record<string, unknown>;
type Statement = Record<string, unknown>;

/** A mix of users: most existing, some created by the stack, names from 5 to 64 characters. */
function fleet(): { name: string; createUser?: boolean }[] {
  return Array.from({ length: USERS }, (_, index) => {
    const name =
      index % 10 === 0
        ? `svc-${String(index).padStart(5, '0')}-${'x'.repeat(index % 54)}`
        : `u${String(index).padStart(5, '0')}`;
    return index % 7 === 0 ? { name, createUser: true } : { name };
  });
}

/** `${aws_iam_role.<id>.name}` and the like, alone or in an ARN built from it: the resource id a reference names. */
function referencedId(reference: string, type: string): string {
  const match = new RegExp(`\\$\\{${type}\\.([\\w-]+)\\.(?:arn|name|id)\\}`).exec(reference);
  if (match === null) throw new Error(`${reference} is not a reference to a ${type}`);
  return match[1];
}

describe(`${USERS} users in one stack`, () => {
  jest.setTimeout(300_000);
  const users = fleet();
  let json: TerraformJson;
  let stackDir: string;
  let roleNameById: Map<string, string>;

  beforeAll(() => {
    const app = Testing.app();
    // The app's stack: what `node dist/main.js` synthesizes for a config of these users.
    const stack = new IamKeyRotationStack(app, 'fleet', {
      region: 'us-east-1',
      rotation: { users, encryption: 'customer-managed', functionZipPath: fixtureZip() },
    });
    // A full synth runs the construct's validations and the rotation checks, and writes what terraform needs.
    const outdir = Testing.fullSynth(stack);
    stackDir = path.join(outdir, 'stacks', 'fleet');
    json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
    roleNameById = new Map(Object.entries(json.resource.aws_iam_role).map(([id, role]) => [id, String(role.name)]));
  });

  const grantRoleCount = (): number => {
    const [fn] = resourcesOfType(json, 'aws_lambda_function');
    return Number((fn.environment as { variables: Record<string, string> }).variables.KEY_ROLE_COUNT);
  };
  const policyById = (): Map<string, Resource> => new Map(Object.entries(json.resource.aws_iam_policy));
  const attachments = (): Resource[] => resourcesOfType(json, 'aws_iam_role_policy_attachment');

  test('splits the grants over grant roles, each with at most 10 managed policies of at most 6,144 characters', () => {
    const count = grantRoleCount();
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThan(40);
    const roleNames = [...roleNameById.values()].sort();
    expect(roleNames).toEqual(
      ['iam-key-rotation', ...Array.from({ length: count }, (_, index) => `iam-key-rotation-keys-${index + 1}`)].sort(),
    );
    const perRole = new Map<string, number>();
    for (const attachment of attachments()) {
      const role = roleNameById.get(referencedId(String(attachment.role), 'aws_iam_role')) as string;
      perRole.set(role, (perRole.get(role) ?? 0) + 1);
    }
    expect(perRole.has('iam-key-rotation')).toBe(false);
    expect(perRole.size).toBe(count);
    for (const policies of perRole.values()) expect(policies).toBeLessThanOrEqual(MANAGED_POLICIES_PER_ROLE);
    for (const policy of policyById().values())
      expect(sizeForIam(withLongestArns(json, String(policy.policy)))).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    for (const inline of resourcesOfType(json, 'aws_iam_role_policy')) {
      expect(sizeForIam(withLongestArns(json, String(inline.policy)))).toBeLessThanOrEqual(INLINE_POLICIES_LIMIT);
    }
  });

  test('each user and its secret are granted exactly once, on the grant role the function will assume for that secret', () => {
    const count = grantRoleCount();
    const secretNameById = new Map(
      Object.entries(json.resource.aws_secretsmanager_secret).map(([id, secret]) => [id, String(secret.name)]),
    );
    const userOfSecret = new Map(
      Object.values(json.resource.aws_secretsmanager_secret).map((secret) => [
        String(secret.name),
        (secret.tags as Record<string, string>)['iam-key-rotation:user'],
      ]),
    );
    const roleOfPolicy = new Map(
      attachments().map((attachment) => [
        referencedId(String(attachment.policy_arn), 'aws_iam_policy'),
        roleNameById.get(referencedId(String(attachment.role), 'aws_iam_role')),
      ]),
    );
    const grantedTo = new Map<string, string[]>();
    for (const [id, policy] of policyById()) {
      const role = roleOfPolicy.get(id) as string;
      const [secrets, keys] = policyOf({ policy: withLongestArns(json, String(policy.policy)) })
        .Statement as Statement[];
      const secretNames = (policyOf(policy).Statement[0].Resource as string[]).map(
        (reference) => secretNameById.get(referencedId(reference, 'aws_secretsmanager_secret')) as string,
      );
      // THEN the policy names the secrets of exactly the users whose keys it manages, under any IAM path
      const userNames = secretNames.map((name) => userOfSecret.get(name) as string);
      expect(keys.Resource).toEqual(userNames.flatMap((user) => [`${ARN}:user/${user}`, `${ARN}:user/*/${user}`]));
      expect(
        (secrets.Resource as string[]).every((arn) =>
          /^arn:aws-us-gov:secretsmanager:us-isof-south-1:123456789012:secret:iam-key-rotation\/[\w-]+-\?{6}$/.test(
            arn,
          ),
        ),
      ).toBe(true);
      for (const name of secretNames) {
        expect(role).toBe(`iam-key-rotation-keys-${grantRoleIndex(name, count) + 1}`);
        grantedTo.set(name, [...(grantedTo.get(name) ?? []), role]);
      }
    }
    expect(grantedTo.size).toBe(USERS);
    expect([...grantedTo.values()].every((roles) => roles.length === 1)).toBe(true);
    // AND no user pattern matches another user of the fleet
    const sample = users.filter((_, index) => index % 97 === 0).map(({ name }) => name);
    for (const policy of policyById().values()) {
      const patterns = policyOf({ policy: withLongestArns(json, String(policy.policy)) }).Statement[1]
        .Resource as string[];
      for (const name of sample) {
        const matching = patterns.filter((pattern) => iamArnMatches(pattern, `${ARN}:user/team/${name}`));
        expect(matching.length === 0 || matching.every((pattern) => pattern.endsWith(`/${name}`))).toBe(true);
      }
    }
  });

  test("only the function's role may assume a grant role, and it may assume only those, and no longer acts on secrets or keys itself", () => {
    const [functionRoleId] = [...roleNameById].find(([, name]) => name === 'iam-key-rotation') as [string, string];
    const grantRoles = Object.values(json.resource.aws_iam_role).filter((role) =>
      String(role.name).startsWith('iam-key-rotation-keys-'),
    );
    for (const role of grantRoles) {
      expect(policyOf(role, 'assume_role_policy').Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { AWS: builtIamArn(json, `role/\${aws_iam_role.${functionRoleId}.name}`) },
          Action: 'sts:AssumeRole',
        },
      ]);
    }
    const functionRolePolicy = resourcesOfType(json, 'aws_iam_role_policy').find(
      (policy) => String(policy.role) === `\${aws_iam_role.${functionRoleId}.name}`,
    ) as Resource;
    const statements = policyOf(functionRolePolicy).Statement as Statement[];
    const assume = statements.find((statement) => statement.Sid === 'AssumeKeyRoles') as Statement;
    expect(new Set(assume.Resource as string[])).toEqual(
      new Set(
        Object.keys(json.resource.aws_iam_role)
          .filter((id) => id !== functionRoleId)
          .map((id) => builtIamArn(json, `role/\${aws_iam_role.${id}.name}`)),
      ),
    );
    const allowed = statements
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => statement.Action as string | string[]);
    expect(allowed.flat().filter((action) => /^(iam:|kms:|secretsmanager:(?!ListSecrets))/.test(action))).toEqual([]);
    // AND the secrets' key lets the grant roles (not the function's role) use it
    const secretsKey = resourcesOfType(json, 'aws_kms_key').find((key) =>
      /secrets/.test(String(key.description)),
    ) as Resource;
    const use = (policyOf(secretsKey).Statement as Statement[]).find(
      (statement) => statement.Sid === 'RotationFunctionUsesKeyThroughSecretsManager',
    ) as Statement;
    expect((use.Principal as { AWS: string[] }).AWS).toHaveLength(grantRoleCount());
  });

  test("derives every user's binding: the function's environment lists only the prefix, within Lambda's 4 KB", () => {
    const [fn] = resourcesOfType(json, 'aws_lambda_function');
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect(variables.MANAGED_SECRETS).toBe('["iam-key-rotation/*"]');
    expect(Buffer.byteLength(JSON.stringify(variables))).toBeLessThanOrEqual(4096);
  });

  test("too many secrets to name exactly: the Deny of the function's role and of every grant role falls back to the prefix", () => {
    const denies = resourcesOfType(json, 'aws_iam_role_policy').map(
      (policy) =>
        (policyOf(policy).Statement as Statement[]).find((statement) => statement.Sid === 'DenySecretsOutsideTheStack')
          ?.NotResource as string[],
    );
    expect(denies).toHaveLength(grantRoleCount() + 1);
    for (const deny of denies)
      expect(deny.map((arn) => arn.replace(/^.*:secret:/, ''))).toEqual(['iam-key-rotation/*']);
  });

  test('each rotation waits for the policies of its own grant role only', () => {
    const count = grantRoleCount();
    const policyRole = new Map(
      attachments().map((attachment) => [
        referencedId(String(attachment.policy_arn), 'aws_iam_policy'),
        String(attachment.role),
      ]),
    );
    const secrets = json.resource.aws_secretsmanager_secret;
    for (const rotation of resourcesOfType(json, 'aws_secretsmanager_secret_rotation').filter(
      (_, index) => index % 50 === 0,
    )) {
      const secretName = String(secrets[referencedId(String(rotation.secret_id), 'aws_secretsmanager_secret')].name);
      const expectedRole = `iam-key-rotation-keys-${grantRoleIndex(secretName, count) + 1}`;
      const policies = (rotation.depends_on as string[])
        .filter((dependency) => dependency.startsWith('aws_iam_policy.'))
        .map((dependency) => dependency.slice('aws_iam_policy.'.length));
      expect(policies.length).toBeGreaterThan(0);
      for (const id of policies)
        expect(roleNameById.get(referencedId(policyRole.get(id) as string, 'aws_iam_role'))).toBe(expectedRole);
    }
  });

  testWithTerraform('terraform validate accepts it', () => {
    const terraform = terraformIn(stackDir, fs.mkdtempSync(path.join(os.tmpdir(), 'tf-fleet-')));
    terraform('init', '-input=false', '-backend=false', '-no-color');
    const result = JSON.parse(terraform('validate', '-json')) as { valid: boolean; error_count: number };
    expect(result).toMatchObject({ valid: true, error_count: 0 });
  });
});
