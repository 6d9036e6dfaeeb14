import { parseArn, type ParsedArn } from '../core/arn';
import { ConfigurationError, type RotationScope } from '../core/errors';

/** What the function learns from the Lambda runtime's context object. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  /** The function's own ARN: its partition, region and account bound the secrets it acts on. */
  readonly invokedFunctionArn?: string;
}

/** Lambda's longest timeout: the bound on an invocation when no context tells its deadline. */
const LONGEST_INVOCATION_MS = 15 * 60 * 1000;

/** Epoch milliseconds at which this invocation is stopped. */
export function invocationDeadline(now: number, context: InvocationContext | undefined): number {
  return now + (context?.getRemainingTimeInMillis() ?? LONGEST_INVOCATION_MS);
}

/** @throws ConfigurationError if the context names no function ARN: without it the function cannot tell its own account. */
export function ownFunctionArn(context: InvocationContext | undefined, scope: RotationScope): ParsedArn {
  const arn = context?.invokedFunctionArn === undefined ? undefined : parseArn(context.invokedFunctionArn);
  if (arn === undefined || arn.service !== 'lambda') {
    throw new ConfigurationError(
      scope,
      `the invocation context names no function ARN (invokedFunctionArn, got ${JSON.stringify(context?.invokedFunctionArn)}), so the function cannot tell its own account and region`,
    );
  }
  return arn;
}
