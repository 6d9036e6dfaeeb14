// Runs Lambda invocations for the emulator's bridge.
// argv: [--serve] <code dir> <module path without extension> <export name>.
// One-shot: the event arrives as JSON on stdin (the deadline in HARNESS_DEADLINE_MS), one invocation, then exit.
// --serve (a warm execution environment): one JSON line per invocation on stdin, `{"event": ..., "deadlineMs": ...}`,
// handled one after another by the handler loaded once, as Lambda reuses an environment.
// Each outcome goes to stdout on one line starting with the marker; everything else is the function's log.
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const { pathToFileURL } = require('node:url');

const MARKER = '__HARNESS_RESULT__ ';
const CLOCK_OFFSET_ENV = 'HARNESS_CLOCK_OFFSET_MS';
const serve = process.argv[2] === '--serve';
const [codeDir, modulePath, exportName] = process.argv.slice(serve ? 3 : 2);
// The real clock, for the invocation's deadline: a moved clock must not change when the emulator kills the function.
const realNow = Date.now.bind(Date);

/**
 * Moves the function's clock by `offsetMs`: Date.now(), `new Date()` and `Date()` without arguments read the real
 * time plus the offset; a Date built from a value is that value. Installed before the handler loads, so its code and
 * the AWS SDK see the same clock (moto accepts requests signed with any date, and the SDK corrects its own clock to
 * the server's after the first response).
 */
function installClockOffset(offsetMs) {
  const RealDate = Date;
  const now = () => RealDate.now() + offsetMs;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
    },
    apply() {
      return new RealDate(now()).toString();
    },
    get(target, property, receiver) {
      return property === 'now' ? now : Reflect.get(target, property, receiver);
    },
  });
}

const clockOffset = Number(process.env[CLOCK_OFFSET_ENV] ?? '0');
if (!Number.isFinite(clockOffset)) {
  process.stderr.write(`${CLOCK_OFFSET_ENV} must be a number of milliseconds, got ${process.env[CLOCK_OFFSET_ENV]}\n`);
  process.exit(1);
}
if (clockOffset !== 0) installClockOffset(clockOffset);

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function loadHandler() {
  const base = path.resolve(codeDir, modulePath);
  let mod;
  try {
    mod = require(base);
  } catch (error) {
    if (error && error.code !== 'ERR_REQUIRE_ESM' && error.code !== 'MODULE_NOT_FOUND') throw error;
    mod = await import(pathToFileURL(`${base}.mjs`).href);
  }
  const handler = mod[exportName] ?? (mod.default && mod.default[exportName]);
  if (typeof handler !== 'function') {
    const error = new Error(`${modulePath}.${exportName} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
}

function lambdaContext(deadline) {
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.HARNESS_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: require('node:crypto').randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
  };
}

function callHandler(handler, event, context) {
  // Callback-style handlers take three parameters; async ones return a promise.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }
  return Promise.resolve(handler(event, context));
}

/** Runs one invocation; resolves with its outcome, `{ ok, result }` or `{ ok: false, error }`. */
async function invoke(loadedHandler, event, deadline) {
  try {
    const handler = await loadedHandler();
    const result = await callHandler(handler, event, lambdaContext(deadline));
    return { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    console.error(err.stack ?? String(err));
    return { ok: false, error: { errorType: err.name || 'Error', errorMessage: err.message } };
  }
}

const outcomeLine = (outcome) => `\n${MARKER}${JSON.stringify(outcome)}\n`;

async function runOnce() {
  const event = JSON.parse((await readStdin()) || '{}');
  const outcome = await invoke(loadHandler, event, Number(process.env.HARNESS_DEADLINE_MS));
  process.stdout.write(outcomeLine(outcome), () => process.exit(0));
}

async function serveInvocations() {
  let loading;
  // Loaded once, by the first invocation; a handler that fails to load ends the process, so the next one retries.
  const loadedHandler = () => (loading ??= loadHandler());
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const { event, deadlineMs } = JSON.parse(line);
    const outcome = await invoke(loadedHandler, event ?? {}, deadlineMs);
    await new Promise((resolve) => process.stdout.write(outcomeLine(outcome), resolve));
    if (
      !outcome.ok &&
      (await loadedHandler().then(
        () => false,
        () => true,
      ))
    )
      process.exit(1);
  }
  process.exit(0);
}

if (serve) serveInvocations();
else runOnce();
