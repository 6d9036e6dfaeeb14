import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsSettings, clientConfig, LazyClient } from '../../aws-settings';

/** The AWS clients a rotation needs, each created on first use. */
export interface RotateClients {
  readonly secretsManager: LazyClient<SecretsManagerClient>;
  readonly lambda: LazyClient<LambdaClient>;
  readonly logs: LazyClient<CloudWatchLogsClient>;
  readonly iam: LazyClient<IAMClient>;
}

export function rotateClients(aws: AwsSettings): RotateClients {
  return {
    secretsManager: new LazyClient(() => new SecretsManagerClient(clientConfig(aws))),
    lambda: new LazyClient(() => new LambdaClient(clientConfig(aws))),
    logs: new LazyClient(() => new CloudWatchLogsClient(clientConfig(aws))),
    iam: new LazyClient(() => new IAMClient(clientConfig(aws))),
  };
}

export function destroyClients(clients: RotateClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
