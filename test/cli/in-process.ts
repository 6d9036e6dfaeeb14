// What the in-process command tests share: an io that records what the CLI prints and keeps a fake clock, and the AWS
// answers of one account (us-east-1, 123456789012) with the stack's rotation function. Every key is an obvious fake.
import type { GetFunctionConfigurationCommandOutput } from '@aws-sdk/client-lambda';
import type { CliIo } from '../../cli/io';

export const REGION = 'us-east-1';
export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const DAY_MS = 24 * 60 * 60 * 1000;

export const FUNCTION_NAME = 'iam-key-rotation';
export const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${FUNCTION_NAME}`;
export const LOG_GROUP = `/aws/lambda/${FUNCTION_NAME}`;

/** The construct's MANAGED_SECRETS for a stack under the prefix iam-key-rotation/. */
export const STACK_PREFIX_PATTERN = 'iam-key-rotation/*';

export function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${REGION}:123456789012:secret:${name}-AbCdEf`;
}

/** A fake key pair: the id is shaped as IAM's (so the CLI masks it), the secret says what it is. */
export interface FakeKey {
  readonly id: string;
  readonly secret: string;
}

export function fakeKey(suffix: string): FakeKey {
  return { id: `AKIAFAKEFAKEFAKE${suffix}`, secret: `fake-secret-access-key-${suffix}-never-printed` };
}

/** `AKIA…CUR1`, as the CLI shows a key id. */
export function masked(key: FakeKey): string {
  return `${key.id.slice(0, 4)}…${key.id.slice(-4)}`;
}

/** A secret value as the rotation function writes it. */
export function secretValue(userName: string, key: FakeKey): string {
  return JSON.stringify({ username: userName, accesskey: key.id, secretkey: key.secret });
}

/** The rotation function's configuration as GetFunctionConfiguration answers it. */
export function functionConfiguration(
  managedSecrets: readonly unknown[],
  environment: Record<string, string> = {},
): GetFunctionConfigurationCommandOutput {
  return {
    $metadata: {},
    FunctionArn: FUNCTION_ARN,
    Environment: { Variables: { MANAGED_SECRETS: JSON.stringify(managedSecrets), ...environment } },
  };
}

/** An AWS service error, as the SDK throws it. */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export interface RecordingIo extends CliIo {
  /** Everything printed on stdout. */
  readonly out: () => string;
  /** Everything printed on stderr (progress lines aside). */
  readonly err: () => string;
  /** The waits the command asked for, in milliseconds. */
  readonly sleeps: number[];
}

/** An io whose clock starts at NOW and moves only when the command sleeps. */
export function recordingIo(options: { stdoutIsTTY?: boolean } = {}): RecordingIo {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  let now = NOW;
  return {
    out: () => out.join(''),
    err: () => err.join(''),
    sleeps,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    progress: () => undefined,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
