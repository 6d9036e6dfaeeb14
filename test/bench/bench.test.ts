// The bench's own logic (scripts/bench): the configs it synthesizes and the figures it derives.
import { parseRotationConfig } from '../../lib/app/config';
import { fleetConfig, fleetUserNames } from '../../scripts/bench/fleet-config';
import { firstErrorLine } from '../../scripts/bench/measure';
import { renderFleet, synthGrowth } from '../../scripts/bench/report';
import { SEED_CALLS, SEED_CALLS_BY_ACTION } from '../../scripts/bench/seed-calls';
import { countBlocks, type SynthRow } from '../../scripts/bench/synth';

describe('fleet configs', () => {
  test.each([1, 100, 5000])('%i users: a config the app accepts, with that many distinct users', (users) => {
    // WHEN the project's config checker reads the generated config
    const config = parseRotationConfig(JSON.parse(JSON.stringify(fleetConfig({ users }))), 'generated');
    // THEN it lists every user once (IAM names are case-insensitive), looked up rather than created
    const names = config.rotation.users.map((user) => user.name.toLowerCase());
    expect(new Set(names).size).toBe(users);
    expect(config.rotation.users.every((user) => user.createUser === undefined)).toBe(true);
  });

  test('createUsers and userPrefix: the stack creates users of that name', () => {
    const config = parseRotationConfig(
      fleetConfig({ users: 2, name: 'bench-rotation', userPrefix: 'bench-rotated', createUsers: true }),
    );
    expect(config.rotation.users).toEqual([
      { name: 'bench-rotated-00001', createUser: true },
      { name: 'bench-rotated-00002', createUser: true },
    ]);
    expect(config.rotation.name).toBe('bench-rotation');
  });

  test('a fleet needs at least one whole user', () => {
    expect(() => fleetUserNames(0)).toThrow(/at least 1, got 0/);
    expect(() => fleetUserNames(2.5)).toThrow(/got 2.5/);
  });
});

describe('figures', () => {
  test("a failed synth's reason: the announcing line with the first problem", () => {
    const cdktfValidation =
      'Validation failed with the following errors:\n  [stack/rotation] 300 users need 13 managed policies\n\nIf you wish to ignore these validations, ...';
    expect(firstErrorLine(cdktfValidation)).toBe(
      'Validation failed with the following errors: [stack/rotation] 300 users need 13 managed policies',
    );
    expect(firstErrorLine('\nheap out of memory\nat ...')).toBe('heap out of memory');
    expect(firstErrorLine('')).toBe('(no output)');
  });

  test('resources and data sources of a Terraform JSON document', () => {
    const json = JSON.stringify({
      resource: { aws_secretsmanager_secret: { a: {}, b: {} }, aws_iam_role: { r: {} } },
      data: { aws_iam_user: { a: {}, b: {} } },
    });
    expect(countBlocks(json)).toEqual({ resources: 3, dataSources: 2 });
    expect(countBlocks('{}')).toEqual({ resources: 0, dataSources: 0 });
  });

  test('synth growth: least-squares slope, slopes between sizes and the 5,000/1,000 ratio, failed sizes left out', () => {
    const row = (users: number, wallMs: number): SynthRow => ({
      users,
      ok: true,
      runs: 1,
      wallMs,
      peakRssKb: 1,
      tfJsonBytes: 1,
      resources: 1,
      dataSources: 0,
    });
    // GIVEN 400 ms of start-up and 1.5 ms per user, and a size that failed
    const rows = [
      row(1, 401.5),
      row(1000, 1900),
      { users: 2000, ok: false, wallMs: 50, error: 'limit' } as const,
      row(5000, 7900),
    ];
    const growth = synthGrowth(rows);
    expect(growth.msPerUser).toBeCloseTo(1.5, 6);
    expect(growth.segments.map((segment) => [segment.from, segment.to, Number(segment.msPerUser.toFixed(6))])).toEqual([
      [1, 1000, 1.5],
      [1000, 5000, 1.5],
    ]);
    expect(growth.ratio5000to1000).toBeCloseTo(7900 / 1900, 6);
    expect(synthGrowth([row(1, 400)]).msPerUser).toBeUndefined();
  });

  test("the seed's calls by action add up to its counts", () => {
    const total = SEED_CALLS_BY_ACTION.reduce((sum, entry) => sum + Number(/^\w+ (\d+)/.exec(entry)?.[1]), 0);
    const deletes = SEED_CALLS_BY_ACTION.filter((entry) => entry.startsWith('DeleteAccessKey')).length;
    expect(total).toBe(SEED_CALLS.twoKeys);
    expect(total - deletes).toBe(SEED_CALLS.oneKey);
  });
  test("the throttled fleet's row: its figures and the violations counted; a failed run says why", () => {
    const result = {
      secrets: 200,
      throttleEvery: 3,
      setupMs: 40_000,
      convergeMs: 22_200,
      rounds: 3,
      failedByRound: [30, 4, 0],
      iamCalls: 1050,
      faultsInjected: 349,
      functionCallsThrottled: 300,
      functionCalls: 4000,
      sdkRetries: 311,
      liveSamples: 50,
      violations: ['a', 'b'],
    };
    const options = { secrets: 200, throttleEvery: 3 };
    expect(renderFleet({ status: 'measured', wallMs: 68_500, result }, options)).toContain(
      '| 200 | 22.2 s | 3 | 349 | 311 | 2 | 68.5 s |',
    );
    expect(
      renderFleet({ status: 'failed', error: 'did not finish within 480 s', wallMs: 480_000 }, options).join('\n'),
    ).toMatch(/\*\*Failed\*\* after .*did not finish within 480 s/);
  });
});
