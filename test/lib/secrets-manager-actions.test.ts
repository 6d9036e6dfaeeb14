// The role's Deny must name every Secrets Manager action that acts on a secret. The list is derived from the SDK's
// commands (one per API action), so an SDK upgrade that brings a new action fails here until the Deny names it.
import * as SecretsManager from '@aws-sdk/client-secrets-manager';
import {
  SECRETS_MANAGER_ACCOUNT_ACTIONS,
  SECRETS_MANAGER_SECRET_ACTIONS,
} from '../../lib/grants/secrets-manager-actions';
import { onlyResource, policyOf, synthRotation } from './fixtures';

/** `secretsmanager:<Action>` for each `<Action>Command` class the SDK exports. */
function sdkActions(): string[] {
  return Object.entries(SecretsManager)
    .filter(([name, value]) => /^[A-Z]\w*Command$/.test(name) && typeof value === 'function')
    .map(([name]) => `secretsmanager:${name.slice(0, -'Command'.length)}`)
    .sort();
}

describe('the Deny of the secrets outside the stack', () => {
  test('the SDK has the commands this test relies on', () => {
    expect(sdkActions()).toEqual(
      expect.arrayContaining([
        'secretsmanager:GetSecretValue',
        'secretsmanager:ListSecrets',
        'secretsmanager:BatchGetSecretValue',
      ]),
    );
    expect(sdkActions().length).toBeGreaterThan(20);
  });

  test('names every action of the SDK but those whose resource is `*`', () => {
    // GIVEN
    const deny = policyOf(onlyResource(synthRotation().json, 'aws_iam_role_policy')).Statement.find(
      (statement) => statement.Sid === 'DenySecretsOutsideTheStack',
    );
    // THEN
    const missing = sdkActions().filter(
      (action) => !SECRETS_MANAGER_ACCOUNT_ACTIONS.includes(action) && !(deny?.Action as string[]).includes(action),
    );
    expect(missing).toEqual([]);
  });

  test('names no action the SDK does not know (a typo would deny nothing)', () => {
    const known = new Set(sdkActions());
    expect(SECRETS_MANAGER_SECRET_ACTIONS.filter((action) => !known.has(action))).toEqual([]);
    expect(SECRETS_MANAGER_ACCOUNT_ACTIONS.filter((action) => !known.has(action))).toEqual([]);
  });

  test('leaves out only ListSecrets, GetRandomPassword and BatchGetSecretValue', () => {
    expect(sdkActions().filter((action) => !SECRETS_MANAGER_SECRET_ACTIONS.includes(action))).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:GetRandomPassword',
      'secretsmanager:ListSecrets',
    ]);
  });
});
