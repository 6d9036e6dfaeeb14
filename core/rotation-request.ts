import { InvalidEventError, type RotationScope } from './errors';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** A validated Secrets Manager rotation event. */
export interface RotationRequest {
  /** As Secrets Manager sends it: the secret's ARN. */
  readonly secretId: string;
  /** The ClientRequestToken: the id of the version this rotation creates. */
  readonly token: string;
  readonly step: RotationStep;
}

const isRotationStep = (value: string): value is RotationStep => (ROTATION_STEPS as readonly string[]).includes(value);

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

const describeValue = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;

/**
 * @throws InvalidEventError if the event is not an object, SecretId, ClientRequestToken or Step is not a
 * non-empty string, or Step is not one of the four rotation steps.
 */
export function parseRotationEvent(event: unknown): RotationRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidEventError(
      {},
      `the event must be an object, got ${Array.isArray(event) ? 'array' : describeValue(event)}`,
    );
  }
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event as Record<string, unknown>;
  // Whatever is valid already helps the reader find the failed invocation.
  const scope: RotationScope = {
    secretId: isNonEmptyString(secretId) ? secretId : undefined,
    token: isNonEmptyString(token) ? token : undefined,
    step: isNonEmptyString(step) && isRotationStep(step) ? step : undefined,
  };

  if (isNonEmptyString(secretId) && isNonEmptyString(token) && isNonEmptyString(step)) {
    if (!isRotationStep(step)) {
      throw new InvalidEventError(
        scope,
        `invalid rotation event: Step must be one of ${ROTATION_STEPS.join(', ')}, got ${JSON.stringify(step)}`,
      );
    }
    return { secretId, token, step };
  }
  const fields = { SecretId: secretId, ClientRequestToken: token, Step: step };
  const problems = Object.entries(fields)
    .filter(([, value]) => !isNonEmptyString(value))
    // Only the type is echoed for non-strings: an unexpected payload is not ours to print.
    .map(([field, value]) => `${field} must be a non-empty string, got ${describeValue(value)}`);
  throw new InvalidEventError(scope, `invalid rotation event: ${problems.join('; ')}`);
}
