import { DEFAULT_LOG_LEVEL, loadConfig, type Environment } from './config';
import type { Dependencies, StepInput } from './dependencies';
import { parseRotationEvent, type RotationStep } from './event';
import { describeError } from './logger';
import { checkRotationRequest, describeSecret } from './secret-metadata';
import { createSecret } from './steps/create-secret';
import { finishSecret } from './steps/finish-secret';
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
}

/** Lambda's longest timeout: the bound on an invocation when no context tells its deadline. */
const LONGEST_INVOCATION_MS = 15 * 60 * 1000;

/**
 * One rotation step: parse the event, run the checks of AWS's rotation template, dispatch.
 * @throws InvalidEventError, ConfigurationError, RotationNotEnabledError, UnknownVersionError,
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

    const metadata = await describeSecret(deps.secretsManager, request.secretId);
    if (!checkRotationRequest(request, metadata)) {
      logger.info('the version is already AWSCURRENT; nothing to do', { outcome: 'already-current' });
      return;
    }
    await STEPS[request.step]({ request, metadata, config, deadline }, deps);
    logger.info('rotation step succeeded', { outcome: 'succeeded' });
  } catch (error) {
    logger.error('rotation step failed', { outcome: 'failed', error: describeError(error) });
    throw error;
  }
}
