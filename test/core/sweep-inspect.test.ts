// What the sweep reads about one secret, and how it takes what it cannot read.
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type PreviousKeyPolicy, USER_TAG_KEY } from '../../core/contract';
import { inspectSecret } from '../../core/sweep/inspect';
import { formatFinding, notificationMessages, type Finding } from '../../core/sweep/findings';
import { listManagedSecrets, type ManagedSecret } from '../../core/sweep/managed-secret-list';
import {
  accessKey,
  CURRENT_KEY_ID,
  CURRENT_SECRET_KEY,
  NEW_KEY_ID,
  noSuchEntity,
  PREVIOUS_KEY_ID,
  resourceNotFound,
  useAwsMocks,
} from '../lambda/helpers';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf';
const STACK_POLICY: PreviousKeyPolicy = { action: 'deactivate-after-grace', graceDays: 7, inUse: 'hold' };
const secret = (
  versionIdsToStages: Record<string, string[]>,
  overrides: Partial<ManagedSecret> = {},
): ManagedSecret => ({
  arn: ARN,
  name: 'iam-key-rotation/alice',
  userName: 'alice',
  rotationEnabled: true,
  versionIdsToStages,
  ...overrides,
});
const value = (accesskey: string): string =>
  JSON.stringify({ username: 'alice', accesskey, secretkey: CURRENT_SECRET_KEY });

describe('inspecting a managed secret', () => {
  const mocks = useAwsMocks();
  const clients = {
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    iam: new IAMClient({ region: 'us-east-1' }),
  };

  test("reads the key ids of every label, the pending version's date, the user's keys and the previous key's last use", async () => {
    // GIVEN a rotation that left AWSPENDING on v3
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: value(CURRENT_KEY_ID) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: value(PREVIOUS_KEY_ID) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' })
      .resolves({ SecretString: value(NEW_KEY_ID) });
    const created = new Date('2026-11-30T00:00:00Z');
    mocks.secretsManager
      .on(ListSecretVersionIdsCommand)
      .resolvesOnce({ Versions: [{ VersionId: 'v1' }], NextToken: 'page-2' })
      .resolves({ Versions: [{ VersionId: 'v3', CreatedDate: created }] });
    mocks.iam
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [accessKey(CURRENT_KEY_ID), accessKey(PREVIOUS_KEY_ID)] });
    mocks.iam.on(GetAccessKeyLastUsedCommand).resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });

    // WHEN
    const inspection = await inspectSecret(
      clients,
      secret({ v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'], v3: ['AWSPENDING'] }),
      STACK_POLICY,
    );

    // THEN
    expect(inspection).toMatchObject({
      currentKeyId: CURRENT_KEY_ID,
      previousKeyId: PREVIOUS_KEY_ID,
      pendingKeyId: NEW_KEY_ID,
      pendingVersion: { id: 'v3', createdAt: created },
      previousKeyLastUse: { date: undefined, service: undefined, region: undefined },
      policy: { policy: STACK_POLICY, source: 'stack' },
      problems: [],
    });
    expect(inspection.keys?.map((key) => key.id)).toEqual([CURRENT_KEY_ID, PREVIOUS_KEY_ID]);
    expect(JSON.stringify(inspection)).not.toContain(CURRENT_SECRET_KEY);
  });

  test('a missing user, an unreadable value and an unreadable last use are told apart', async () => {
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: 'not json' });
    mocks.secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(resourceNotFound());
    mocks.iam.on(ListAccessKeysCommand).rejects(noSuchEntity());

    const inspection = await inspectSecret(clients, secret({ v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] }), STACK_POLICY);

    expect(inspection).toMatchObject({ currentKeyId: undefined, previousKeyId: undefined, keys: undefined });
    expect(inspection.problems).toEqual([expect.stringContaining('the AWSCURRENT value is not valid JSON')]);

    // and with the user back but IAM refusing the last-use call
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: value(CURRENT_KEY_ID) });
    mocks.secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: value(PREVIOUS_KEY_ID) });
    mocks.iam
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [accessKey(CURRENT_KEY_ID), accessKey(PREVIOUS_KEY_ID)] });
    mocks.iam.on(GetAccessKeyLastUsedCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const again = await inspectSecret(
      clients,
      secret(
        { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
        { previousKeyPolicyTag: 'action=keep grace-days=7 in-use=hold' },
      ),
      STACK_POLICY,
    );
    expect(again.previousKeyLastUse).toBe('unknown');
    expect(again.previousKeyLastUseError).toBe('AccessDenied: denied');
    expect(again.problems).toEqual([]);
    expect(again.policy).toEqual({ policy: { action: 'keep', graceDays: 7, inUse: 'hold' }, source: 'secret tag' });
  });

  test('stops at the keys when IAM lists them under another name than the tag (the user in another case): reads no value', async () => {
    // GIVEN iam-key-rotation/ALICE tagged ALICE, and IAM answering for ALICE with alice's keys
    mocks.secretsManager.on(GetSecretValueCommand).resolves({ SecretString: value(CURRENT_KEY_ID) });
    mocks.iam
      .on(ListAccessKeysCommand, { UserName: 'ALICE' })
      .resolves({ AccessKeyMetadata: [accessKey(CURRENT_KEY_ID, { user: 'alice' })] });

    // WHEN
    const inspection = await inspectSecret(
      clients,
      secret({ v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] }, { name: 'iam-key-rotation/ALICE', userName: 'ALICE' }),
      STACK_POLICY,
    );

    // THEN
    expect(inspection).toMatchObject({ userNameInIam: 'alice', problems: [] });
    expect(inspection.previousKeyId).toBeUndefined();
    expect(mocks.secretsManager.calls()).toHaveLength(0);
    expect(mocks.iam).not.toHaveReceivedCommand(GetAccessKeyLastUsedCommand);
  });

  test('listing pages through ListSecrets and keeps what the boundary accepts, in name order', async () => {
    mocks.secretsManager
      .on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [{ ARN: `${ARN}z`, Name: 'iam-key-rotation/zed', Tags: [{ Key: USER_TAG_KEY, Value: ' zed ' }] }],
        NextToken: 'next',
      })
      .resolves({
        SecretList: [
          { ARN, Name: 'iam-key-rotation/alice', Tags: [{ Key: USER_TAG_KEY, Value: 'alice' }] },
          { ARN: 'arn:other', Name: 'other' },
        ],
      });

    const secrets = await listManagedSecrets(clients.secretsManager, (arn) => arn !== 'arn:other');

    expect(secrets.map((entry) => [entry.name, entry.userName])).toEqual([
      ['iam-key-rotation/alice', 'alice'],
      ['iam-key-rotation/zed', 'zed'],
    ]);
    expect(mocks.secretsManager.commandCalls(ListSecretsCommand)[1].args[0].input.NextToken).toBe('next');
  });
});

describe('notification messages', () => {
  const finding = (index: number, severity: Finding['severity']): Finding => ({
    code: 'previous-key-in-use',
    severity,
    secret: `iam-key-rotation/user-${index}`,
    user: `user-${index}`,
    message: 'x'.repeat(2000),
  });

  test('none for a quiet sweep', () => {
    expect(notificationMessages([], 'fn', 0)).toEqual([]);
  });

  test("split into parts under SNS's size limit, each with the heading and a subject within 100 characters", () => {
    const findings = Array.from({ length: 300 }, (_, index) => finding(index, index === 299 ? 'error' : 'warning'));

    const messages = notificationMessages(
      findings,
      'iam-key-rotation (account 123456789012, us-east-1)',
      Date.parse('2026-12-01T06:00:00Z'),
    );

    expect(messages).toHaveLength(3);
    for (const [index, message] of messages.entries()) {
      expect(Buffer.byteLength(message.body)).toBeLessThanOrEqual(256 * 1024);
      expect(message.subject.length).toBeLessThanOrEqual(100);
      expect(message.subject).toBe(`iam-key-rotation: 1 error, 299 warnings (part ${index + 1} of 3)`);
      expect(message.severity).toBe('error');
    }
    const lines = messages.flatMap((message) =>
      message.body
        .split('\n')
        .slice(2)
        .filter((line) => line !== ''),
    );
    expect(lines).toHaveLength(300);
    expect(lines[0]).toBe(formatFinding(findings[299]));
  });
});
