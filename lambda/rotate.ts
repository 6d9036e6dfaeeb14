import { parseArn, type ParsedArn } from './arn';
import { DEFAULT_LOG_LEVEL, loadConfig, type Environment } from './config';
import type { Dependencies, StepInput } from './dependencies';
import { ConfigurationError, type RotationScope } from './errors';
import { parseRotationEvent, type RotationStep } from './event';
import { describeError } from './logger';
import { assertManagedSecret } from './managed-secrets';
import { checkRotationRequest, describeSecret } from './secret-metadata';
import { createSecret } from './steps/create-secret';
import { finishSecret, finishRemainingWork } from './steps/finish-secret';
import { setSecret } from './steps/set-secret';
import { testSecret } from './steps/test-secret';

const STEPS: Record<RotationStep, (input: StepInput, deps: Dependencies) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/** What the function learns from the Lambda runtime's context object. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  /** The function's own ARN: its partition, region and account bound the secrets it acts on. */
  readonly invokedFunctionArn?: string;
}

/** Lambda's longest timeout: the bound on an invocation when no context tells its deadline. */
const LONGEST_INVOCATION_MS = 15 * 60 * 1000;

/**
 * One rotation step: parse the event, refuse a secret that is not the stack's (before any AWS call, and again on the
 * ARN DescribeSecret returns), run the checks of AWS's rotation template, dispatch. finishSecret on a version that is
 * already AWSCURRENT finishes what an interrupted finishSecret left; the other steps have nothing to do then.
 * @throws InvalidEventError, ConfigurationError, UnmanagedSecretError, RotationNotEnabledError, UnknownVersionError,
 * VersionNotPendingError, and whatever the step raises (see each step). Every failure is logged first.
 */
export async function rotate(event: unknown, deps: Dependencies, env: Environment, context?: InvocationContext): Promise<void> {
  const { logger, clock } = deps;
  const deadline = clock.now() + (context?.getRemainingTimeInMillis() ?? LONGEST_INVOCATION_MS);
  // The logger outlives the invocation: start clean.
  logger.resetKeys();
  logger.setLevel(DEFAULT_LOG_LEVEL);
  try {
    const request = parseRotationEvent(event);
    logger.appendKeys({ step: request.step, secret: request.secretId, version: request.token });
    const config = loadConfig(env, request);
    logger.setLevel(config.logLevel);
    logger.debug('rotation step invoked', { previousKeyAction: config.previousKeyAction, testBudgetMs: config.testBudgetMs });
    const functionArn = ownFunctionArn(context, request);
    assertManagedSecret(request.secretId, config.managedSecrets, functionArn, request);

    const metadata = await describeSecret(deps.secretsManager, request.secretId);
    assertManagedSecret(metadata.arn, config.managedSecrets, functionArn, request);
    const input: StepInput = { request, metadata, config, deadline };
    if (!checkRotationRequest(request, metadata)) {
      if (request.step === 'finishSecret') {
        await finishRemainingWork(input, deps);
      } else {
        logger.info('the version is already AWSCURRENT; nothing to do', { outcome: 'already-current' });
      }
      return;
    }
    await STEPS[request.step](input, deps);
    logger.info('rotation step succeeded', { outcome: 'succeeded' });
  } catch (error) {
    logger.error('rotation step failed', { outcome: 'failed', error: describeError(error) });
    throw error;
  }
}

/** @throws ConfigurationError if the context names no function ARN: without it the function cannot tell its own account. */
function ownFunctionArn(context: InvocationContext | undefined, scope: RotationScope): ParsedArn {
  const arn = context?.invokedFunctionArn === undefined ? undefined : parseArn(context.invokedFunctionArn);
  if (arn === undefined || arn.service !== 'lambda') {
    throw new ConfigurationError(
      scope,
      `the invocation context names no function ARN (invokedFunctionArn, got ${JSON.stringify(context?.invokedFunctionArn)}), so the function cannot tell its own account and region`,
    );
  }
  return arn;
}
