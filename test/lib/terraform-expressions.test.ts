// Finding 6 of issue 22: Terraform reads every string of the synthesized JSON as a template, so a config value with
// `${...}` (or a `%{...}` directive) would be evaluated at plan: a file of the runner, another resource's attributes.
// No config string, and no string prop but the caller's own references, may contain either.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lazy, TerraformStack, Testing } from 'cdktf';
import { parseAppConfig } from '../../lib/app/config';
import { STACK_NAME, buildApp } from '../../main';
import { fixtureZip, problemsOfCall, synthRotation } from './fixtures';

const EXPRESSION = '${file("/nonexistent")}';
const PROBLEM = 'must not contain "${" or "%{": Terraform would evaluate it as an expression';
const ROLE = 'arn:aws:iam::111111111111:role/deployer';
const target = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'prod',
  accountId: '111111111111',
  roleArn: ROLE,
  users: [{ name: 'ci' }],
  ...extra,
});

const problemsOf = (document: unknown): string[] => problemsOfCall(() => parseAppConfig(document));
/** The message for `key` holding `value`, as the config reports it. */
const refused = (key: string, value: string): string => `\`${key}\` ${PROBLEM}, got ${JSON.stringify(value)}`;

describe('the config refuses every string Terraform would evaluate', () => {
  test.each<[string, Record<string, unknown>, string, string]>([
    [
      'an e-mail address',
      { notifications: { emails: [`ops${EXPRESSION}@example.com`] } },
      'notifications.emails[0]',
      `ops${EXPRESSION}@example.com`,
    ],
    [
      'a reader ARN (its IAM path takes any printable character)',
      { readers: [`arn:aws:iam::123456789012:role/${EXPRESSION}/app`] },
      'readers[0]',
      `arn:aws:iam::123456789012:role/${EXPRESSION}/app`,
    ],
    [
      "a user's reader ARN",
      { users: [{ name: 'a', readers: [`arn:aws:iam::123456789012:user/${EXPRESSION}/x`] }] },
      'users[0].readers[0]',
      `arn:aws:iam::123456789012:user/${EXPRESSION}/x`,
    ],
    [
      'a readerArns entry',
      { readerArns: [`arn:aws:iam::123456789012:role/${EXPRESSION}/app`] },
      'readerArns[0]',
      `arn:aws:iam::123456789012:role/${EXPRESSION}/app`,
    ],
    [
      'a kmsKeyArn',
      { encryption: 'customer-managed', kmsKeyArn: `arn:aws:kms:us-east-1:123456789012:key/${EXPRESSION}` },
      'kmsKeyArn',
      `arn:aws:kms:us-east-1:123456789012:key/${EXPRESSION}`,
    ],
    [
      'a topic ARN',
      { notifications: { topicArn: `arn:aws:sns:us-east-1:123456789012:${EXPRESSION}` } },
      'notifications.topicArn',
      `arn:aws:sns:us-east-1:123456789012:${EXPRESSION}`,
    ],
    [
      'a backend key',
      { backend: { s3: { bucket: 'state', key: `keys/${EXPRESSION}.tfstate` } } },
      'backend.s3.key',
      `keys/${EXPRESSION}.tfstate`,
    ],
    ['a tag value', { tags: { owner: `x${EXPRESSION}` } }, 'tags.owner', `x${EXPRESSION}`],
    [
      'a directive',
      { notifications: { emails: ['ops%{ if true }x%{ endif }@example.com'] } },
      'notifications.emails[0]',
      'ops%{ if true }x%{ endif }@example.com',
    ],
    [
      'a cdktf token marker, which synth would resolve to another value',
      { readers: ['arn:aws:iam::123456789012:role/${TfToken[TOKEN.1]}/app'] },
      'readers[0]',
      'arn:aws:iam::123456789012:role/${TfToken[TOKEN.1]}/app',
    ],
  ])('%s', (_case, keys, key, value) => {
    // GIVEN a config with the expression in one string WHEN it is checked THEN that string is refused, by its key
    expect(problemsOf({ region: 'us-east-1', users: [{ name: 'a' }], ...keys })).toContain(refused(key, value));
  });

  test('an object key is a string too', () => {
    expect(problemsOf({ users: [{ name: 'a' }], tags: { [`k${EXPRESSION}`]: 'v' } })).toContain(
      `\`tags\` keys ${PROBLEM}, got ${JSON.stringify(`k${EXPRESSION}`)}`,
    );
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    [
      "a target's roleArn",
      { roleArn: `arn:aws:iam::111111111111:role/${EXPRESSION}/deployer` },
      'targets[0] (prod).roleArn',
      `arn:aws:iam::111111111111:role/${EXPRESSION}/deployer`,
    ],
    ["a target's externalId", { externalId: `x${EXPRESSION}` }, 'targets[0] (prod).externalId', `x${EXPRESSION}`],
    [
      "a target's override of a top-level key",
      { kmsKeyArn: `arn:aws:kms:eu-west-1:111111111111:key/${EXPRESSION}`, encryption: 'customer-managed' },
      'targets[0] (prod).kmsKeyArn',
      `arn:aws:kms:eu-west-1:111111111111:key/${EXPRESSION}`,
    ],
    [
      "a target's backend key",
      { backend: { s3: { bucket: 'state', key: `${EXPRESSION}.tfstate` } } },
      'targets[0] (prod).backend.s3.key',
      `${EXPRESSION}.tfstate`,
    ],
  ])('%s', (_case, extra, key, value) => {
    expect(problemsOf({ region: 'eu-west-1', targets: [target(extra)] })).toContain(refused(key, value));
  });

  test('a top-level key that targets inherit is reported once, by its own key', () => {
    const email = `ops${EXPRESSION}@example.com`;
    const problems = problemsOf({
      region: 'eu-west-1',
      notifications: { emails: [email] },
      targets: [
        target(),
        target({ name: 'dev', accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/deployer' }),
      ],
    });
    expect(problems.filter((problem) => problem.includes(PROBLEM))).toEqual([
      refused('notifications.emails[0]', email),
    ]);
  });

  test('a "$" or a "%" alone, or braces alone, is text Terraform leaves alone: accepted', () => {
    expect(() =>
      parseAppConfig({ users: [{ name: 'a' }], notifications: { emails: ['o$p{s}%@example.com'] } }),
    ).not.toThrow();
  });
});

describe('the construct refuses every string prop Terraform would evaluate', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an e-mail address',
      { notifications: { emails: [`ops${EXPRESSION}@example.com`] } },
      /`notifications\.emails\[0\]` must not contain "\$\{" or "%\{"/,
    ],
    [
      'a reader ARN',
      { readers: [`arn:aws:iam::123456789012:role/${EXPRESSION}/app`] },
      /`readers\[0\]` must not contain "\$\{" or "%\{"/,
    ],
    [
      'a kmsKeyArn',
      { encryption: 'customer-managed', kmsKeyArn: `arn:aws:kms:eu-west-1:123456789012:key/${EXPRESSION}` },
      /`kmsKeyArn` must not contain/,
    ],
    ['a tag value', { tags: { owner: `%{ if true }x%{ endif }` } }, /`tags\.owner` must not contain/],
    ['a tag key', { tags: { [`k${EXPRESSION}`]: 'v' } }, /`tags` keys must not contain/],
    [
      "the zip's path (its file name reaches the JSON)",
      { functionZipPath: `/tmp/${EXPRESSION}.zip` },
      /`functionZipPath` must not contain/,
    ],
    [
      'a token marker that names no token',
      { readers: ['arn:aws:iam::123456789012:role/${TfToken[TOKEN.999999]}/app'] },
      /`readers\[0\]` must not contain/,
    ],
  ])('%s', (_case, props, message) => {
    expect(() => synthRotation(props)).toThrow(message);
  });

  test("the caller's own references are not checked, the text around them is", () => {
    // GIVEN a tag value that is a reference, and one that puts an expression next to a reference
    const reference = Lazy.stringValue({ produce: () => 'team-a' });
    // THEN the reference passes; the expression beside one does not
    expect(() => synthRotation({ tags: { owner: reference } })).not.toThrow();
    expect(() => synthRotation({ tags: { owner: `${reference}${EXPRESSION}` } })).toThrow(
      /`tags\.owner` must not contain/,
    );
  });
});

describe("full synth: the only expressions in cdk.tf.json are the construct's references", () => {
  test('a config using every kind of string, with "$", "%" and braces where AWS allows them', () => {
    // GIVEN a config whose e-mail, reader path, key ARN and backend key hold "$", "%", "{" and "}" (but never "${" or "%{")
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expressions-'));
    const configPath = path.join(dir, 'rotation.config.json');
    const config = {
      region: 'us-east-1',
      users: [{ name: 'alice', readers: ['arn:aws:iam::123456789012:role/te$am{1}%/app'] }],
      encryption: 'customer-managed',
      kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k$e{y}%',
      readers: ['arn:aws:iam::210987654321:root'],
      notifications: { emails: ['o$p{s}%@example.com'] },
      tags: { owner: 'platform' },
      backend: { s3: { bucket: 'state', key: 'st$ate{1}%/keys.tfstate', region: 'us-east-1' } },
    };
    fs.writeFileSync(configPath, JSON.stringify(config));
    // WHEN the app synthesizes it
    const app = buildApp({ configPath, outdir: dir, functionZipPath: fixtureZip(), env: {} });
    const json = JSON.parse(Testing.synth(app.node.findChild(STACK_NAME) as TerraformStack)) as unknown;
    // THEN the config's strings are there as written, and every template in the JSON is a reference or function call the
    // construct wrote: no directive, and nothing that starts in a config value
    const strings = allStrings(json);
    for (const value of ['o$p{s}%@example.com', 'st$ate{1}%/keys.tfstate']) expect(strings).toContain(value);
    expect(strings.some((text) => text.includes('te$am{1}%/app'))).toBe(true);
    const openings = strings.flatMap((text) => [...text.matchAll(/[$%]\{[^}]{0,40}/g)].map((match) => match[0]));
    expect(openings.length).toBeGreaterThan(0);
    for (const opening of openings)
      expect(opening).toMatch(/^\$\{(aws_[a-z0-9_]+\.|data\.aws_[a-z0-9_]+\.|filebase64sha256\(|alltrue\()/);
  });

  test('the attack config stops the app before anything is synthesized', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'expressions-'));
    const configPath = path.join(dir, 'rotation.config.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        region: 'us-east-1',
        users: [{ name: 'alice' }],
        notifications: { emails: [`ops${EXPRESSION}@example.com`] },
      }),
    );
    expect(() => buildApp({ configPath, outdir: dir, functionZipPath: fixtureZip(), env: {} })).toThrow(
      /`notifications\.emails\[0\]` must not contain "\$\{" or "%\{"/,
    );
  });
});

/** Every string in a JSON value, object keys included. */
function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => [key, ...allStrings(item)]);
  return [];
}
