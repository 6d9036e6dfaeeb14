import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { createStsClient, iamClient, secretsManagerClient, snsClient, type StsClientFactory } from './clients';
import { assumedRoleClients, type RoleClients } from './role-clients';
import { systemClock, type Clock } from './clock';
import type { FunctionSettings } from '../core/function-settings';
import type { RotationRequest } from '../core/rotation-request';
import { logger, type Logger } from './logger';
import type { SecretMetadata } from '../core/secret/metadata';

/** Everything a step talks to; the handler passes the real ones, tests their own. */
export interface Dependencies {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  /** The sweep publishes its findings with it. */
  readonly sns: SNSClient;
  readonly createStsClient: StsClientFactory;
  /** Clients signing as a grant role (lambda/grant-role-clients.ts), which the function's own role assumes. */
  readonly assumeRole: (roleArn: string) => RoleClients;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where embedded-format metric lines go (stdout in Lambda, whatever the log level). */
  readonly writeMetric: (line: string) => void;
}

export const defaultDependencies: Dependencies = {
  secretsManager: secretsManagerClient,
  iam: iamClient,
  sns: snsClient,
  createStsClient,
  assumeRole: assumedRoleClients,
  logger,
  clock: systemClock,
  writeMetric: (line) => console.log(line),
};

/** What the pre-dispatch checks established, handed to the step. */
export interface StepInput {
  readonly request: RotationRequest;
  readonly metadata: SecretMetadata;
  readonly config: FunctionSettings;
  /** Epoch milliseconds at which this invocation is stopped (the function's timeout). */
  readonly deadline: number;
}
