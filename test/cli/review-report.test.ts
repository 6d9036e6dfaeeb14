// The review report's sections on small hand-made plans: what each finds, what it never prints, how it is capped.
import { renderReport } from '../../cli/commands/review/markdown';
import { readPlan } from '../../cli/commands/review/plan';
import { reviewPlan } from '../../cli/commands/review/report';
import {
  create,
  destroy,
  OWN_CODE,
  planJson,
  type PlanOptions,
  policy,
  replace,
  resourceChange,
  rotationFunctionValues,
  update,
} from './fixtures/review-plans';

type Change = ReturnType<typeof create>;

function review(
  changes: Change[],
  options: PlanOptions = {},
  maxChars?: number,
): { text: string; blockers: number; warnings: number } {
  const result = reviewPlan(readPlan(planJson(changes, options)), 'test-stack', { functionCode: OWN_CODE });
  return { text: renderReport(result.document, maxChars), blockers: result.blockers.length, warnings: result.warnings };
}

/** The Markdown table section under the heading, up to the next section. */
function section(text: string, heading: string): string {
  const start = text.search(new RegExp(`(### |<b>)${heading}`));
  if (start === -1) return '';
  const rest = text.slice(start + 1);
  const end = rest.search(/\n(### |<details>)/);
  return end === -1 ? rest : rest.slice(0, end);
}

const SECRET = 'module.rotation.aws_secretsmanager_secret.secret';
const secretValues = (user: string, window: number) => ({
  name: `iam-key-rotation/${user}`,
  arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/${user}-AbCdEf`,
  id: `arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/${user}-AbCdEf`,
  recovery_window_in_days: window,
  description: 'DESCRIPTION-NEVER-PRINTED',
  tags: { 'iam-key-rotation:user': user, owner: 'OWNER-TAG-NEVER-PRINTED' },
});

describe('heading and verdict', () => {
  test('the marker comment comes first, then the counts with replacements apart, then the verdict', () => {
    // GIVEN
    const changes = [
      create('aws_iam_user.carol', { name: 'carol' }),
      update('aws_iam_user.alice', { name: 'alice', path: '/' }, { name: 'alice', path: '/team/' }),
      destroy('aws_iam_user.bob', { name: 'bob' }),
      replace('aws_iam_user.dave', { name: 'dave' }, { name: 'dave2' }, { replacePaths: [['name']] }),
    ];
    // WHEN
    const { text } = review(changes);
    // THEN
    expect(text.split('\n').slice(0, 6)).toEqual([
      '<!-- iam-key-rotation review: test-stack -->',
      '## Plan review: `test-stack`',
      '',
      '**1 to add, 1 to change, 1 to destroy, 1 to replace.**',
      '',
      '**No blockers.**',
    ]);
  });

  test('a plan without changes says so, and has no sections', () => {
    const { text } = review([
      resourceChange('aws_iam_user.alice', ['no-op'], { before: { name: 'alice' }, after: { name: 'alice' } }),
    ]);
    expect(text).toContain('No changes: the plan creates, changes and destroys nothing.');
    expect(text).toContain('**No blockers.**');
    expect(text).not.toContain('###');
  });

  test('empty sections are left out', () => {
    const { text } = review([create('aws_iam_user.carol', { name: 'carol' })]);
    expect(text).toContain('### Users and secrets added or removed (1)');
    expect(text).not.toMatch(/Schedule changes|Keys that rotate|Who may act|Destroyed|Blockers/);
  });

  test('the title cannot end the marker comment early', () => {
    const result = reviewPlan(readPlan(planJson([])), 'prod --> <b>x</b>', { functionCode: OWN_CODE });
    expect(renderReport(result.document).split('\n')[0]).toBe('<!-- iam-key-rotation review: prod - <bx</b -->');
  });
});

describe('blockers', () => {
  test('a secret deleted with a recovery window of 0 days, keyed on its type whatever the address', () => {
    // GIVEN a module address with for_each keys
    const changes = [
      destroy(`${SECRET}["bob"]`, secretValues('bob', 0), { actionReason: 'delete_because_each_key' }),
      destroy(`${SECRET}["dave"]`, secretValues('dave', 7)),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(blockers).toBe(1);
    expect(text).toContain('**1 blocker**');
    expect(section(text, 'Blockers')).toContain(
      '| `module.rotation.aws_secretsmanager_secret.secret["bob"]` | - | secret deleted at once (`recovery_window_in_days` 0)',
    );
    expect(section(text, 'Users and secrets')).toContain(
      '| removed | secret | `iam-key-rotation/bob` | `bob` | deleted at once |',
    );
    expect(section(text, 'Users and secrets')).toContain(
      '| removed | secret | `iam-key-rotation/dave` | `dave` | recoverable for 7 days |',
    );
    expect(section(text, 'Destroyed')).toContain(
      '| `module.rotation.aws_secretsmanager_secret.secret["bob"]` | deleted | its `for_each` key was removed |',
    );
  });

  test('a secret replaced with a recovery window of 0 days is a blocker too, with the attribute that forces it', () => {
    const { text, blockers } = review([
      replace(
        'aws_secretsmanager_secret.s',
        secretValues('alice', 0),
        { ...secretValues('alice-2', 0) },
        { replacePaths: [['name']], actionReason: 'replace_because_cannot_update' },
      ),
    ]);
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain('secret replaced at once');
    expect(section(text, 'Users and secrets')).toContain(
      '| replaced | secret | `iam-key-rotation/alice`<br>→ `iam-key-rotation/alice-2` | `alice-2` | deleted at once |',
    );
    expect(section(text, 'Destroyed')).toContain(
      '| `aws_secretsmanager_secret.s` | replaced | `name` forces replacement |',
    );
  });

  test('a wildcard in the planned value of a policy names the address, the Sid and what matched; one in the old value does not block', () => {
    // GIVEN
    const wide = policy({ Sid: 'Everything', Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::1:user/alice' });
    const narrow = policy({
      Sid: 'Everything',
      Effect: 'Allow',
      Action: 'iam:ListAccessKeys',
      Resource: 'arn:aws:iam::1:user/alice',
    });
    const changes = [
      update(
        'module.rotation.aws_iam_role_policy.keys["a"]',
        { role: 'r', policy: narrow },
        { role: 'r', policy: wide },
      ),
      update('aws_iam_user_policy.u', { user: 'u', policy: wide }, { user: 'u', policy: narrow }),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain(
      '| `module.rotation.aws_iam_role_policy.keys["a"]` | `Everything` | Action `iam:*` (every iam action) |',
    );
  });

  test('every policy-bearing type is checked; resource policies without the identity Resource rule', () => {
    const anyone = policy({
      Sid: 'Public',
      Effect: 'Allow',
      Principal: '*',
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    });
    const keyPolicy = policy({
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::1:root' },
      Action: 'kms:*',
      Resource: '*',
    });
    const changes = [
      create('aws_secretsmanager_secret_policy.p', {
        secret_arn: 'arn:aws:secretsmanager:r:1:secret:s-AbCdEf',
        policy: anyone,
      }),
      create('aws_kms_key.k', { policy: keyPolicy }),
      create('aws_sns_topic_policy.t', {
        arn: 'arn:aws:sns:r:1:t',
        policy: policy({
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sns:Publish',
          Resource: 'arn:aws:sns:r:1:t',
        }),
      }),
      create('aws_iam_role.r', {
        name: 'r',
        assume_role_policy: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      }),
      create('aws_iam_group_policy.g', {
        group: 'g',
        policy: policy({
          Sid: 'Keys',
          Effect: 'Allow',
          Action: 'iam:CreateAccessKey',
          Resource: 'arn:aws:iam::1:user/*',
        }),
      }),
      create('aws_iam_policy.p', {
        name: 'p',
        policy: policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::b' }),
      }),
      create('aws_lambda_permission.open', {
        statement_id: 'Open',
        action: 'lambda:InvokeFunction',
        principal: '*',
        function_name: 'f',
      }),
    ];
    const { text, blockers } = review(changes);
    const table = section(text, 'Blockers');
    expect(blockers).toBe(7);
    expect(table).toContain('| `aws_secretsmanager_secret_policy.p` | `Public` | Principal `*` (anyone) |');
    expect(table).toContain('| `aws_kms_key.k` | `Root` | Action `kms:*` (every kms action) |');
    expect(table).toContain('| `aws_sns_topic_policy.t` | - | Principal `*` (anyone) |');
    expect(table).toContain('| `aws_iam_role.r` | - | Principal `*` (anyone) in `assume_role_policy` |');
    expect(table).toContain(
      '| `aws_iam_group_policy.g` | `Keys` | Resource `arn:aws:iam::1:user/*` (every iam user) |',
    );
    expect(table).toContain('| `aws_iam_policy.p` | - | NotAction in an Allow');
    expect(table).toContain('| `aws_lambda_permission.open` | - | Principal `*` (anyone may invoke the function) |');
  });

  test('a role inline_policy block is an identity policy', () => {
    const changes = [
      update(
        'aws_iam_role.r',
        { name: 'r', assume_role_policy: '', inline_policy: [] },
        {
          name: 'r',
          assume_role_policy: '',
          inline_policy: [
            {
              name: 'wide',
              policy: policy({ Sid: 'All', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }),
            },
          ],
        },
      ),
    ];
    const { text, blockers } = review(changes);
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain(
      '| `aws_iam_role.r` | `All` | Resource `*` (every resource) in `inline_policy "wide"` |',
    );
    expect(section(text, 'Who may act')).toContain(
      '| added | `aws_iam_role.r` | `All`<br>in inline\\_policy "wide" | role `r` | Allow | `secretsmanager:GetSecretValue` | `*` |   |',
    );
  });
});

describe("takeovers: a secret bound to another user, a rotation function that is not the construct's", () => {
  const FUNCTION = 'module.rotation.aws_lambda_function.rotation';
  const fn = rotationFunctionValues;
  const withVariables = (variables: Record<string, string>) =>
    fn({ environment: [{ variables: { MANAGED_SECRETS: '["iam-key-rotation/*"]', ...variables } }] });
  const findings = (text: string): string[] =>
    section(text, 'Blockers')
      .split('\n')
      .filter((line) => line.startsWith('| `'));

  test("the user tag changed in place (alice -> bob) blocks: the next rotation would mint bob's key into alice's secret", () => {
    // GIVEN
    const changes = [
      update(SECRET, secretValues('alice', 30), {
        ...secretValues('alice', 30),
        tags: { 'iam-key-rotation:user': 'bob' },
      }),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain(
      "| `module.rotation.aws_secretsmanager_secret.secret` | - | the secret's user changes (`iam-key-rotation:user` `alice` → `bob`): its next rotation makes a key for that user",
    );
  });

  test.each([
    [
      'added to an existing secret',
      { name: 'x', tags: {} },
      { name: 'x', tags: { 'iam-key-rotation:user': 'bob' } },
      'none → `bob`',
    ],
    [
      'removed from a managed secret',
      { name: 'x', tags: { 'iam-key-rotation:user': 'alice' } },
      { name: 'x', tags: {} },
      '`alice` → none',
    ],
    [
      'changed through the default tags (tags_all)',
      { name: 'x', tags: {}, tags_all: { 'iam-key-rotation:user': 'alice' } },
      { name: 'x', tags: {}, tags_all: { 'iam-key-rotation:user': 'bob' } },
      '`alice` → `bob`',
    ],
  ])('the user tag %s blocks', (_case, before, after, shown) => {
    const { text, blockers } = review([update('aws_secretsmanager_secret.s', before, after)]);
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain(`(\`iam-key-rotation:user\` ${shown})`);
  });

  test('other tag changes of a secret do not block', () => {
    const { blockers } = review([
      update(SECRET, secretValues('alice', 30), {
        ...secretValues('alice', 30),
        tags: { 'iam-key-rotation:user': 'alice', owner: 'new' },
      }),
    ]);
    expect(blockers).toBe(0);
  });

  test("the construct's own function (its zip, runtime, handler, role and variables) does not block, created or updated", () => {
    const { blockers } = review([
      create(FUNCTION, fn()),
      update(
        'aws_lambda_function.other',
        { ...fn(), function_name: 'x' },
        { ...fn({ timeout: 60 }), function_name: 'x' },
      ),
    ]);
    expect(blockers).toBe(0);
  });

  test('NODE_OPTIONS and AWS_ENDPOINT_URL_* on the function block, one row each', () => {
    // GIVEN
    const changes = [
      update(
        FUNCTION,
        fn(),
        withVariables({
          NODE_OPTIONS: '--require /tmp/x.js',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://keys.example',
          HTTPS_PROXY: 'http://p',
          AWS_MAX_ATTEMPTS: '2',
        }),
      ),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(blockers).toBe(3);
    expect(findings(text).map((line) => /environment variable `([^`]+)`/.exec(line)?.[1])).toEqual([
      'NODE_OPTIONS',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'HTTPS_PROXY',
    ]);
    expect(section(text, 'Blockers')).toContain(
      "| `module.rotation.aws_lambda_function.rotation` | - | environment variable `NODE_OPTIONS`, outside the construct's set",
    );
  });

  test("an environment known only after apply is checked by the configuration's names, and blocks when they are not literal", () => {
    // GIVEN two functions whose variables reference the topic; the configuration names them
    const unknown = { afterUnknown: { environment: [{ variables: true }] } };
    const changes = [
      create('aws_lambda_function.a', { ...fn(), environment: [{}] }, unknown),
      create('aws_lambda_function.b', { ...fn(), environment: [{}] }, unknown),
      create('aws_lambda_function.c', { ...fn(), environment: [{}] }, unknown),
    ];
    const plan = JSON.parse(planJson(changes)) as { configuration: { root_module: { resources: unknown[] } } };
    const expression = (variables: unknown) => ({
      environment: [{ variables: { constant_value: variables, references: ['aws_sns_topic.t.arn'] } }],
    });
    plan.configuration.root_module.resources = [
      {
        address: 'aws_lambda_function.a',
        mode: 'managed',
        type: 'aws_lambda_function',
        name: 'a',
        expressions: expression({ MANAGED_SECRETS: '[]', NOTIFICATION_TOPIC_ARN: '${aws_sns_topic.t.arn}' }),
      },
      {
        address: 'aws_lambda_function.b',
        mode: 'managed',
        type: 'aws_lambda_function',
        name: 'b',
        expressions: expression({ MANAGED_SECRETS: '[]', NODE_OPTIONS: '${aws_sns_topic.t.arn}' }),
      },
      {
        address: 'aws_lambda_function.c',
        mode: 'managed',
        type: 'aws_lambda_function',
        name: 'c',
        expressions: expression({ MANAGED_SECRETS: '[]', '${aws_sns_topic.t.name}': 'x' }),
      },
    ];
    // WHEN
    const result = reviewPlan(readPlan(JSON.stringify(plan)), 'test-stack', { functionCode: OWN_CODE });
    // THEN
    expect(result.blockers.map((blocker) => [blocker.address, blocker.finding])).toEqual([
      [
        'aws_lambda_function.b',
        expect.stringMatching(/^environment variable `NODE_OPTIONS`, outside the construct's set/),
      ],
      [
        'aws_lambda_function.c',
        expect.stringMatching(
          /^the environment is known only after apply and its variable names are not in the configuration/,
        ),
      ],
    ]);
  });

  test("code other than the package's zip blocks; --function-code accepts a zip of the user's", () => {
    // GIVEN
    const theirs = 'VGhlaXJPd25CdWlsZE9mVGhlRnVuY3Rpb24wMDAwMDA=';
    const changes = [update(FUNCTION, fn(), fn({ source_code_hash: theirs, filename: 'build/lambda.zip' }))];
    // WHEN
    const blocked = review(changes);
    const accepted = reviewPlan(readPlan(planJson(changes)), 'test-stack', {
      functionCode: { own: OWN_CODE.own, extra: [theirs] },
    });
    // THEN
    expect(blocked.blockers).toBe(1);
    expect(section(blocked.text, 'Blockers')).toContain(
      `code that is not the construct's: \`source_code_hash\` \`${theirs}\` is not iam-key-rotation `,
    );
    expect(accepted.blockers).toEqual([]);
  });

  test('an update that leaves the code alone does not judge it (a function deployed by an older version)', () => {
    const old = {
      source_code_hash: 'T2xkZXJWZXJzaW9uT2ZUaGVQYWNrYWdlMDAwMDAwMDA=',
      filename: 'assets/x/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/lambda.zip',
    };
    expect(review([update(FUNCTION, fn(old), fn({ ...old, timeout: 60 }))]).blockers).toBe(0);
  });

  test.each([
    [
      'the own hash over another zip (filename)',
      fn({ filename: 'assets/x/FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF/lambda.zip' }),
      /`filename` `[^`]+` is another zip than its `source_code_hash` names/,
    ],
    [
      'code from S3',
      fn({ s3_bucket: 'attacker-bucket', s3_key: 'x.zip' }),
      /code from `s3_bucket`, `s3_key`, not from this package's zip/,
    ],
    [
      'an image',
      fn({ package_type: 'Image', image_uri: '1.dkr.ecr.r.amazonaws.com/x:latest' }),
      /code from `image_uri`, `package_type` `Image`, not from this package's zip/,
    ],
    ['another runtime', fn({ runtime: 'python3.12' }), /`runtime` `python3.12`, not the construct's `nodejs22.x`/],
    [
      'another handler',
      fn({ handler: 'evil.handler' }),
      /`handler` `evil.handler`, not the construct's `index.handler`/,
    ],
    [
      'a layer',
      fn({ layers: ['arn:aws:lambda:us-east-1:1:layer:x:1'] }),
      /`layers` `arn:aws:lambda:us-east-1:1:layer:x:1`: code that runs with the function's/,
    ],
  ])('%s blocks', (_case, after, expected) => {
    const { text, blockers } = review([create(FUNCTION, after)]);
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toMatch(expected);
  });

  test("another role on an existing function blocks: its code would act with that role's power", () => {
    const { text, blockers } = review([update(FUNCTION, fn(), fn({ role: 'arn:aws:iam::123456789012:role/admin' }))]);
    expect(blockers).toBe(1);
    expect(section(text, 'Blockers')).toContain(
      "the function's `role` changes (`arn:aws:iam::123456789012:role/iam-key-rotation` → `arn:aws:iam::123456789012:role/admin`)",
    );
  });

  test('the filename changing while source_code_hash stays blocks (the hash would not describe the code)', () => {
    const { text } = review([update(FUNCTION, fn(), fn({ filename: 'evil/lambda.zip' }))]);
    expect(section(text, 'Blockers')).toContain('`filename` changes but `source_code_hash` does not');
  });

  test('a rotation function is known by the rotations that invoke it; other functions are not judged', () => {
    // GIVEN a function without MANAGED_SECRETS that a rotation names by ARN, and an unrelated one with NODE_OPTIONS
    const target = { ...fn({ environment: [{ variables: { NODE_OPTIONS: '--x' } }] }) };
    const unrelated = { ...target, function_name: 'app', arn: 'arn:aws:lambda:us-east-1:123456789012:function:app' };
    const changes = [
      update('aws_lambda_function.rot', fn({ environment: [] }), target),
      update('aws_lambda_function.app', unrelated, unrelated),
    ];
    const prior = {
      'aws_secretsmanager_secret_rotation.r': {
        secret_id: 's',
        rotation_lambda_arn: 'arn:aws:lambda:us-east-1:123456789012:function:iam-key-rotation',
      },
    };
    // WHEN
    const result = reviewPlan(readPlan(planJson(changes, { prior })), 'test-stack', { functionCode: OWN_CODE });
    // THEN
    expect(result.blockers.map((blocker) => blocker.address)).toEqual(['aws_lambda_function.rot']);
  });
});

describe('schedules and keys rotating at apply', () => {
  const ROTATION = 'module.rotation.aws_secretsmanager_secret_rotation.rotation';
  const rules = (days: number | null, expression: string | null, duration: string | null) => [
    { automatically_after_days: days, schedule_expression: expression, duration },
  ];

  test('a created rotation rotates at once; its secret named through the configuration when secret_id is unknown', () => {
    // GIVEN carol's rotation references aws_secretsmanager_secret.secret[each.key]: for_each keys match
    const changes = [
      create(`${SECRET}["alice"]`, secretValues('alice', 30)),
      create(`${SECRET}["carol"]`, secretValues('carol', 30)),
      create(
        `${ROTATION}["carol"]`,
        { rotate_immediately: true, rotation_rules: rules(90, null, '3h') },
        { afterUnknown: { secret_id: true, rotation_lambda_arn: true } },
      ),
    ];
    const references = {
      'module.rotation.aws_secretsmanager_secret_rotation.rotation': {
        secret_id: ['aws_secretsmanager_secret.secret', 'each.key'],
      },
    };
    // WHEN
    const { text } = review(changes, { references });
    // THEN
    expect(section(text, 'Keys that rotate')).toContain(
      `| \`iam-key-rotation/carol\` | \`${ROTATION}["carol"]\` | first rotation: \`rotate_immediately\` |`,
    );
  });

  test('an in-place update of the rules with rotate_immediately rotates, and shows the schedule before and after', () => {
    const before = {
      secret_id: secretValues('alice', 30).arn,
      rotate_immediately: true,
      rotation_lambda_arn: 'arn:aws:lambda:r:1:function:f',
      rotation_rules: rules(90, '', '3h'),
    };
    const after = { ...before, rotation_rules: rules(null, 'cron(0 4 ? * MON *)', '') };
    const { text } = review([update('aws_secretsmanager_secret_rotation.alice', before, after)], {
      prior: { 'aws_secretsmanager_secret.alice': secretValues('alice', 30) },
    });
    expect(section(text, 'Schedule changes')).toContain(
      '| `iam-key-rotation/alice` | `every 90 days, window 3h` | `cron(0 4 ? * MON *)` |',
    );
    expect(section(text, 'Keys that rotate')).toContain(
      '`rotation_rules` change (`every 90 days, window 3h` → `cron(0 4 ? * MON *)`), with `rotate_immediately`: the provider calls RotateSecret again',
    );
  });

  test('a rotation_lambda_arn known only after apply (the function is replaced) rotates too', () => {
    const before = {
      secret_id: 'arn:aws:secretsmanager:r:1:secret:other/name-AbCdEf',
      rotate_immediately: true,
      rotation_lambda_arn: 'arn:aws:lambda:r:1:function:old',
      rotation_rules: rules(30, '', ''),
    };
    const { text } = review([
      update(
        'aws_secretsmanager_secret_rotation.x',
        before,
        { ...before, rotation_lambda_arn: null },
        { afterUnknown: { rotation_lambda_arn: true } },
      ),
    ]);
    expect(section(text, 'Keys that rotate')).toContain('| `other/name` |');
    expect(section(text, 'Keys that rotate')).toContain(
      '`rotation_lambda_arn` known only after apply (the function is replaced)',
    );
    expect(text).not.toContain('Schedule changes');
  });

  test('with rotate_immediately false nothing rotates at apply, but the schedule change is still listed', () => {
    const before = {
      secret_id: 'n',
      rotate_immediately: false,
      rotation_lambda_arn: 'arn:f',
      rotation_rules: rules(30, '', ''),
    };
    const { text } = review([
      update('aws_secretsmanager_secret_rotation.x', before, { ...before, rotation_rules: rules(60, '', '') }),
    ]);
    expect(section(text, 'Schedule changes')).toContain('| `n` | `every 30 days` | `every 60 days` |');
    expect(text).not.toContain('Keys that rotate');
  });

  test('an update that changes neither the rules nor the function rotates nothing', () => {
    const before = {
      secret_id: 'n',
      rotate_immediately: false,
      rotation_lambda_arn: 'arn:f',
      rotation_rules: rules(30, '', ''),
    };
    const { text } = review([
      update('aws_secretsmanager_secret_rotation.x', before, { ...before, rotate_immediately: true }),
    ]);
    expect(text).not.toMatch(/Keys that rotate|Schedule changes/);
  });
});

describe('who may act on keys or read secrets', () => {
  const ACCESS = 'Who may act';

  test('an unknown policy is a warning row, not a blocker, and the verdict says so', () => {
    const { text, blockers, warnings } = review([
      create('aws_iam_role_policy.p', { name: 'p', role: 'rotation' }, { afterUnknown: { policy: true } }),
    ]);
    expect(blockers).toBe(0);
    expect(warnings).toBe(1);
    expect(text).toContain(
      '**No blockers.** 1 policy is known only after apply or not shown, and could not be reviewed.',
    );
    expect(section(text, ACCESS)).toContain(
      '| warning | `aws_iam_role_policy.p` | policy | role `rotation` |   | known only after apply: cannot be reviewed |   |   |',
    );
  });

  test("a role's computed inline_policy that the configuration does not set is no warning", () => {
    const changes = [
      create(
        'aws_iam_role.r',
        { name: 'r', assume_role_policy: '' },
        { afterUnknown: { inline_policy: true, arn: true } },
      ),
    ];
    expect(review(changes, { references: { 'aws_iam_role.r': { name: [] } } }).warnings).toBe(0);
    expect(review(changes, { references: { 'aws_iam_role.r': { inline_policy: [] } } }).warnings).toBe(1);
  });

  test("an aws_iam_policy's roles come from the attachments in the state, matched by the policy's name", () => {
    const before = policy({
      Sid: 'Keys',
      Effect: 'Allow',
      Action: 'iam:ListAccessKeys',
      Resource: ['arn:aws:iam::1:user/alice'],
    });
    const after = policy({
      Sid: 'Keys',
      Effect: 'Allow',
      Action: 'iam:ListAccessKeys',
      Resource: ['arn:aws:iam::1:user/alice', 'arn:aws:iam::1:user/carol'],
    });
    const { text } = review(
      [
        update(
          'module.rotation.aws_iam_policy.users',
          { name: 'users-1', policy: before },
          { name: 'users-1', policy: after },
        ),
      ],
      {
        prior: {
          'module.rotation.aws_iam_role_policy_attachment.users': {
            role: 'iam-key-rotation',
            policy_arn: 'arn:aws:iam::1:policy/path/users-1',
          },
        },
      },
    );
    expect(section(text, ACCESS)).toContain(
      '| changed | `module.rotation.aws_iam_policy.users` | `Keys` | role `iam-key-rotation` | Allow |   | + `arn:aws:iam::1:user/carol` |   |',
    );
  });

  test('an attachment whose policy_arn is unknown finds its policy and role through the configuration', () => {
    const changes = [
      create('aws_iam_role.rotation', { name: 'rotation-role', assume_role_policy: '' }),
      create('aws_iam_policy.users', {
        name: 'users-1',
        policy: policy({
          Sid: 'Keys',
          Effect: 'Allow',
          Action: 'iam:ListAccessKeys',
          Resource: 'arn:aws:iam::1:user/a',
        }),
      }),
      create('aws_iam_role_policy_attachment.users', {}, { afterUnknown: { role: true, policy_arn: true } }),
    ];
    const references = {
      'aws_iam_role_policy_attachment.users': {
        role: ['aws_iam_role.rotation.name', 'aws_iam_role.rotation'],
        policy_arn: ['aws_iam_policy.users.arn', 'aws_iam_policy.users'],
      },
    };
    const { text } = review(changes, { references });
    expect(section(text, ACCESS)).toContain(
      '| added | `aws_iam_policy.users` | `Keys` | role `rotation-role` (attached by this plan) |',
    );
    expect(section(text, ACCESS)).toContain(
      '| added | `aws_iam_role_policy_attachment.users` | (attachment) | role `rotation-role` |   | every statement of the policy | (known after apply) |   |',
    );
  });

  test('an unattached aws_iam_policy says so', () => {
    const { text } = review([
      create('aws_iam_policy.lonely', {
        name: 'lonely',
        policy: policy({ Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t' }),
      }),
    ]);
    expect(section(text, ACCESS)).toContain('| not attached in this plan or its state |');
  });

  test('an inline policy moved to another role is removed from the one and added to the other', () => {
    const document = policy({
      Sid: 'Keys',
      Effect: 'Allow',
      Action: 'iam:ListAccessKeys',
      Resource: 'arn:aws:iam::1:user/a',
    });
    const { text } = review([
      replace(
        'aws_iam_role_policy.p',
        { role: 'old-role', policy: document },
        { role: 'new-role', policy: document },
        { replacePaths: [['role']] },
      ),
    ]);
    expect(section(text, ACCESS)).toContain('| removed | `aws_iam_role_policy.p` | `Keys` | role `old-role` |');
    expect(section(text, ACCESS)).toContain('| added | `aws_iam_role_policy.p` | `Keys` | role `new-role` |');
  });

  test("a secret policy's principals are the who, its secret and `*` (this secret) the on", () => {
    const before = policy({
      Sid: 'Readers',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::1:role/app'] },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    });
    const after = policy({
      Sid: 'Readers',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::1:role/app', 'arn:aws:iam::2:role/audit'] },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    });
    const secretArn = secretValues('alice', 30).arn;
    const { text } = review([
      update(
        'aws_secretsmanager_secret_policy.p',
        { secret_arn: secretArn, policy: before },
        { secret_arn: secretArn, policy: after },
      ),
    ]);
    expect(section(text, ACCESS)).toContain(
      '| changed | `aws_secretsmanager_secret_policy.p` | `Readers` | + `arn:aws:iam::2:role/audit` | Allow |   | secret `iam-key-rotation/alice` |   |',
    );
  });

  test('a Lambda permission shows its principal, action, function and narrowing attributes; an update only what changed', () => {
    const before = {
      statement_id: 'AllowSecretsManager',
      action: 'lambda:InvokeFunction',
      principal: 'secretsmanager.amazonaws.com',
      function_name: 'f',
      source_account: '1',
      source_arn: 'arn:aws:secretsmanager:r:1:secret:p/*',
    };
    const { text } = review([
      update('aws_lambda_permission.sm', before, { ...before, source_arn: 'arn:aws:secretsmanager:r:1:secret:*' }),
      create(
        'aws_lambda_permission.events',
        {
          statement_id: 'Sweep',
          action: 'lambda:InvokeFunction',
          principal: 'events.amazonaws.com',
          function_name: 'f',
          source_account: '1',
        },
        { afterUnknown: { source_arn: true } },
      ),
    ]);
    const rows = section(text, ACCESS);
    expect(rows).toContain(
      '| changed | `aws_lambda_permission.sm` | `AllowSecretsManager` | `secretsmanager.amazonaws.com` | Allow | `lambda:InvokeFunction` | `f` | + source\\_arn `arn:aws:secretsmanager:r:1:secret:*`<br>- source\\_arn `arn:aws:secretsmanager:r:1:secret:p/*`<br>source\\_account `1` |',
    );
    expect(rows).toContain(
      '| added | `aws_lambda_permission.events` | `Sweep` | `events.amazonaws.com` | Allow | `lambda:InvokeFunction` | `f` | source\\_arn (known after apply)<br>source\\_account `1` |',
    );
  });

  test('a pipe in a value cannot break the table', () => {
    const { text } = review([
      create('aws_iam_user_policy.u', {
        user: 'a|b',
        policy: policy({ Sid: 'S', Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t|x' }),
      }),
    ]);
    expect(section(text, ACCESS)).toContain('| user `a\\|b` | Allow | `sns:Publish` | `arn:aws:sns:r:1:t\\|x` |');
  });
});

describe('plan text cannot inject Markdown or HTML into the comment', () => {
  /** Issue 22's attack string: raw HTML, a mention and a pipe that would add a table cell. */
  const ATTACK = 'iam <sub>..</sub> @octocat x|y';
  /** The line without its code spans (where HTML, mentions and emphasis are literal). */
  const outsideCode = (line: string): string => line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
  /** A table row's cells as GFM splits them: on every `|` not escaped by a backslash, code spans included. */
  const cells = (row: string): string[] =>
    row
      .trim()
      .slice(1, -1)
      .split(/(?<!\\)\|/);
  const expectInert = (text: string): void => {
    // The marker line is an HTML comment: GitHub renders nothing of it.
    for (const line of text.split('\n').filter((candidate) => !/^<!--[^>]*-->$/.test(candidate))) {
      const prose = outsideCode(line);
      expect(prose).not.toMatch(/<\/?sub>/);
      expect(prose).not.toMatch(/@octocat/);
    }
  };

  test('an action in a blocker row: no HTML, no mention, no extra cell', () => {
    // GIVEN an Allow of `<attack>:*`, which matches the whole-service rule
    const changes = [
      create('aws_iam_role_policy.p', {
        role: 'r',
        policy: policy({ Sid: 'S', Effect: 'Allow', Action: `${ATTACK}:*`, Resource: 'arn:aws:sns:r:1:t' }),
      }),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(blockers).toBe(1);
    const row =
      section(text, 'Blockers')
        .split('\n')
        .find((line) => line.startsWith('| `aws_iam_role_policy.p`')) ?? '';
    expect(cells(row)).toHaveLength(3);
    expect(row).toContain('(every iam &lt;sub&gt;..&lt;/sub&gt; @\u200doctocat x\\|y action)');
    expectInert(text);
  });

  test('a resource type in a blocker row (every <type> of a service) is escaped too', () => {
    const changes = [
      create('aws_iam_role_policy.p', {
        role: 'r',
        policy: policy({ Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:${ATTACK}:r:1:*` }),
      }),
    ];
    const { text } = review(changes);
    const row =
      section(text, 'Blockers')
        .split('\n')
        .find((line) => line.startsWith('| `aws_iam_role_policy.p`')) ?? '';
    expect(cells(row)).toHaveLength(3);
    expectInert(text);
  });

  test('plain-text table cells (an Effect, an inline policy name) and code cells (a Sid) keep their column count', () => {
    // GIVEN the attack as a statement's Effect and Sid, and as an inline policy's name
    const statement = { Sid: `${ATTACK} \`x\``, Effect: ATTACK, Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t' };
    const changes = [
      create('aws_iam_role_policy.p', { role: 'r', policy: policy(statement) }),
      update(
        'aws_iam_role.r',
        { name: 'r', assume_role_policy: '', inline_policy: [] },
        {
          name: 'r',
          assume_role_policy: '',
          inline_policy: [
            { name: ATTACK, policy: policy({ Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t' }) },
          ],
        },
      ),
    ];
    // WHEN
    const { text } = review(changes);
    // THEN every row of the access table has its 8 cells, and nothing outside code is live
    const rows = section(text, 'Who may act')
      .split('\n')
      .filter((line) => line.startsWith('| added'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(8);
    expectInert(text);
  });

  test('the title in the heading and the marker line', () => {
    // WHEN
    const result = reviewPlan(readPlan(planJson([create('aws_iam_user.u', { name: 'u' })])), `${ATTACK} \`t\` -->`, {
      functionCode: OWN_CODE,
    });
    const text = renderReport(result.document);
    // THEN the marker stays one comment, and the heading holds the title as code only
    const [marker, heading] = text.split('\n');
    expect(marker).toMatch(/^<!-- iam-key-rotation review: [^>]*-->$/);
    expect(heading).toBe('## Plan review: `` iam <sub>..</sub> @octocat x|y `t` --> ``');
    expectInert(text);
  });

  test('links and mentions in escaped text do not render as such', () => {
    // WHEN
    const effect = 'https://evil.example/@team www.evil.example *x* ~y~ [z](w) a&amp;b';
    const { text } = review([
      create('aws_iam_role_policy.p', {
        role: 'r',
        policy: policy({ Sid: 'S', Effect: effect, Action: 'sns:Publish', Resource: 'arn:aws:sns:r:1:t' }),
      }),
    ]);
    // THEN (the Effect cell)
    const row =
      section(text, 'Who may act')
        .split('\n')
        .find((line) => line.startsWith('| added')) ?? '';
    expect(cells(row)[4]).toBe(
      ' https:\u200d//evil.example/@\u200dteam www\u200d.evil.example \\*x\\* \\~y\\~ \\[z\\](w) a&amp;amp;b ',
    );
  });
});

describe('what is never printed', () => {
  test('sensitive names, tags and policies print as (sensitive); a sensitive policy is still checked for blockers', () => {
    // GIVEN
    const changes = [
      create('aws_iam_user.u', { name: 'SENSITIVE-USER-NAME' }, { afterSensitive: { name: true } }),
      destroy(
        'aws_secretsmanager_secret.s',
        { ...secretValues('SENSITIVE-TAG-USER', 0), name: 'SENSITIVE-SECRET-NAME' },
        { beforeSensitive: { name: true, tags: { 'iam-key-rotation:user': true } } },
      ),
      create(
        'aws_iam_role_policy.p',
        {
          role: 'r',
          policy: policy({
            Sid: 'SENSITIVE-SID',
            Effect: 'Allow',
            Action: '*',
            Resource: 'arn:aws:iam::1:user/SENSITIVE-RESOURCE',
          }),
        },
        { afterSensitive: { policy: true } },
      ),
    ];
    // WHEN
    const { text, blockers } = review(changes);
    // THEN
    expect(text).not.toContain('SENSITIVE-');
    expect(blockers).toBe(2);
    expect(section(text, 'Blockers')).toContain(
      '| `aws_iam_role_policy.p` | - | a wildcard grant in the sensitive `policy` (read it in the plan) |',
    );
    expect(section(text, 'Users and secrets')).toContain('| added | IAM user | (sensitive) |');
    expect(section(text, 'Users and secrets')).toContain(
      '| removed | secret | (sensitive) | (sensitive) | deleted at once |',
    );
    expect(section(text, 'Who may act')).toContain(
      '| warning | `aws_iam_role_policy.p` | policy | role `r` |   | sensitive in the plan: not shown, read it in the plan |',
    );
  });

  test('attributes other than names, policies, schedules and recovery windows never appear', () => {
    const changes = [
      destroy('aws_secretsmanager_secret.s', secretValues('alice', 30)),
      create('aws_lambda_function.f', {
        function_name: 'f',
        environment: [{ variables: { TOKEN: 'ENVIRONMENT-NEVER-PRINTED' } }],
      }),
    ];
    const { text } = review(changes);
    expect(text).not.toMatch(/NEVER-PRINTED/);
    expect(text).toContain('`iam-key-rotation/alice`');
  });
});

describe('the length cap', () => {
  // Forty statements added, each a row of about 200 characters.
  const manyStatements = Array.from({ length: 40 }, (_, index) => ({
    Sid: `Statement${index}`,
    Effect: 'Allow',
    Action: 'sns:Publish',
    Resource: `arn:aws:sns:us-east-1:123456789012:topic-${index}`,
  }));
  const changes = [
    destroy('aws_secretsmanager_secret.gone', secretValues('gone', 0)),
    create('aws_iam_role_policy.p', { role: 'r', policy: policy(...manyStatements) }),
  ];

  test('later rows are cut with a line saying how many were left out; the report stays within the cap', () => {
    // WHEN
    const { text } = review(changes, {}, 3000);
    // THEN
    expect(text.length).toBeLessThanOrEqual(3000);
    const shownRows = (text.match(/\| added \| `aws_iam_role_policy\.p`/g) ?? []).length;
    const left = Number(
      /_(\d+) more rows left out: the report is capped at 3000 characters \(`--max-chars`\)\. Read the full plan/.exec(
        text,
      )?.[1],
    );
    expect(shownRows).toBeGreaterThan(0);
    // 1 user-and-secret row, 40 statements, 1 destroyed row
    expect(shownRows + 1 + left).toBe(42);
    expect(text).toContain('<b>Who may act on keys or read secrets</b> (40)');
    expect(text.trimEnd().endsWith('before applying._')).toBe(true);
  });

  test('the heading and the blockers always stay, even past the cap', () => {
    const { text } = review(changes, {}, 100);
    expect(text).toContain('<!-- iam-key-rotation review: test-stack -->');
    expect(section(text, 'Blockers')).toContain('`aws_secretsmanager_secret.gone`');
    expect(text).toContain('42 more rows left out');
  });

  test('under the default cap nothing is cut', () => {
    const { text } = review(changes);
    expect(text).not.toContain('left out');
    expect(text.match(/\| added \| `aws_iam_role_policy\.p`/g)).toHaveLength(40);
  });
});
