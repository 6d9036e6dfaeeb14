import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { UnexpectedResponseError } from '../core/errors';
import { sdkRetrySettings } from './retry-mode';

/** The clients that act on secrets and users, signing as one role. */
export interface RoleClients {
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
}

/** The shortest session STS grants: a rotation step or a sweep needs minutes. */
const SESSION_SECONDS = 900;
/** Take new credentials this long before the old ones expire, so that no call signs with credentials about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const SESSION_NAME = 'iam-key-rotation';

/** Temporary credentials as the SDK's clients take them. */
interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const retrySettings = sdkRetrySettings(process.env);
const sts = new STSClient(retrySettings);
/** One pair of clients per role, reused across invocations of a warm container, as the function's own clients are. */
const clientsByRole = new Map<string, RoleClients>();

/** Clients that sign with the credentials of `roleArn`, assumed with the function's own role when first needed. */
export function assumedRoleClients(roleArn: string): RoleClients {
  let clients = clientsByRole.get(roleArn);
  if (clients === undefined) {
    const credentials = assumedRoleCredentials(roleArn);
    clients = {
      iam: new IAMClient({ ...retrySettings, credentials }),
      secretsManager: new SecretsManagerClient({ ...retrySettings, credentials }),
    };
    clientsByRole.set(roleArn, clients);
  }
  return clients;
}

/** A credentials provider that assumes the role once per session, however many calls ask for it at once. */
function assumedRoleCredentials(roleArn: string): () => Promise<AwsCredentialIdentity> {
  let session: Promise<AwsCredentialIdentity> | undefined;
  let expires = Number.POSITIVE_INFINITY;
  return () => {
    if (session === undefined || Date.now() > expires - REFRESH_MARGIN_MS) {
      expires = Number.POSITIVE_INFINITY;
      const attempt = assumeRole(roleArn).then((identity) => {
        expires = identity.expiration?.getTime() ?? Date.now() + SESSION_SECONDS * 1000;
        return identity;
      });
      session = attempt;
      // A failed attempt is not kept: the next call tries again.
      attempt.catch(() => {
        if (session === attempt) session = undefined;
      });
    }
    return session;
  };
}

async function assumeRole(roleArn: string): Promise<AwsCredentialIdentity> {
  const { Credentials: credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: SESSION_NAME, DurationSeconds: SESSION_SECONDS }),
  );
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new UnexpectedResponseError({ step: `assuming ${roleArn}` }, 'STS AssumeRole returned no credentials');
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}
