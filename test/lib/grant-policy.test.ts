import { Lazy } from 'cdktf';
import { grantRoleIndex } from '../../core/contract';
import { MAX_GRANT_ROLES, grantRoleCount } from '../../lib/grants/grant-role-count';
import { GrantSizing, PolicyFill, grantShare, policiesNeeded, grantPolicySize } from '../../lib/grants/grant-policy';

const grant = (index: number, nameLength = 8): GrantSizing => ({
  secretName: `iam-key-rotation/${String(index).padStart(nameLength, 'u')}`,
  configuredUserName: String(index).padStart(nameLength, 'u'),
});

describe('policy sizing', () => {
  test('adding up grants gives the size of the policy written out', () => {
    const grants = Array.from({ length: 20 }, (_, index) => grant(index, 1 + ((index * 7) % 40)));
    const fill = new PolicyFill();
    grants.forEach((each, index) => {
      fill.add(grantShare(each));
      expect(fill.policies).toBe(1);
      expect(fill.size).toBe(grantPolicySize(grants.slice(0, index + 1)));
    });
  });

  test('a policy is full exactly when the next grant would pass 6,144 characters', () => {
    const grants = Array.from({ length: 200 }, (_, index) => grant(index, 20));
    const fill = new PolicyFill();
    let first: GrantSizing[] = [];
    for (const each of grants) {
      if (fill.add(grantShare(each)) && first.length > 0 && fill.policies === 2) break;
      if (fill.policies === 1) first = [...first, each];
    }
    expect(grantPolicySize(first)).toBeLessThanOrEqual(6144);
    expect(grantPolicySize([...first, grants[first.length]])).toBeGreaterThan(6144);
    expect(policiesNeeded(grants.map(grantShare))).toBe(Math.ceil(200 / first.length));
  });

  test('a name given as a reference is sized as the longest it can be: 512 characters for a secret, 64 for a user', () => {
    const reference = Lazy.stringValue({ produce: () => 'x' });
    const named = { secretName: 's'.repeat(512), configuredUserName: 'u'.repeat(64) };
    expect(grantPolicySize([{ secretName: reference, configuredUserName: reference }])).toBe(grantPolicySize([named]));
  });
});

describe('grant roles', () => {
  test("none while the function's role can hold every grant", () => {
    expect(grantRoleCount([grant(1)], 10)).toBe(0);
    expect(
      grantRoleCount(
        Array.from({ length: 200 }, (_, index) => grant(index)),
        10,
      ),
    ).toBe(0);
  });

  test('the fewest roles whose shares each fit, more with fewer policies per role', () => {
    const fleet = Array.from({ length: 5000 }, (_, index) => grant(index));
    const count = grantRoleCount(fleet, 10) as number;
    const shares = (roles: number): number[] => {
      const perRole = Array.from({ length: roles }, () => [] as number[]);
      fleet.forEach((each) => perRole[grantRoleIndex(each.secretName, roles)].push(grantShare(each)));
      return perRole.map(policiesNeeded);
    };
    expect(Math.max(...shares(count))).toBeLessThanOrEqual(10);
    expect(Math.max(...shares(count - 1))).toBeGreaterThan(10);
    expect(grantRoleCount(fleet, 20) as number).toBeLessThan(count);
  });

  test('none at all when even the most roles cannot', () => {
    const huge = Array.from({ length: 2000 }, (_, index) => ({
      secretName: `${'s'.repeat(500)}${index}`,
      configuredUserName: `u${index}`,
    }));
    expect(grantRoleCount(huge, 1)).toBeUndefined();
    expect(MAX_GRANT_ROLES).toBe(99);
  });

  test('growing by one role moves secrets only to the new role, about their fair share', () => {
    const names = Array.from({ length: 5000 }, (_, index) => `iam-key-rotation/user-${index}`);
    const moved = names.filter((name) => grantRoleIndex(name, 17) !== grantRoleIndex(name, 18));
    expect(moved.every((name) => grantRoleIndex(name, 18) === 17)).toBe(true);
    expect(moved.length).toBeGreaterThan(5000 / 18 / 2);
    expect(moved.length).toBeLessThan((5000 / 18) * 2);
    const counts = Array.from(
      { length: 17 },
      (_, role) => names.filter((name) => grantRoleIndex(name, 17) === role).length,
    );
    expect(Math.min(...counts)).toBeGreaterThan(5000 / 17 / 2);
  });
});
