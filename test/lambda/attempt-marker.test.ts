import {
  CLOCK_TOLERANCE_MS,
  formatAttemptMarker,
  keysCreatedDuring,
  mayStillRun,
  parseAttemptMarker,
  type AttemptMarker,
} from '../../lambda/attempt-marker';
import { accessKey, CURRENT_KEY_ID, OTHER_KEY_ID, TOKEN } from './helpers';

const START = Date.parse('2025-01-11T00:00:00.400Z');
const running: AttemptMarker = { token: TOKEN, start: START, end: START + 60_000, ended: false };

describe('attempt marker', () => {
  test.each([running, { ...running, end: START + 1_500, ended: true }])('reads back what it writes', (marker) => {
    expect(parseAttemptMarker(formatAttemptMarker(marker))).toEqual(marker);
  });

  test.each([
    ['no tag', undefined],
    ['free text', 'set by hand'],
    ['an unknown state', `${TOKEN} 2025-01-11T00:00:00.400Z 2025-01-11T00:01:00.400Z paused`],
    ['a time that is not one', `${TOKEN} yesterday 2025-01-11T00:01:00.400Z ended`],
    ['an end before the start', `${TOKEN} 2025-01-11T00:01:00.400Z 2025-01-11T00:00:00.400Z ended`],
  ])('%s is no marker', (_, value) => {
    expect(parseAttemptMarker(value)).toBeUndefined();
  });

  test('a running attempt may run until its deadline plus the clock tolerance; an ended one not at all', () => {
    expect(mayStillRun(running, running.end + CLOCK_TOLERANCE_MS)).toBe(true);
    expect(mayStillRun(running, running.end + CLOCK_TOLERANCE_MS + 1)).toBe(false);
    expect(mayStillRun({ ...running, ended: true }, START)).toBe(false);
  });

  test("keys inside the window widened by the tolerance are the attempt's, never the AWSCURRENT key", () => {
    const at = (offsetMs: number): Date => new Date(START + offsetMs);
    const keys = [
      accessKey('AKIABEFOREWINDOW0001', { created: at(-CLOCK_TOLERANCE_MS - 1) }),
      accessKey('AKIAEARLYEDGE0000001', { created: at(-CLOCK_TOLERANCE_MS) }),
      accessKey(OTHER_KEY_ID, { created: at(30_000) }),
      accessKey(CURRENT_KEY_ID, { created: at(30_000) }),
      accessKey('AKIALATEEDGE00000001', { created: at(60_000 + CLOCK_TOLERANCE_MS) }),
      accessKey('AKIAAFTERWINDOW00001', { created: at(60_000 + CLOCK_TOLERANCE_MS + 1) }),
    ];
    expect(keysCreatedDuring(running, keys, CURRENT_KEY_ID)).toEqual([
      'AKIAEARLYEDGE0000001',
      OTHER_KEY_ID,
      'AKIALATEEDGE00000001',
    ]);
  });
});
