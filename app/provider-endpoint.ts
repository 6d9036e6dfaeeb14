// An app-level setting (main.ts), not part of the construct library: points the AWS provider at the emulator.
import type { AwsProviderConfig } from '@cdktf/provider-aws/lib/provider';

/** The emulator URL (e.g. http://127.0.0.1:4566) the provider should talk to instead of AWS. */
export const TEST_ENDPOINT_ENV = 'IAM_KEY_ROTATION_TEST_ENDPOINT';

/** Every service the stack uses (canonical endpoint names: the provider rejects an alias and its name together). */
const SERVICES = [
  'cloudwatch',
  'events',
  'iam',
  'kms',
  'lambda',
  'logs',
  'scheduler',
  'secretsmanager',
  'sns',
  'sts',
] as const;

/**
 * TEST ONLY. Provider settings that point every service at a local AWS emulator (moto) when
 * IAM_KEY_ROTATION_TEST_ENDPOINT is set, with dummy credentials unless AWS_ACCESS_KEY_ID is set and no calls
 * to real AWS for validation. Returns no settings when the variable is unset, which is the production case.
 */
export function emulatorProviderSettings(env: NodeJS.ProcessEnv): Partial<AwsProviderConfig> {
  const endpoint = env[TEST_ENDPOINT_ENV];
  if (endpoint === undefined || endpoint === '') return {};
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) {
    throw new Error(
      `${TEST_ENDPOINT_ENV} must be an http(s) URL like http://127.0.0.1:4566, got ${JSON.stringify(endpoint)}`,
    );
  }
  const credentials = env.AWS_ACCESS_KEY_ID ? {} : { accessKey: 'test', secretKey: 'test' };
  return {
    ...credentials,
    endpoints: [Object.fromEntries(SERVICES.map((service) => [service, endpoint]))],
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
  };
}

/**
 * TEST ONLY. The same settings as an AWS provider block of a Terraform configuration (snake_case), for an override file
 * (`*_override.tf.json`) that points a plain Terraform root at the emulator; with `region`, the emulator's region.
 */
export function emulatorProviderBlock(env: NodeJS.ProcessEnv, region: string): Record<string, unknown> {
  const snake = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  const settings = emulatorProviderSettings(env);
  if (Object.keys(settings).length === 0)
    throw new Error(`${TEST_ENDPOINT_ENV} is not set: no emulator to point the provider at`);
  return { region, ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [snake(key), value])) };
}
