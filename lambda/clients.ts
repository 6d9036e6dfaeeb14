import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { sdkRetrySettings } from './retry-mode';

// Created once per container and reused across invocations. Region, endpoint (AWS_ENDPOINT_URL) and
// retries (AWS_MAX_ATTEMPTS) come from the environment, as the SDK reads them natively.
const retrySettings = sdkRetrySettings(process.env);
export const secretsManagerClient = new SecretsManagerClient(retrySettings);
export const iamClient = new IAMClient(retrySettings);
export const snsClient = new SNSClient(retrySettings);

/** Credentials of the access key under test. */
export interface KeyCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A client that signs with the given key: testSecret's only way to prove the key works. */
export type StsClientFactory = (credentials: KeyCredentials) => STSClient;

export const createStsClient: StsClientFactory = (credentials) =>
  new STSClient({
    ...retrySettings,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  });
