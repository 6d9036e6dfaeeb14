// The operator CLI, run as its real bin against the local emulator: output, exit codes, and that no secret access
// key ever reaches stdout or stderr (but credentials' stdout, which is its purpose).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand } from '@aws-sdk/client-iam';
import { CancelRotateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type Emulator, startEmulator } from '../../emulator/emulator';
import { describeWithMoto } from '../support/tools';
import { ManagedSecretsFixture } from '../cli/managed-secrets-fixture';
import { CLI_BIN, type CliResult, cliEnv, ensureCliBuilt, runCli } from '../cli/run-cli';

const MASKED_KEY_ID = /^AKIA…[A-Z0-9]{4}$/;
const ALICE = 'iam-key-rotation/alice';
const BOB = 'iam-key-rotation/bob';
const CAROL = 'team-b/carol';
/** Tagged, rotated by the stack's function, but outside its MANAGED_SECRETS. */
const FOREIGN = 'other-team/dave';
/** No user tag at all. */
const UNTAGGED = 'iam-key-rotation/plain';
/** Under the prefix and tagged alice, made by someone else: not alice's secret (iam-key-rotation/alice is). */
const ROGUE = 'iam-key-rotation/zz-rogue';

// A rotate test runs the function three or four times through the emulator: seconds each on a loaded machine.
jest.setTimeout(60_000);

describeWithMoto('iam-key-rotation CLI on the local emulator', () => {
  let emulator: Emulator;
  let fixture: ManagedSecretsFixture;
  let home: string;
  let env: Record<string, string>;
  const secretIds = [ALICE, BOB, CAROL, FOREIGN];

  /** Runs the bin and checks that no key material of any secret (or the admin's) is in what it printed. */
  async function cli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const result = await runCli(args, { ...env, ...extraEnv });
    const secrets = [...(await fixture.secretKeys(secretIds)), emulator.adminCredentials.secretAccessKey];
    for (const secret of secrets) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stderr).not.toContain(secret);
    }
    return result;
  }

  beforeAll(async () => {
    ensureCliBuilt();
    emulator = await startEmulator({ reuseFunctionProcesses: true });
    await emulator.enableIamAuth();
    await emulator.setFunctionEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-key-rotation-cli-'));
    env = cliEnv(emulator.env(), home);
    fixture = new ManagedSecretsFixture(emulator);
    await fixture.createRotationFunction();
    for (const user of ['alice', 'bob', 'carol', 'dave']) await fixture.createUser(user);
    await fixture.createSecret(ALICE, { user: 'alice' });
    await fixture.createSecret(BOB, { user: 'bob' });
    await fixture.createSecret(CAROL, { user: 'carol' });
    await fixture.createSecret(FOREIGN, { user: 'dave', firstRotation: 'refused' });
    await fixture.createSecret(UNTAGGED, {
      value: { username: 'alice', accesskey: 'AKIAEXAMPLEEXAMPLE12', secretkey: 'not-a-key' },
      firstRotation: 'refused',
    });
  }, 60_000);

  afterAll(async () => {
    fixture?.close();
    await emulator?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  describe('status', () => {
    test('a table of the managed secrets, then no findings: exit 0', async () => {
      const { code, stdout, stderr } = await cli(['status']);
      expect(stderr).toBe(
        `note: 1 secret(s) carry the iam-key-rotation:user tag but are outside their rotation function's MANAGED_SECRETS: not shown\n`,
      );
      expect(code).toBe(0);
      const lines = stdout.split('\n');
      expect(lines[0]).toMatch(
        /^secret\s+user\s+current key\s+age\s+last rotated\s+next rotation\s+previous key\s+previous key last used\s+findings$/,
      );
      const alice = await fixture.currentKey(ALICE);
      const masked = `${alice.accesskey.slice(0, 4)}…${alice.accesskey.slice(-4)}`;
      expect(lines.find((line) => line.startsWith(ALICE))).toMatch(
        new RegExp(
          `^${ALICE}\\s+alice\\s+${masked}\\s+0d\\s+\\d{4}-\\d\\d-\\d\\d\\s+\\d{4}-\\d\\d-\\d\\d\\s+none\\s+-\\s+ok$`,
        ),
      );
      expect(stdout).toContain(BOB);
      expect(stdout).toContain(CAROL);
      expect(stdout).not.toContain(FOREIGN); // outside MANAGED_SECRETS
      expect(stdout).not.toContain(UNTAGGED); // no user tag
      expect(stdout).not.toContain(alice.accesskey); // key ids only masked
      expect(stdout).toContain('No findings.');
    });

    test('--json: one object per secret, key ids masked; --stack-prefix selects by name', async () => {
      const { code, stdout } = await cli(['status', '--json', '--stack-prefix', 'team-b/']);
      expect(code).toBe(0);
      const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
      expect(rows).toEqual([
        expect.objectContaining({
          secret: CAROL,
          user: 'carol',
          rotationEnabled: true,
          currentKey: { id: expect.stringMatching(MASKED_KEY_ID), createdDate: expect.any(String), ageDays: 0 },
          previousKey: null,
          previousKeyPolicy: { action: 'deactivate-after-grace', graceDays: 7, inUse: 'hold', source: 'stack' },
          findings: [],
        }),
      ]);
      const both = JSON.parse(
        (await cli(['status', '--json', '--stack-prefix', 'team-b/', '--stack-prefix', 'iam-key-rotation/'])).stdout,
      ) as unknown[];
      expect(both).toHaveLength(3);
    });

    test('an unknown Active key and rotation turned off are error findings: exit 1', async () => {
      // GIVEN a key made outside the rotation for bob, and carol's rotation cancelled
      const { AccessKey } = await fixture.iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
      await fixture.secretsManager.send(new CancelRotateSecretCommand({ SecretId: CAROL }));
      try {
        // WHEN
        const { code, stdout } = await cli(['status']);
        // THEN
        expect(code).toBe(1);
        expect(stdout).toMatch(new RegExp(`^${BOB}\\s+bob\\s.*1 error$`, 'm'));
        expect(stdout).toMatch(new RegExp(`^${CAROL}\\s+carol\\s.*rotation off.*1 error$`, 'm'));
        expect(stdout).toMatch(
          /ERROR iam-key-rotation\/bob \(user bob\) \[unknown-active-key\]: User bob has an Active key AKIA…\w{4}/,
        );
        expect(stdout).toMatch(/ERROR team-b\/carol \(user carol\) \[rotation-disabled\]/);
        expect(stdout).not.toContain(AccessKey?.AccessKeyId);
        expect(stdout).not.toContain(AccessKey?.SecretAccessKey);
      } finally {
        await fixture.iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: AccessKey?.AccessKeyId }));
      }
    });
  });

  describe('rotate', () => {
    test('rotates, follows the steps from the function log, and names the new key: exit 0', async () => {
      const before = await fixture.currentKey(ALICE);
      const { code, stdout, stderr } = await cli(['rotate', ALICE]);
      expect(code).toBe(0);
      const after = await fixture.currentKey(ALICE);
      expect(after.accesskey).not.toBe(before.accesskey);
      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
        expect(stderr).toMatch(new RegExp(`^  ${step}\\s+rotation step succeeded \\(succeeded\\)$`, 'm'));
      expect(stdout).toContain(
        `rotated ${ALICE}: the new key ${after.accesskey.slice(0, 4)}…${after.accesskey.slice(-4)} of user alice is AWSCURRENT`,
      );
      expect(stdout).toMatch(
        /previous key AKIA…\w{4} \(IAM: Active\): policy deactivate-after-grace, it stays Active for 7 days/,
      );
      // status now shows the previous key and when its grace ends
      const status = await cli(['status', '--stack-prefix', ALICE]);
      expect(status.stdout).toMatch(/AKIA…\w{4} Active until \d{4}-\d\d-\d\d\s+\d{4}-\d\d-\d\d sts us-east-1\s+ok$/m);
    });

    test('a failed step: exit 1 with the step and the error; rotating again retries the same rotation', async () => {
      // GIVEN bob's second key slot taken by a key the rotation cannot account for
      const { AccessKey } = await fixture.iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
      const before = await fixture.currentKey(BOB);
      let failed: CliResult;
      try {
        // WHEN
        failed = await cli(['rotate', BOB]);
      } finally {
        await fixture.iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: AccessKey?.AccessKeyId }));
      }
      // THEN
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^ {2}createSecret\s+rotation step failed \(failed\): UnmanagedKeyError: /m);
      expect(failed.stderr).toMatch(
        /error: the rotation of iam-key-rotation\/bob failed at step createSecret: UnmanagedKeyError: .*AKIA…\w{4}/,
      );
      expect(failed.stderr).toContain("fix it, then run 'iam-key-rotation rotate iam-key-rotation/bob' again");
      expect(failed.stderr).not.toContain(AccessKey?.AccessKeyId);
      expect((await fixture.currentKey(BOB)).accesskey).toBe(before.accesskey);
      const pending = Object.entries(
        (await fixture.secretsManager.send(new DescribeSecretCommand({ SecretId: BOB }))).VersionIdsToStages ?? {},
      ).find(([, stages]) => stages.includes('AWSPENDING'))?.[0];
      expect(pending).toBeDefined();

      // WHEN the slot is free again
      const retried = await cli(['rotate', BOB]);
      // THEN the unfinished rotation completes
      expect(retried.stderr).toContain(`retrying the unfinished rotation of ${BOB} (user bob), version ${pending}`);
      expect(retried.stderr).not.toContain('(failed)'); // the first attempt's lines are not this one's progress
      expect(retried.code).toBe(0);
      expect((await fixture.currentKey(BOB)).accesskey).not.toBe(before.accesskey);
    });

    test('an injected STS fault fails testSecret: exit 1 naming the step and the error; the retry finishes', async () => {
      // GIVEN one failing GetCallerIdentity, and a function that neither retries calls nor waits for propagation
      await emulator.setFunctionEnv({
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_MAX_ATTEMPTS: '1',
        TEST_BUDGET_MS: '1',
      });
      await emulator.injectFault({
        service: 'sts',
        action: 'GetCallerIdentity',
        code: 'InvalidClientTokenId',
        message: 'injected: not valid yet',
        status: 403,
      });
      const before = await fixture.currentKey(ALICE);
      try {
        // WHEN
        const { code, stderr } = await cli(['rotate', ALICE, '--timeout', '30']);
        // THEN
        expect(code).toBe(1);
        expect(stderr).toMatch(
          /^ {2}testSecret\s+rotation step failed \(failed\): KeyTestFailedError: .*InvalidClientTokenId/m,
        );
        expect(stderr).toMatch(
          /error: the rotation of iam-key-rotation\/alice failed at step testSecret: KeyTestFailedError/,
        );
        expect((await fixture.currentKey(ALICE)).accesskey).toBe(before.accesskey);
      } finally {
        await emulator.clearFaults();
        await emulator.setFunctionEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
      }
      const retried = await cli(['rotate', ALICE]);
      expect(retried.code).toBe(0);
      expect(retried.stderr).toContain('retrying the unfinished rotation');
    });

    test('refuses a secret that is not managed or does not exist: exit 3', async () => {
      const foreign = await cli(['rotate', FOREIGN]);
      expect(foreign.code).toBe(3);
      expect(foreign.stderr).toContain(
        `error: secret ${FOREIGN} is not managed by iam-key-rotation: its rotation function iam-key-rotation does not cover it`,
      );
      const untagged = await cli(['rotate', UNTAGGED]);
      expect(untagged.code).toBe(3);
      expect(untagged.stderr).toContain('it has no iam-key-rotation:user tag');
      const missing = await cli(['rotate', 'iam-key-rotation/nobody']);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain('secret iam-key-rotation/nobody does not exist');
    });
  });

  describe('credentials', () => {
    test('prints the AWSCURRENT key in the credential_process format, expiring in an hour', async () => {
      const started = Date.now();
      const { code, stdout, stderr } = await runCli(['credentials', ALICE], env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const current = await fixture.currentKey(ALICE);
      const printed = JSON.parse(stdout) as Record<string, unknown>;
      expect(Object.keys(printed)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'Expiration']);
      expect(printed).toMatchObject({ Version: 1, AccessKeyId: current.accesskey, SecretAccessKey: current.secretkey });
      const expiresIn = Date.parse(String(printed.Expiration)) - started;
      expect(expiresIn).toBeGreaterThan(59 * 60_000);
      expect(expiresIn).toBeLessThan(61 * 60_000);
    });

    test("feeds an AWS SDK client through a profile's credential_process: STS says alice", async () => {
      // GIVEN a profile whose credential_process is the bin, and an operator process with the emulator's env (which
      // the credential process inherits); a child process, because jest's sandboxed process.env is not inherited
      const configFile = path.join(home, 'config');
      fs.writeFileSync(configFile, `[profile alice]\ncredential_process = node ${CLI_BIN} credentials ${ALICE}\n`);
      const operator = `
        const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sts'))});
        const sts = new STSClient({ profile: 'alice' });
        sts.send(new GetCallerIdentityCommand({})).then(async (identity) => {
          console.log(JSON.stringify({ arn: identity.Arn, accessKeyId: (await sts.config.credentials()).accessKeyId }));
        });`;
      // WHEN
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          'node',
          ['-e', operator],
          { env: { ...env, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none') } },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
      // THEN
      const seen = JSON.parse(output) as { arn: string; accessKeyId: string };
      expect(seen.arn).toMatch(/^arn:aws:iam::\d{12}:user\/alice$/);
      expect(seen.accessKeyId).toBe((await fixture.currentKey(ALICE)).accesskey);
    });

    test('refuses a value that names another user than the tag: exit 1', async () => {
      // GIVEN a managed secret for carol whose current value names alice (written by someone who can write values)
      const alice = await fixture.currentKey(ALICE);
      const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      await fixture.secretsManager.send(
        new PutSecretValueCommand({ SecretId: CAROL, SecretString: JSON.stringify(alice) }),
      );
      // WHEN
      const { code, stdout, stderr } = await cli(['credentials', CAROL]);
      // THEN
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(`refusing the key of secret ${CAROL}`);
      expect(stderr).toContain('names user "alice" but the secret\'s tag names user "carol"');
    });

    test('refuses secrets that are not managed: exit 3, nothing on stdout', async () => {
      for (const secret of [FOREIGN, UNTAGGED, 'iam-key-rotation/nobody']) {
        const { code, stdout } = await cli(['credentials', secret]);
        expect({ secret, code, stdout }).toEqual({ secret, code: 3, stdout: '' });
      }
    });
  });

  describe('a secret under the prefix that binds no user', () => {
    beforeAll(async () => {
      await fixture.createSecret(ROGUE, { user: 'alice', firstRotation: 'refused' });
    });

    test('status leaves it out and says why', async () => {
      const { stdout, stderr } = await cli(['status']);
      expect(stdout).not.toContain(ROGUE);
      expect(stderr).toContain(
        `note: secret ${ROGUE} is not managed, not shown: it does not bind user alice: under iam-key-rotation/* the secret of user alice is named iam-key-rotation/alice (a secret binds exactly one user: `,
      );
    });

    test('credentials and rotate refuse it: exit 3, saying why, nothing on stdout', async () => {
      for (const command of ['credentials', 'rotate']) {
        const { code, stdout, stderr } = await cli([command, ROGUE]);
        expect({ command, code, stdout }).toEqual({ command, code: 3, stdout: '' });
        expect(stderr).toContain(
          `error: secret ${ROGUE} is not managed by iam-key-rotation: it does not bind user alice: `,
        );
        expect(stderr).toContain('so its rotation function refuses it');
      }
    });
  });

  describe('AWS credentials and access', () => {
    test('no credentials at all: exit 4, saying how to configure them', async () => {
      const { code, stderr } = await runCli(
        ['status'],
        cliEnv({ AWS_REGION: emulator.region, AWS_ENDPOINT_URL: emulator.endpoint }, home),
      );
      expect(code).toBe(4);
      expect(stderr).toMatch(
        /^iam-key-rotation: error: no AWS credentials found \(.*\)\. Configure AWS credentials: pass --profile <name>/,
      );
      expect(stderr).toContain('AWS_ACCESS_KEY_ID');
    });

    test('a principal without permissions: exit 4, access denied', async () => {
      await fixture.iam.send(new CreateUserCommand({ UserName: 'powerless' }));
      const { AccessKey } = await fixture.iam.send(new CreateAccessKeyCommand({ UserName: 'powerless' }));
      const powerless = {
        AWS_ACCESS_KEY_ID: AccessKey?.AccessKeyId ?? '',
        AWS_SECRET_ACCESS_KEY: AccessKey?.SecretAccessKey ?? '',
      };
      for (const args of [['status'], ['rotate', ALICE], ['credentials', ALICE]]) {
        const { code, stdout, stderr } = await cli(args, powerless);
        expect({ args, code, stdout }).toEqual({ args, code: 4, stdout: '' });
        expect(stderr).toMatch(/^iam-key-rotation: error: access denied while /);
        expect(stderr).not.toContain(powerless.AWS_SECRET_ACCESS_KEY);
      }
    });

    test('--region and --profile reach the SDK', async () => {
      // A profile that does not exist: the SDK's own error, as an exit 4
      const { code, stderr } = await runCli(['status', '--profile', 'missing-profile'], {
        ...env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      });
      expect(code).toBe(4);
      expect(stderr).toContain('missing-profile');
      // Another region holds none of the secrets
      const elsewhere = await cli(['status', '--region', 'eu-west-1']);
      expect(elsewhere.code).toBe(0);
      expect(elsewhere.stdout).toMatch(/^No managed secrets/);
    });
  });
});

describe('iam-key-rotation CLI arguments (no AWS call)', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    ensureCliBuilt();
    env = cliEnv({}, os.tmpdir());
  });

  test.each([
    [['frob'], /error: unknown command 'frob'/, /Run 'iam-key-rotation --help'/],
    [[], /error: missing command/, /Run 'iam-key-rotation --help'/],
    [['status', '--bogus'], /error: unknown option --bogus/, /Run 'iam-key-rotation status --help'/],
    [['status', 'extra'], /error: status: unexpected argument 'extra'/, /status --help/],
    [['rotate'], /error: rotate: missing argument <secret>/, /rotate --help/],
    [
      ['rotate', 'x', '--timeout', '0'],
      /--timeout must be a whole number of seconds from 1 to 86400, got '0'/,
      /rotate --help/,
    ],
    [['rotate', 'x', '--timeout'], /option --timeout needs a value/, /rotate --help/],
    [['credentials'], /error: credentials: missing argument <secret>/, /credentials --help/],
    [['status', '--json=yes'], /option --json takes no value/, /status --help/],
  ])('%j: exit 2 with a message and a hint', async (args, message, hint) => {
    const { code, stdout, stderr } = await runCli(args, env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(hint);
  });

  test('--help lists the commands and the exit codes; each command has its own', async () => {
    const global = await runCli(['--help'], env);
    expect(global.code).toBe(0);
    expect(global.stdout).toMatch(/^Usage: iam-key-rotation <command> \[options\]$/m);
    for (const command of ['status', 'rotate', 'credentials'])
      expect(global.stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));
    expect(global.stdout).toMatch(/^ {2}3 {2}the secret does not exist or is not managed by iam-key-rotation$/m);
    for (const command of ['status', 'rotate', 'credentials']) {
      const help = await runCli([command, '--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: iam-key-rotation ${command}`));
    }
    const version = await runCli(['--version'], env);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
