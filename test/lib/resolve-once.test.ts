// IamKeyRotationStack resolves each element once per synthesis (lib/synthesis/resolve-once.ts). What it writes must be what cdktf's
// own synthesis writes, also when something changed since the last synthesis or an aspect changes resources.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { App, Aspects, IAspect, Lazy, TerraformStack, Testing } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamKeyRotationStack, IamKeyRotationStackProps, applyRotationChecks } from '../../lib';
import { fixtureZip } from './fixtures';

const STACK = 'keys';

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An app writing to a fresh folder, with a stack of the construct and one more log group. */
function keysApp(rotation: Partial<IamKeyRotationStackProps['rotation']> = {}): {
  app: App;
  stack: IamKeyRotationStack;
  logGroup: CloudwatchLogGroup;
} {
  const app = new App({ outdir: tempDir('resolve-once-') });
  const stack = new IamKeyRotationStack(app, STACK, {
    region: 'eu-west-1',
    rotation: {
      users: [{ name: 'alice', createUser: true }, { name: 'bob' }],
      functionZipPath: fixtureZip(),
      ...rotation,
    },
  });
  const logGroup = new CloudwatchLogGroup(stack, 'extra', { name: '/extra', retentionInDays: 7 });
  return { app, stack, logGroup };
}

function written(outdir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', STACK, 'cdk.tf.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

function retentionOf(json: Record<string, unknown>, logGroup: CloudwatchLogGroup): unknown {
  const resources = json.resource as Record<string, Record<string, Record<string, unknown>>>;
  return resources.aws_cloudwatch_log_group[logGroup.friendlyUniqueId].retention_in_days;
}

describe('IamKeyRotationStack synthesis', () => {
  test('writes what cdktf resolving every element again writes', () => {
    // GIVEN a stack with most of the construct's parts
    const { app, stack } = keysApp({
      encryption: 'customer-managed',
      readerArns: ['arn:aws:iam::123456789012:role/reader'],
      notifications: { emails: ['ops@example.com'] },
      users: [
        { name: 'alice', createUser: true, previousKeyAction: 'deactivate' },
        { name: 'bob', schedule: { automaticallyAfterDays: 30 } },
      ],
      tags: { team: 'platform' },
    });
    // WHEN
    app.synth();
    // THEN: outside a synthesis, toTerraform is cdktf's own
    expect(written(app.outdir)).toEqual(stack.toTerraform());
  });

  test('resolves each element once', () => {
    // GIVEN an element whose resolution can be counted
    const { app, stack } = keysApp();
    let produced = 0;
    new CloudwatchLogGroup(stack, 'counted', {
      name: Lazy.stringValue({ produce: () => `/counted/${(produced += 1)}` }),
      retentionInDays: 7,
    });
    // WHEN
    app.synth();
    // THEN: prepareStack's resolution served the checks and cdk.tf.json
    expect(produced).toBe(1);
    expect(JSON.stringify(written(app.outdir))).toContain('"/counted/1"');
  });

  test('the checks still report on the construct', () => {
    const { app, stack } = keysApp();
    new CloudwatchLogGroup(stack, 'forever', { name: '/forever' });
    expect(() => app.synth()).toThrow(/\[keys\/forever\] \[IKR3\]/);
  });

  test('a change after a synthesis the checks stopped shows in the next one', () => {
    // GIVEN
    const { app, stack, logGroup } = keysApp();
    logGroup.retentionInDays = 0;
    expect(() => app.synth()).toThrow(/IKR3/);
    // WHEN (Testing.synth does not prepare the stack: nothing may be left from the stopped synthesis)
    logGroup.retentionInDays = 30;
    // THEN
    expect(retentionOf(JSON.parse(Testing.synth(stack)) as Record<string, unknown>, logGroup)).toBe(30);
  });

  test('a change between two syntheses shows in the second', () => {
    const { app, logGroup } = keysApp();
    app.synth();
    logGroup.retentionInDays = 30;
    app.synth();
    expect(retentionOf(written(app.outdir), logGroup)).toBe(30);
  });

  test('what prepareStack resolved does not outlive the synchronous run that prepared it', async () => {
    // GIVEN a stack prepared, then changed once the run is over
    const { stack, logGroup } = keysApp();
    stack.prepareStack();
    await Promise.resolve();
    logGroup.retentionInDays = 14;
    // WHEN its synthesizer runs
    const outdir = Testing.fullSynth(stack);
    // THEN
    expect(retentionOf(written(outdir), logGroup)).toBe(14);
  });

  test('an aspect that changes resources keeps its changes', () => {
    // GIVEN
    const { app, stack, logGroup } = keysApp();
    const longer: IAspect = {
      visit(node: IConstruct) {
        if (node instanceof CloudwatchLogGroup) node.retentionInDays = 400;
      },
    };
    Aspects.of(stack).add(longer);
    // WHEN
    app.synth();
    // THEN
    expect(retentionOf(written(app.outdir), logGroup)).toBe(400);
  });

  test("the stack's own overrides win over its elements", () => {
    const { app, stack } = keysApp();
    stack.addOverride('terraform.backend.local.path', 'elsewhere.tfstate');
    app.synth();
    expect(written(app.outdir)).toMatchObject({ terraform: { backend: { local: { path: 'elsewhere.tfstate' } } } });
  });
});

describe('the checks on a stack of its own', () => {
  test('resolve each resource once, besides the resolution cdk.tf.json is written from', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'own');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    applyRotationChecks(stack);
    let produced = 0;
    new CloudwatchLogGroup(stack, 'counted', {
      name: Lazy.stringValue({ produce: () => `/counted/${(produced += 1)}` }),
      retentionInDays: 7,
    });
    // WHEN
    Testing.synth(stack);
    // THEN
    expect(produced).toBe(2);
  });
});
