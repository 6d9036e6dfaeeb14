// The sweep's decisions, table-driven: one inspected secret and a time in, findings and at most one deactivation out.
import type { PreviousKeyPolicy } from '../../core/contract';
import { decide } from '../../core/sweep/decide';
import { FINDING_CODES } from '../../core/sweep/findings';
import type { AccessKeyState, SecretInspection } from '../../core/sweep/inspect';
import type { ManagedSecret } from '../../core/sweep/managed-secret-list';
import { checkedBlock, unquote } from '../support/doc-snippets';

const DAY = 24 * 60 * 60 * 1000;
const ROTATED = Date.parse('2026-11-01T10:00:00Z');
const at = (days: number): number => ROTATED + days * DAY;
const CURRENT = 'AKIACURRENTKEY000001';
const PREVIOUS = 'AKIAPREVIOUSKEY00001';
const PENDING = 'AKIAPENDINGKEY000001';
const STRANGER = 'AKIASTRANGERKEY00001';
const GRACE: PreviousKeyPolicy = { action: 'deactivate-after-grace', graceDays: 7, inUse: 'hold' };

const secret = (overrides: Partial<ManagedSecret> = {}): ManagedSecret => ({
  arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:iam-key-rotation/alice-AbCdEf',
  name: 'iam-key-rotation/alice',
  userName: 'alice',
  rotationEnabled: true,
  automaticallyAfterDays: 30,
  createdDate: new Date(at(-100)),
  lastRotatedDate: new Date(ROTATED),
  nextRotationDate: new Date(at(30)),
  versionIdsToStages: { v2: ['AWSCURRENT'], v1: ['AWSPREVIOUS'] },
  ...overrides,
});

const key = (id: string, status = 'Active', createdAt = new Date(ROTATED)): AccessKeyState => ({
  id,
  status,
  createdAt,
});

const inspection = (
  overrides: Partial<SecretInspection> = {},
  policy: PreviousKeyPolicy = GRACE,
): SecretInspection => ({
  secret: secret(),
  policy: { policy, source: 'stack' },
  currentKeyId: CURRENT,
  previousKeyId: PREVIOUS,
  keys: [key(CURRENT), key(PREVIOUS, 'Active', new Date(at(-30)))],
  previousKeyLastUse: { date: new Date(at(-1)), service: 's3', region: 'eu-west-1' },
  problems: [],
  ...overrides,
});

const codes = (decision: ReturnType<typeof decide>): string[] =>
  decision.findings.map((finding) => `${finding.severity}:${finding.code}`);

describe('the sweep decides on the previous key by its policy', () => {
  test.each([
    // policy, days since the rotation, last use of the previous key (days from the rotation; null: never), expected
    ['grace not over yet', GRACE, 6.9, -1, undefined, []],
    ['grace over, unused since the rotation', GRACE, 7, -1, 'info:previous-key-deactivated', []],
    ['grace over, never used at all', GRACE, 8, null, 'info:previous-key-deactivated', []],
    ['grace over, used after the rotation: held', GRACE, 8, 2, undefined, ['warning:previous-key-in-use']],
    [
      'grace over, used after the rotation, in-use deactivate',
      { ...GRACE, inUse: 'deactivate' },
      8,
      2,
      'warning:previous-key-deactivated-in-use',
      [],
    ],
    ['a longer grace', { ...GRACE, graceDays: 30 }, 29, -1, undefined, []],
    ['keep never deactivates', { ...GRACE, action: 'keep' }, 29, -1, undefined, []],
    [
      'deactivate finishes a deactivation finishSecret left',
      { ...GRACE, action: 'deactivate' },
      0,
      2,
      'info:previous-key-deactivated',
      [],
    ],
  ] as const)('%s', (_name, policy, days, usedDay, deactivation, findings) => {
    // GIVEN
    const lastUse = usedDay === null ? {} : { date: new Date(at(usedDay)), service: 's3', region: 'eu-west-1' };

    // WHEN
    const decision = decide(inspection({ previousKeyLastUse: lastUse }, policy), at(days));

    // THEN
    expect(codes(decision)).toEqual(findings);
    if (deactivation === undefined) {
      expect(decision.deactivate).toBeUndefined();
    } else {
      expect(decision.deactivate).toMatchObject({ accessKeyId: PREVIOUS, userName: 'alice' });
      expect(`${decision.deactivate?.finding.severity}:${decision.deactivate?.finding.code}`).toBe(deactivation);
    }
  });

  test('a held key names the service and region of its last use, and what to do', () => {
    const decision = decide(
      inspection({ previousKeyLastUse: { date: new Date(at(3)), service: 's3', region: 'eu-west-1' } }),
      at(8),
    );

    expect(decision.findings[0].message).toBe(
      'The previous key AKIA…0001 was used on 2026-11-04 by s3 in eu-west-1, after the rotation on 2026-11-01, so it stays Active past its 7-day grace period. ' +
        "Point that consumer at the secret's AWSCURRENT value (or iam-key-rotation credentials); the sweep checks again tomorrow. " +
        'To deactivate it anyway, set previousKeyInUse to deactivate.',
    );
  });

  test.each([
    ['already Inactive', [key(CURRENT), key(PREVIOUS, 'Inactive')]],
    ['deleted from IAM', [key(CURRENT)]],
  ])('a previous key %s is left alone', (_name, keys) => {
    expect(decide(inspection({ keys }), at(30))).toEqual({ findings: [] });
  });

  test('the AWSCURRENT key is never deactivated, even when AWSPREVIOUS names it too', () => {
    expect(decide(inspection({ previousKeyId: CURRENT, keys: [key(CURRENT)] }), at(30)).deactivate).toBeUndefined();
  });

  test('when IAM could not tell the last use, the key stays Active with a warning', () => {
    const decision = decide(
      inspection({ previousKeyLastUse: 'unknown', previousKeyLastUseError: 'Throttling: Rate exceeded' }),
      at(8),
    );
    expect(decision.deactivate).toBeUndefined();
    expect(codes(decision)).toEqual(['warning:previous-key-last-use-unknown']);
    expect(decision.findings[0].message).toBe(
      'The grace period of the previous key AKIA…0001 has passed, but IAM could not tell when it was last used (Throttling: Rate exceeded), so it stays Active. The sweep tries again tomorrow.',
    );
  });

  test("without the current key in IAM, the grace counts from the secret's last rotation", () => {
    const decision = decide(inspection({ keys: [key(PREVIOUS, 'Active', new Date(at(-30)))] }), at(8));
    expect(decision.deactivate?.accessKeyId).toBe(PREVIOUS);
    expect(codes(decision)).toEqual(['error:current-key-missing']);
  });
});

describe('the sweep detects what needs a person', () => {
  test.each<[string, Partial<SecretInspection>, number, string[]]>([
    ['nothing wrong', {}, 3, []],
    ['rotation turned off by hand', { secret: secret({ rotationEnabled: false }) }, 3, ['error:rotation-disabled']],
    [
      "overdue by Secrets Manager's due date",
      { secret: secret({ nextRotationDate: new Date(at(30)) }) },
      31.5,
      ['error:rotation-overdue'],
    ],
    ['due yesterday is within the day of slack', { secret: secret({ nextRotationDate: new Date(at(30)) }) }, 30.5, []],
    [
      'overdue by the schedule when no due date is known',
      { secret: secret({ nextRotationDate: undefined, automaticallyAfterDays: 10 }) },
      11.5,
      ['error:rotation-overdue'],
    ],
    [
      'a pending version older than an hour is stuck',
      {
        pendingVersion: { id: 'v3', createdAt: new Date(at(2)) },
        pendingKeyId: PENDING,
        keys: [key(CURRENT), key(PENDING)],
      },
      2.1,
      ['error:rotation-stuck'],
    ],
    [
      'a pending version of a rotation running now is not',
      {
        pendingVersion: { id: 'v3', createdAt: new Date(at(2)) },
        pendingKeyId: PENDING,
        keys: [key(CURRENT), key(PENDING)],
      },
      2.01,
      [],
    ],
    [
      'an Active key the secret does not know',
      { keys: [key(CURRENT), key(STRANGER)], previousKeyId: undefined },
      3,
      ['error:unknown-active-key'],
    ],
    [
      'an Inactive unknown key is not a finding',
      { keys: [key(CURRENT), key(STRANGER, 'Inactive')], previousKeyId: undefined },
      3,
      [],
    ],
    ['the user no longer exists', { keys: undefined }, 3, ['error:user-missing']],
    [
      'the current key was deleted from IAM',
      { keys: [key(PREVIOUS)], previousKeyId: PREVIOUS },
      3,
      ['error:current-key-missing'],
    ],
    [
      'the current key was set Inactive',
      { keys: [key(CURRENT, 'Inactive')], previousKeyId: undefined },
      3,
      ['error:current-key-inactive'],
    ],
    [
      'never rotated, a day after the secret was made',
      {
        currentKeyId: undefined,
        previousKeyId: undefined,
        keys: [],
        secret: secret({ createdDate: new Date(at(0)), versionIdsToStages: {} }),
      },
      1.5,
      ['error:never-rotated'],
    ],
    [
      'not rotated yet on its first day',
      {
        currentKeyId: undefined,
        previousKeyId: undefined,
        keys: [],
        secret: secret({ createdDate: new Date(at(0)), versionIdsToStages: {} }),
      },
      0.5,
      [],
    ],
    ['a blank user tag', { secret: secret({ userName: '' }) }, 3, ['error:user-tag-blank']],
    [
      'a tag naming the user in another case than IAM: nothing else judged, no key retired',
      {
        secret: secret({ userName: 'ALICE' }),
        userNameInIam: 'alice',
        currentKeyId: undefined,
        previousKeyId: PREVIOUS,
      },
      10,
      ['error:secret-unbound'],
    ],
    ['keys IAM names no user for', { userNameInIam: '' }, 10, ['error:secret-unbound']],
    [
      'a policy tag that does not parse',
      { policy: { policy: GRACE, source: 'stack', problem: 'the tag "x" is not a policy' } },
      3,
      ['warning:policy-tag-invalid'],
    ],
    [
      'a value that does not parse',
      { problems: ['the AWSPREVIOUS value is not valid JSON'] },
      3,
      ['error:unreadable-value'],
    ],
  ])('%s', (_name, overrides, days, expected) => {
    expect(codes(decide(inspection(overrides), at(days)))).toEqual(expected);
  });

  test('every message names what to do and no key in full', () => {
    const decision = decide(
      inspection({ keys: [key(CURRENT, 'Inactive'), key(STRANGER)], secret: secret({ rotationEnabled: false }) }),
      at(3),
    );
    expect(decision.findings).toHaveLength(3);
    for (const finding of decision.findings) {
      expect(finding).toMatchObject({ secret: 'iam-key-rotation/alice', user: 'alice' });
      expect(finding.message).toMatch(/run|Run|Set|Find|Remove|Point/);
      expect(finding.message).not.toMatch(/AKIA[A-Z0-9]{16}/);
    }
  });
});

describe('docs/operations.md', () => {
  test('lists every finding the sweep can report, and no other', () => {
    const listed = checkedBlock('docs/operations.md', 'findings').rows.map(([code]) => unquote(code));
    expect(listed).toEqual([...FINDING_CODES]);
  });
});
