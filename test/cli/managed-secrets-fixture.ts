// Managed secrets on the emulator without terraform: IAM users, the built rotation function (dist/lambda.zip) with its
// role, and secrets tagged and put under rotation as the construct would. Keeps the CLI suite to seconds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { FUNCTION_ENV, USER_TAG_KEY } from '../../core/contract';
import type { Emulator } from '../../emulator/emulator';
import { PROJECT_ROOT } from '../support/paths';

export const FUNCTION_ZIP = path.join(PROJECT_ROOT, 'dist', 'lambda.zip');
export const FUNCTION_NAME = 'iam-key-rotation';
/** The stack's trust boundary, as the construct writes it: two prefixes, so --stack-prefix has something to pick. */
export const MANAGED_SECRETS = ['iam-key-rotation/*', 'team-b/*'];

const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
// The construct's policy is least privilege; these tests are about the CLI, so the role may do what rotation needs.
const ROTATION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['secretsmanager:*', 'iam:*', 'logs:*', 'sns:Publish'], Resource: '*' }],
});

export class ManagedSecretsFixture {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  readonly lambda: LambdaClient;
  functionArn = '';

  constructor(emulator: Emulator) {
    this.secretsManager = new SecretsManagerClient(emulator.clientConfig());
    this.iam = new IAMClient(emulator.clientConfig());
    this.lambda = new LambdaClient(emulator.clientConfig());
  }

  /** The rotation function, from the zip terraform would deploy. */
  async createRotationFunction(environment: Record<string, string> = {}): Promise<string> {
    const { Role } = await this.iam.send(
      new CreateRoleCommand({ RoleName: `${FUNCTION_NAME}-role`, AssumeRolePolicyDocument: LAMBDA_TRUST }),
    );
    await this.iam.send(
      new PutRolePolicyCommand({
        RoleName: `${FUNCTION_NAME}-role`,
        PolicyName: 'rotation',
        PolicyDocument: ROTATION_POLICY,
      }),
    );
    const created = await this.lambda.send(
      new CreateFunctionCommand({
        FunctionName: FUNCTION_NAME,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: Role?.Arn,
        Timeout: 60,
        Code: { ZipFile: fs.readFileSync(FUNCTION_ZIP) },
        Environment: { Variables: { [FUNCTION_ENV.managedSecrets]: JSON.stringify(MANAGED_SECRETS), ...environment } },
      }),
    );
    this.functionArn = created.FunctionArn ?? '';
    return this.functionArn;
  }

  async createUser(userName: string): Promise<void> {
    await this.iam.send(new CreateUserCommand({ UserName: userName }));
  }

  /**
   * A secret (tagged with `user`, if given) under rotation by the function; the first rotation runs at once, as
   * `rotate_immediately` does, and creates the user's first key. With `refused`, the function is expected to refuse
   * the secret (a foreign one): the rotation stays configured, the failure is ignored. Returns the ARN.
   */
  async createSecret(
    name: string,
    options: { user?: string; value?: object; firstRotation?: 'succeeds' | 'refused' } = {},
  ): Promise<string> {
    const created = await this.secretsManager.send(
      new CreateSecretCommand({
        Name: name,
        ...(options.user === undefined ? {} : { Tags: [{ Key: USER_TAG_KEY, Value: options.user }] }),
        ...(options.value === undefined ? {} : { SecretString: JSON.stringify(options.value) }),
      }),
    );
    const arn = created.ARN ?? '';
    try {
      await this.secretsManager.send(
        new RotateSecretCommand({
          SecretId: arn,
          RotationLambdaARN: this.functionArn,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
    } catch (error) {
      if (options.firstRotation !== 'refused' || !/Rotation failed/.test((error as Error).message)) throw error;
    }
    return arn;
  }

  /** Every secret access key any version of the secrets holds: none may appear in the CLI's output but `credentials`'. */
  async secretKeys(secretIds: readonly string[]): Promise<string[]> {
    const keys: string[] = [];
    for (const secretId of secretIds) {
      const { Versions } = await this.secretsManager.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }),
      );
      for (const version of Versions ?? []) {
        try {
          const { SecretString } = await this.secretsManager.send(
            new GetSecretValueCommand({ SecretId: secretId, VersionId: version.VersionId }),
          );
          const secretkey = (JSON.parse(SecretString ?? '{}') as { secretkey?: unknown }).secretkey;
          if (typeof secretkey === 'string' && secretkey !== '') keys.push(secretkey);
        } catch (error) {
          if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        }
      }
    }
    return keys;
  }

  /** The AWSCURRENT value's key pair. */
  async currentKey(secretId: string): Promise<{ accesskey: string; secretkey: string; username: string }> {
    const { SecretString } = await this.secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
    );
    return JSON.parse(SecretString ?? '{}') as { accesskey: string; secretkey: string; username: string };
  }

  close(): void {
    this.secretsManager.destroy();
    this.iam.destroy();
    this.lambda.destroy();
  }
}
