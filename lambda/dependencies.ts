import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createStsClient, iamClient, secretsManagerClient, type StsClientFactory } from './clients';
import { systemClock, type Clock } from './clock';
import type { RotationConfig } from './config';
import type { RotationRequest } from './event';
import { logger, type Logger } from './logger';
import type { SecretMetadata } from './secret-metadata';

/** Everything a step talks to; the handler passes the real ones, tests their own. */
export interface Dependencies {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly createStsClient: StsClientFactory;
  readonly logger: Logger;
  readonly clock: Clock;
}

export const defaultDependencies: Dependencies = {
  secretsManager: secretsManagerClient,
  iam: iamClient,
  createStsClient,
  logger,
  clock: systemClock,
};

/** What the pre-dispatch checks established, handed to the step. */
export interface StepInput {
  readonly request: RotationRequest;
  readonly metadata: SecretMetadata;
  readonly config: RotationConfig;
  /** Epoch milliseconds at which this invocation is stopped (the function's timeout). */
  readonly deadline: number;
}
