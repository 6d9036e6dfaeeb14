// Starts and controls the local AWS emulator (launcher.py beside this file, its code in the package moto_ext/: moto
// plus a Lambda bridge, RotateSecret fixes, fault injection and a call log). The demo, the tests and the CLI's tests
// use it.
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const MOTO_VERSION = '5.2.1';
/**
 * Set it with `setFunctionEnv` (milliseconds, may be negative) to move the function's clock: Date.now() and
 * `new Date()` inside the function process read the real time plus the offset (runner.js).
 */
export const CLOCK_OFFSET_ENV = 'HARNESS_CLOCK_OFFSET_MS';
export const MOTO_INSTALL_HINT = `pip install 'moto[server]==${MOTO_VERSION}'`;
const LAUNCHER = path.join(__dirname, 'launcher.py');
const READY_PREFIX = 'EMULATOR_READY ';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
// Enough of the launcher's stderr to explain a failed start, without growing without bound.
const STDERR_TAIL_CHARS = 16_000;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AdminCredentials extends Credentials {
  /** ARN of the harness admin user (allowed `*:*`). */
  arn: string;
}

export interface FaultSpec {
  /** Signing name from the SigV4 credential scope: `secretsmanager`, `iam`, `sts`, `logs`... */
  service: string;
  /**
   * Operation name (`GetSecretValue`); for REST services the route (`POST /2015-03-31/functions/f/invocations`).
   * @default - required with `nth`; with `every`, any action of the service
   */
  action?: string;
  /** Which matching call fails, once, counted from when the fault is added. @default 1 (unless `every` is set) */
  nth?: number;
  /**
   * Fail every `every`th matching call (the `every`th, the 2 x `every`th, ...) until the fault is removed, instead of
   * one call. Not with `nth`.
   * @default - one call (`nth`)
   */
  every?: number;
  /** AWS error code, e.g. `AccessDeniedException`. */
  code: string;
  /** @default - `Injected <code>` */
  message?: string;
  /** HTTP status. @default 400 */
  status?: number;
}

export interface Fault {
  id: string;
  service: string;
  /** null: any action of the service. */
  action: string | null;
  /** null for a periodic fault. */
  nth: number | null;
  /** null for a one-off fault. */
  every: number | null;
  code: string;
  message: string;
  status: number;
  /** Matching calls seen so far. */
  seen: number;
  /** Calls it failed so far. */
  fired: number;
}

/** Services whose throttling error the emulator knows: the error code and HTTP status each answers when it throttles. */
export const THROTTLING_ERRORS = {
  /** Query protocol: an XML `<ErrorResponse>` with `<Code>Throttling</Code>`. */
  iam: { code: 'Throttling', status: 400 },
  sts: { code: 'Throttling', status: 400 },
  /** JSON protocol: `{"__type": "ThrottlingException"}`. */
  secretsmanager: { code: 'ThrottlingException', status: 400 },
} as const;

/** A fault that throttles every `every`th call of a service (or of one action), in the service's own wire format. */
export function throttlingFault(service: keyof typeof THROTTLING_ERRORS, every: number, action?: string): FaultSpec {
  return {
    service,
    every,
    ...(action === undefined ? {} : { action }),
    ...THROTTLING_ERRORS[service],
    message: 'Rate exceeded',
  };
}

export interface CallRecord {
  seq: number;
  /** Unix time in seconds. */
  time: number;
  service: string;
  action: string;
  accessKeyId: string | null;
  /** ARN owning the access key (IAM user or assumed role), when the emulator knows it. */
  principal: string | null;
  /** HTTP status returned; null while the call is in flight. */
  status: number | null;
  injectedFault: boolean;
  errorCode?: string;
  /** Which try of one SDK call this was (the SDK's `amz-sdk-request` header): 2 and more are retries. null: not said. */
  attempt: number | null;
}

export interface InvocationRecord {
  functionName: string;
  event: unknown;
  startedAt: number;
  durationMs: number;
  errored: boolean;
  timedOut: boolean;
  /** The JSON payload returned to the caller: the result, or `{errorType, errorMessage}`. */
  payload: string;
  /** The function's stdout and stderr. */
  logs: string;
  /** ARN of the credentials the function ran with. */
  credentialsPrincipal: string | null;
}

export interface EmulatorOptions {
  /** @default 'us-east-1' */
  region?: string;
  /** Hard lifetime of the launcher, in seconds. @default 1800 */
  maxSeconds?: number;
  /** @default 20000 */
  readyTimeoutMs?: number;
  /** @default 'python3' */
  python?: string;
  /**
   * Keep each function's Node process warm between invocations, as Lambda keeps an execution environment: module
   * scope (SDK clients, their retry state) survives from one invocation to the next. A changed function environment
   * gets a new process.
   * @default false - a new process per invocation
   */
  reuseFunctionProcesses?: boolean;
  /** Function invocations running at once; more wait for a slot (their timeout starts when they run). @default - no limit */
  maxConcurrentInvocations?: number;
}

export interface Emulator {
  readonly endpoint: string;
  readonly region: string;
  readonly pid: number;
  /** Works before and after `enableIamAuth()`. */
  readonly adminCredentials: AdminCredentials;
  /** Env for child processes (terraform, CLIs): endpoint, admin credentials, region. */
  env(): Record<string, string>;
  /** `{ region, endpoint, credentials }` for an AWS SDK v3 client. */
  clientConfig(credentials?: Credentials): { region: string; endpoint: string; credentials: Credentials };
  injectFault(fault: FaultSpec): Promise<Fault>;
  /** The faults still active (a one-off fault is dropped once it fires). */
  faults(): Promise<Fault[]>;
  /** Removes one fault and returns it as it ended, `fired` saying how many calls it failed. */
  removeFault(id: string): Promise<Fault>;
  clearFaults(): Promise<void>;
  /**
   * Extra env for every later function invocation (replaces the previous set), e.g. `{ AWS_MAX_ATTEMPTS: '1' }`, or
   * `{ [CLOCK_OFFSET_ENV]: String(8 * 86_400_000) }` to run the function eight days from now.
   */
  setFunctionEnv(env: Record<string, string>): Promise<void>;
  /** Credentials of a session of the role, whatever its trust policy: to check what the role's policies allow. */
  roleCredentials(roleArn: string): Promise<Credentials>;
  calls(): Promise<CallRecord[]>;
  clearCalls(): Promise<void>;
  invocationLogs(): Promise<InvocationRecord[]>;
  clearInvocationLogs(): Promise<void>;
  /** Turns on moto's signature and policy checks; returns the admin credentials. */
  enableIamAuth(): Promise<AdminCredentials>;
  /** Runs `release` when the emulator stops, first: for what lives as long as it (a deployment's provider). */
  onStop(release: () => Promise<void>): void;
  /** SIGTERM, then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

type LauncherProcess = ChildProcessByStdio<Writable, Readable, Readable>;

const running = new Set<LauncherProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort; the launcher also exits when its stdin (our pipe) closes.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Whether python3 with moto 5.2.1 is installed; `reason` says what is missing. */
export function emulatorAvailability(python = 'python3'): { available: boolean; reason?: string } {
  const probe = spawnSync(python, ['-c', 'import moto, sys; sys.stdout.write(moto.__version__)'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (probe.error) return { available: false, reason: `${python} is not installed (${probe.error.message})` };
  if (probe.status !== 0) return { available: false, reason: `python module moto is not installed` };
  if (probe.stdout !== MOTO_VERSION) {
    return { available: false, reason: `moto ${MOTO_VERSION} is required, found ${probe.stdout}` };
  }
  return { available: true };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const region = options.region ?? DEFAULT_REGION;
  const slots = options.maxConcurrentInvocations;
  if (slots !== undefined && !(Number.isSafeInteger(slots) && slots >= 1)) {
    throw new Error(`maxConcurrentInvocations must be a whole number of 1 or more, got ${slots}`);
  }
  const args = [LAUNCHER, '--region', region, '--max-seconds', String(options.maxSeconds ?? 1800)];
  if (options.reuseFunctionProcesses === true) args.push('--reuse-function-processes');
  if (options.maxConcurrentInvocations !== undefined)
    args.push('--max-concurrent-invocations', String(options.maxConcurrentInvocations));

  installExitHook();
  const child = spawn(options.python ?? 'python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // Keeps the pipes drained (a full pipe would block the server) and the child from holding the event loop.
  let stderrTail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
  });
  child.stdin.on('error', () => undefined);

  let endpoint: string;
  try {
    endpoint = await waitForReady(child, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, () => stderrTail);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as Readable & { unref?: () => void }).unref?.();

  const control = new ControlClient(endpoint);
  const adminCredentials = await control.request<AdminCredentials>('GET', 'admin-credentials');
  return new RunningEmulator(child, endpoint, region, adminCredentials, control);
}

function waitForReady(child: LauncherProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (why: string): void => {
      cleanup();
      reject(new Error(`emulator did not start: ${why}\nlauncher stderr:\n${stderr() || '(empty)'}`));
    };
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        cleanup();
        resolve(line.slice(READY_PREFIX.length).trim());
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`launcher exited (code ${code}, signal ${signal})`);
    const onError = (error: Error): void => fail(error.message);
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout.resume(); // drain whatever the launcher prints later
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function stopProcess(child: LauncherProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

class ControlClient {
  constructor(private readonly endpoint: string) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}/_harness/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${route} failed (${response.status}): ${text}`);
    return JSON.parse(text) as T;
  }
}

class RunningEmulator implements Emulator {
  private stopping: Promise<void> | undefined;
  private readonly releases: (() => Promise<void>)[] = [];

  constructor(
    private readonly child: LauncherProcess,
    readonly endpoint: string,
    readonly region: string,
    readonly adminCredentials: AdminCredentials,
    private readonly control: ControlClient,
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: this.adminCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.adminCredentials.secretAccessKey,
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      IAM_KEY_ROTATION_TEST_ENDPOINT: this.endpoint,
    };
  }

  clientConfig(credentials: Credentials = this.adminCredentials) {
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    return {
      region: this.region,
      endpoint: this.endpoint,
      credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey },
    };
  }

  injectFault(fault: FaultSpec): Promise<Fault> {
    return this.control.request<Fault>('POST', 'faults', fault);
  }

  faults(): Promise<Fault[]> {
    return this.control.request<Fault[]>('GET', 'faults');
  }

  removeFault(id: string): Promise<Fault> {
    return this.control.request<Fault>('DELETE', `faults/${encodeURIComponent(id)}`);
  }

  async clearFaults(): Promise<void> {
    await this.control.request('DELETE', 'faults');
  }

  async setFunctionEnv(env: Record<string, string>): Promise<void> {
    await this.control.request('PUT', 'function-env', { env });
  }

  roleCredentials(roleArn: string): Promise<Credentials> {
    return this.control.request<Credentials>('POST', 'role-credentials', { roleArn });
  }

  calls(): Promise<CallRecord[]> {
    return this.control.request<CallRecord[]>('GET', 'calls');
  }

  async clearCalls(): Promise<void> {
    await this.control.request('DELETE', 'calls');
  }

  invocationLogs(): Promise<InvocationRecord[]> {
    return this.control.request<InvocationRecord[]>('GET', 'invocations');
  }

  async clearInvocationLogs(): Promise<void> {
    await this.control.request('DELETE', 'invocations');
  }

  enableIamAuth(): Promise<AdminCredentials> {
    return this.control.request<AdminCredentials>('POST', 'iam-auth');
  }

  onStop(release: () => Promise<void>): void {
    this.releases.push(release);
  }

  stop(): Promise<void> {
    this.stopping ??= Promise.allSettled(this.releases.map((release) => release())).then(() => stopProcess(this.child));
    return this.stopping;
  }
}
