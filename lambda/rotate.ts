import { DEFAULT_LOG_LEVEL, loadFunctionSettings, type Environment } from '../core/function-settings';
import type { Dependencies, StepInput } from './dependencies';
import { parseRotationEvent, type RotationStep } from '../core/rotation-request';
import { invocationDeadline, ownFunctionArn, type InvocationContext } from './invocation-context';
import { dependenciesForSecret } from './grant-role-clients';
import { describeError } from './logger';
import { assertBoundSecret, assertManagedSecret } from '../core/managed-secrets';
import { checkRotationRequest, describeSecret, managedUserName } from '../core/secret/metadata';
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

/**
 * One rotation step: parse the event, refuse a secret that is not the stack's (before any AWS call, and again on the
 * ARN DescribeSecret returns) or that does not bind the user its tag names, run the checks of AWS's rotation template,
 * dispatch. finishSecret on a version that is
 * already AWSCURRENT finishes what an interrupted finishSecret left; the other steps have nothing to do then.
 * @throws InvalidEventError, ConfigurationError, UnmanagedSecretError, MissingUserTagError, RotationNotEnabledError, UnknownVersionError,
 * VersionNotPendingError, and whatever the step raises (see each step). Every failure is logged first.
 */
export async function rotate(
  event: unknown,
  deps: Dependencies,
  env: Environment,
  context?: InvocationContext,
): Promise<void> {
  const { logger, clock } = deps;
  const deadline = invocationDeadline(clock.now(), context);
  // The logger outlives the invocation: start clean.
  logger.resetKeys();
  logger.setLevel(DEFAULT_LOG_LEVEL);
  try {
    const request = parseRotationEvent(event);
    logger.appendKeys({ step: request.step, secret: request.secretId, version: request.token });
    const config = loadFunctionSettings(env, request);
    logger.setLevel(config.logLevel);
    logger.debug('rotation step invoked', {
      previousKeyPolicy: config.previousKeyPolicy,
      testBudgetMs: config.testBudgetMs,
    });
    const functionArn = ownFunctionArn(context, request);
    assertManagedSecret(request.secretId, config.managedSecrets, functionArn, request);

    const secretDeps = dependenciesForSecret(deps, config.grantRoles, request.secretId, functionArn);

    const metadata = await describeSecret(secretDeps.secretsManager, request.secretId);
    assertManagedSecret(metadata.arn, config.managedSecrets, functionArn, request);
    // Before any value is read or IAM is called: a secret someone else made under the prefix binds no user.
    assertBoundSecret(metadata.arn, metadata.name, managedUserName(request, metadata), config.managedSecrets, request);
    const input: StepInput = { request, metadata, config, deadline };
    if (!checkRotationRequest(request, metadata)) {
      if (request.step === 'finishSecret') {
        await finishRemainingWork(input, secretDeps);
      } else {
        logger.info('the version is already AWSCURRENT; nothing to do', { outcome: 'already-current' });
      }
      return;
    }
    await STEPS[request.step](input, secretDeps);
    logger.info('rotation step succeeded', { outcome: 'succeeded' });
  } catch (error) {
    logger.error('rotation step failed', { outcome: 'failed', error: describeError(error) });
    throw error;
  }
}
