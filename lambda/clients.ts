import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';

// Created once per container and reused across invocations. Region, endpoint (AWS_ENDPOINT_URL) and
// retries (AWS_MAX_ATTEMPTS) come from the environment, as the SDK reads them natively.
export const secretsManagerClient = new SecretsManagerClient({});
export const iamClient = new IAMClient({});
export const snsClient = new SNSClient({});

/** Credentials of the access key under test. */
export interface KeyCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A client that signs with the given key: testSecret's only way to prove the key works. */
export type StsClientFactory = (credentials: KeyCredentials) => STSClient;

export const createStsClient: StsClientFactory = (credentials) =>
  new STSClient({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey } });
