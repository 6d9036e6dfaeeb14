// What the CLI prints of text it did not write (the rotation function's log lines, secret names and tags, AWS error
// messages, plans) reaches the operator's terminal without control characters: a crafted invocation of the function,
// a secret's name or an error message cannot set the terminal's title, move its cursor or clear its screen.
// In-process through main() with mocked AWS clients.
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliIo } from '../../cli/io';
import { printable } from '../../cli/io';
import { main } from '../../cli/main';

/** A terminal title change (OSC 0 ... BEL), a cursor move and a screen clear (CSI), a carriage return, C1's CSI. */
const ATTACK = '\u001b]0;pwned\u0007\u001b[2J\u001b[H\r\u009b31m';
/** Any character a terminal acts on, but newline and tab. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const secretsManager = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
const iam = mockClient(IAMClient);

beforeEach(() => {
  secretsManager.reset();
  lambda.reset();
  logs.reset();
  iam.reset();
});

function fakeIo(): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: () => out.join(''),
    err: () => err.join(''),
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    progress: (line) => err.push(line ?? ''),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    sleep: async () => undefined,
  };
}

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:iam-key-rotation';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf';

/** An AWS service error, as the SDK throws it. */
function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('control characters never reach the terminal', () => {
  test('rotate: a log line of the function with a title change and cursor moves prints without them; so does the AWS error in the note', async () => {
    // GIVEN a managed secret whose rotation logs a crafted line, and a function whose configuration read fails with a crafted message
    let token = '';
    secretsManager.on(DescribeSecretCommand).callsFake(() => ({
      ARN: SECRET_ARN,
      Name: 'iam-key-rotation/alice',
      Tags: [{ Key: 'iam-key-rotation:user', Value: 'alice' }],
      RotationEnabled: true,
      RotationLambdaARN: FUNCTION_ARN,
      VersionIdsToStages: token === '' ? { old: ['AWSCURRENT'] } : { old: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] },
    }));
    secretsManager.on(RotateSecretCommand).callsFake((input: { ClientRequestToken?: string }) => {
      token = input.ClientRequestToken ?? '';
      return {};
    });
    secretsManager.on(GetSecretValueCommand).rejects(awsError('ResourceNotFoundException', 'gone'));
    lambda.on(GetFunctionConfigurationCommand).rejects(awsError('ServiceException', `busy ${ATTACK}now`));
    logs.on(FilterLogEventsCommand).callsFake(() => ({
      events: [
        {
          eventId: '1',
          timestamp: 1,
          message: JSON.stringify({
            version: token,
            step: 'createSecret',
            message: `created ${ATTACK}key`,
            outcome: 'ok',
          }),
        },
      ],
    }));
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
    const io = fakeIo();
    // WHEN
    const code = await main(['rotate', 'iam-key-rotation/alice', '--region', 'us-east-1'], io);
    // THEN the lines are there, their control characters are not
    expect(code).toBe(0);
    expect(io.err()).toContain('  createSecret created ]0;pwned[2J[H31mkey (ok)\n');
    expect(io.err()).toContain('(ServiceException: busy ]0;pwned[2J[H31mnow)');
    expect(io.err()).not.toMatch(CONTROL);
    expect(io.out()).not.toMatch(CONTROL);
  });

  test('status: a secret name and a user tag with control characters print without them', async () => {
    // GIVEN a tagged secret whose name and tag carry the attack; checking it fails (the row still shows it)
    secretsManager.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: SECRET_ARN,
          Name: `iam-key-rotation/alice${ATTACK}`,
          Tags: [{ Key: 'iam-key-rotation:user', Value: `alice${ATTACK}` }],
          RotationEnabled: true,
          RotationLambdaARN: FUNCTION_ARN,
          SecretVersionsToStages: { v1: ['AWSCURRENT'] },
        },
      ],
    });
    secretsManager.on(GetSecretValueCommand).rejects(awsError('InternalServiceError', `try again ${ATTACK}`));
    lambda.on(GetFunctionConfigurationCommand).rejects(awsError('ServiceException', 'busy'));
    iam.on(ListAccessKeysCommand).rejects(awsError('ServiceFailure', `failed ${ATTACK}`));
    const io = fakeIo();
    // WHEN
    await main(['status', '--region', 'us-east-1'], io);
    // THEN
    expect(io.out()).toContain('iam-key-rotation/alice]0;pwned[2J[H31m');
    expect(io.out()).not.toMatch(CONTROL);
    expect(io.err()).not.toMatch(CONTROL);
  });

  test('an error message quoting an argument prints without its control characters', async () => {
    const io = fakeIo();
    expect(await main(['rotate', 'x', `--timeout=1${ATTACK}`], io)).toBe(2);
    expect(io.err()).toContain("--timeout must be a whole number of seconds from 1 to 86400, got '1]0;pwned[2J[H31m'");
    expect(io.err()).not.toMatch(CONTROL);
  });
});

describe('printable', () => {
  test('keeps newlines, tabs and every printable character, Unicode included', () => {
    const text = 'secret\tuser\nAKIA…WXYZ – ✓ ü 名前 @\u200dteam\n';
    expect(printable(text)).toBe(text);
  });

  test('drops C0 (but tab and newline), DEL, C1 and the bidirectional overrides', () => {
    expect(printable('a\u0000b\u0007c\u001bd\re\u007ff\u0085g\u009bh\u202ei\u2066j')).toBe('abcdefghij');
  });
});
