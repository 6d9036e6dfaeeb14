// Rotates one user's secret in the emulator and verifies, against IAM and STS, everything the demo shows about it.
import type { PreviousKeyAction } from '../core/contract';
import { type KeyCheck, maskKeyId, type RotationState, type StoredAccessKey } from '../emulator/aws-state';
import type { Redactor } from './redaction';

/** A claim of the demo that the emulator contradicts. */
export class CheckFailed extends Error {
  constructor(expectation: string) {
    super(expectation);
    this.name = 'CheckFailed';
  }
}

export function expectThat(condition: boolean, expectation: string): asserts condition {
  if (!condition) throw new CheckFailed(expectation);
}

export const ROTATIONS = 2;

// deactivate-after-grace leaves the previous key Active after the rotation: the daily sweep deactivates it days later.
const PREVIOUS_KEY_STATUS: Record<PreviousKeyAction, 'Active' | 'Inactive'> = {
  keep: 'Active',
  deactivate: 'Inactive',
  'deactivate-after-grace': 'Active',
};
const DELETED_KEY_ERROR = 'InvalidClientTokenId';

export interface ManagedSecret {
  readonly user: string;
  readonly secretArn: string;
}

export interface IamKey {
  readonly id: string;
  readonly status: string;
}

/** What IAM and STS say after the rotations; every field has been checked. */
export interface UserOutcome {
  readonly user: string;
  readonly firstKeyId: string;
  readonly previousKeyId: string;
  readonly currentKeyId: string;
  readonly iamKeys: readonly IamKey[];
  readonly currentKeyIdentity: string;
  readonly previousKeyStatus: string;
  readonly firstKeyRejection: string;
}

export class UserRotation {
  /** The secret's AWSCURRENT value after the bootstrap and after each rotation. */
  private readonly history: StoredAccessKey[] = [];

  constructor(
    private readonly state: RotationState,
    private readonly secret: ManagedSecret,
    private readonly redactor: Redactor,
  ) {}

  /** The key the first rotation (rotate_immediately, during terraform apply) created: the user's only key, and working. */
  async readBootstrapKey(): Promise<string> {
    const { user } = this.secret;
    const first = await this.readCurrentKey('after terraform apply');
    const keyIds = await this.iamKeyIds();
    expectThat(
      keyIds.length === 1 && keyIds[0] === first.accesskey,
      `${user}: after terraform apply IAM must hold exactly the secret's key ${maskKeyId(first.accesskey)}, ` +
        `it holds [${keyIds.map(maskKeyId).join(', ')}]`,
    );
    await this.expectAuthenticatesAsUser(first, 'the first key');
    return first.accesskey;
  }

  /** Runs rotation number `n` (RotateSecret waits for all four steps) and returns the new key id. */
  async rotate(n: number): Promise<string> {
    const before = this.latest();
    await this.state.rotate(this.secret.secretArn);
    const after = await this.readCurrentKey(`after rotation ${n}`);
    expectThat(
      after.accesskey !== before.accesskey,
      `${this.secret.user}: rotation ${n} must put a new key in the secret, it still holds ${maskKeyId(before.accesskey)}`,
    );
    return after.accesskey;
  }

  /** Checks the state after ROTATIONS rotations: current key works, previous key per the action, first key gone. */
  async verifyAfterRotations(action: PreviousKeyAction): Promise<UserOutcome> {
    const { user } = this.secret;
    expectThat(
      this.history.length === ROTATIONS + 1,
      `${user}: ${ROTATIONS} rotations must have run before the final checks`,
    );
    const first = this.history[0]!;
    const previous = this.history[this.history.length - 2]!;
    const current = this.latest();

    const iamKeys = await this.iamKeys();
    const heldIds = iamKeys.map((key) => key.id).sort();
    expectThat(
      heldIds.length === 2 && heldIds.join() === [previous.accesskey, current.accesskey].sort().join(),
      `${user}: after ${ROTATIONS} rotations IAM must hold exactly 2 keys, the current ${maskKeyId(current.accesskey)} and the previous ` +
        `${maskKeyId(previous.accesskey)}; it holds [${describeKeys(iamKeys)}]`,
    );
    const currentKeyIdentity = await this.expectAuthenticatesAsUser(current, 'the current key');

    const expectedStatus = PREVIOUS_KEY_STATUS[action];
    const previousKeyStatus = iamKeys.find((key) => key.id === previous.accesskey)?.status ?? 'absent';
    expectThat(
      previousKeyStatus === expectedStatus,
      `${user}: the previous key ${maskKeyId(previous.accesskey)} must be ${expectedStatus} (previousKeyAction '${action}'), ` +
        `IAM says ${previousKeyStatus}`,
    );

    expectThat(
      !iamKeys.some((key) => key.id === first.accesskey),
      `${user}: the first key ${maskKeyId(first.accesskey)} must be deleted from IAM by rotation ${ROTATIONS}, it is still listed`,
    );
    const firstKeyCheck = await this.state.checkKey(first);
    expectThat(
      'errorCode' in firstKeyCheck && firstKeyCheck.errorCode === DELETED_KEY_ERROR,
      `${user}: STS must reject the deleted first key ${maskKeyId(first.accesskey)} with ${DELETED_KEY_ERROR}, ` +
        `it answered ${describeCheck(firstKeyCheck)}`,
    );

    return {
      user,
      firstKeyId: first.accesskey,
      previousKeyId: previous.accesskey,
      currentKeyId: current.accesskey,
      iamKeys,
      currentKeyIdentity,
      previousKeyStatus,
      firstKeyRejection: firstKeyCheck.errorCode,
    };
  }

  private latest(): StoredAccessKey {
    const latest = this.history[this.history.length - 1];
    if (latest === undefined) throw new Error(`${this.secret.user}: read the bootstrap key before rotating`);
    return latest;
  }

  private async readCurrentKey(when: string): Promise<StoredAccessKey> {
    const { user, secretArn } = this.secret;
    const value = await this.state.currentValue(secretArn);
    expectThat(value !== undefined, `${user}: the secret must have an AWSCURRENT value ${when}, it has none`);
    this.redactor.remember(value.secretkey);
    expectThat(
      value.username === user,
      `${user}: the secret's value must name user '${user}' ${when}, it names '${value.username}'`,
    );
    expectThat(
      typeof value.accesskey === 'string' && typeof value.secretkey === 'string' && value.secretkey !== '',
      `${user}: the secret's value must hold an access key and its secret ${when}`,
    );
    this.history.push(value);
    return value;
  }

  private async expectAuthenticatesAsUser(key: StoredAccessKey, which: string): Promise<string> {
    const { user } = this.secret;
    const check = await this.state.checkKey(key);
    expectThat(
      'arn' in check && isUserArn(check.arn, user),
      `${user}: ${which} ${maskKeyId(key.accesskey)} must authenticate (STS GetCallerIdentity) as arn:aws:iam::<account>:user/${user}, ` +
        `STS answered ${describeCheck(check)}`,
    );
    return check.arn;
  }

  private async iamKeys(): Promise<IamKey[]> {
    const keys = await this.state.keys(this.secret.user);
    return keys.map((key) => ({ id: key.AccessKeyId ?? '?', status: key.Status ?? '?' }));
  }

  private async iamKeyIds(): Promise<string[]> {
    return (await this.iamKeys()).map((key) => key.id);
  }
}

function isUserArn(arn: string, user: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:user\//.test(arn) && arn.endsWith(`/${user}`);
}

function describeCheck(check: KeyCheck): string {
  return 'arn' in check ? check.arn : check.errorCode;
}

export function describeKeys(keys: readonly IamKey[]): string {
  return keys.map((key) => `${maskKeyId(key.id)} ${key.status}`).join(', ');
}
