import { LOG_LEVELS as FUNCTION_LOG_LEVELS, type LogLevel as FunctionLogLevel } from './contract';

/** The contract's levels in lowercase, as they appear in the function's log lines. */
export type LogLevel = Lowercase<FunctionLogLevel>;
export const LOG_LEVELS: readonly LogLevel[] = FUNCTION_LOG_LEVELS.map((level) => toLogLevel(level));

/** The logger's name for a level of the contract (LOG_LEVEL is read case-insensitively). */
export function toLogLevel(level: FunctionLogLevel): LogLevel {
  return level.toLowerCase() as LogLevel;
}
