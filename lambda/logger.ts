/**
 * Structured JSON log lines on stdout, one per call, Powertools style: a fixed message, context as an object.
 * Keys that could carry key material are redacted as a second fence; the first is never passing them.
 */
import { DEFAULT_LOG_LEVEL as DEFAULT_FUNCTION_LOG_LEVEL } from '../core/contract';
import { type LogLevel, toLogLevel } from '../core/log-levels';

export type LogContext = Readonly<Record<string, unknown>>;

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names under which a secret could travel (our value format and the SDK's shapes). */
const REDACTED_KEYS = new Set(['secretkey', 'secretaccesskey', 'secretstring', 'secretbinary', 'sessiontoken']);

export interface Logger {
  debug(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  error(message: string, context?: LogContext): void;
  setLevel(level: LogLevel): void;
  /** Keys added to every following line (step, secret, version) until the next reset. */
  appendKeys(keys: LogContext): void;
  resetKeys(): void;
}

/** Only the name and message of an error (and of its causes): stacks and SDK metadata stay out of the logs. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { name: typeof error, message: String(error) };
  }
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.cause !== undefined) {
    described.cause = describeError(error.cause);
  }
  return described;
}

function redact(key: string, value: unknown): unknown {
  if (REDACTED_KEYS.has(key.toLowerCase())) {
    return '[redacted]';
  }
  return value instanceof Error ? describeError(value) : value;
}

export function createLogger(
  level: LogLevel = toLogLevel(DEFAULT_FUNCTION_LOG_LEVEL),
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  let threshold = level;
  let persistentKeys: LogContext = {};

  const log = (lineLevel: LogLevel, message: string, context: LogContext = {}): void => {
    if (SEVERITY[lineLevel] < SEVERITY[threshold]) {
      return;
    }
    const entry = { level: lineLevel, message, timestamp: new Date().toISOString(), ...persistentKeys, ...context };
    write(JSON.stringify(entry, redact));
  };

  return {
    debug: (message, context) => log('debug', message, context),
    info: (message, context) => log('info', message, context),
    warn: (message, context) => log('warn', message, context),
    error: (message, context) => log('error', message, context),
    setLevel: (newLevel) => {
      threshold = newLevel;
    },
    appendKeys: (keys) => {
      persistentKeys = { ...persistentKeys, ...keys };
    },
    resetKeys: () => {
      persistentKeys = {};
    },
  };
}

/** The function's logger: one per container, its level set from LOG_LEVEL on each invocation. */
export const logger = createLogger();
