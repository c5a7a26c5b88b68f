import fc from 'fast-check';
import { timeKey } from '../../../lib/reports/timeKey.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * ISO-8601 times as CloudTrail and aggregated sources write them, over few distinct seconds,
 * so that times often share one and differ only in fraction or zone.
 */
const isoTimes = fc
  .record({
    year: fc.constantFrom(1999, 2026),
    month: fc.constantFrom(9, 10),
    day: fc.constantFrom(1, 31),
    hour: fc.constant(0),
    minute: fc.constantFrom(0, 59),
    second: fc.integer({ min: 0, max: 1 }),
    fraction: fc.constantFrom('', '.000', '.5', '.999', '.123456'),
    zone: fc.constantFrom('Z', '+00:00', '', 'z'),
  })
  .map(
    (t) =>
      `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}T${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction}${t.zone}`,
  );

/** Those, and strings that are not such times. */
const times = fc.oneof(
  isoTimes,
  fc.constantFrom(
    '',
    '2026-1-1T00:00:00Z',
    '2026-11-20 10:00:00Z',
    '2026-11-20T10:00Z',
    '20261120T100000Z',
    '\uff12\uff10\uff12\uff16-11-20T10:00:00Z',
    'not a time',
  ),
  fc.string({ maxLength: 24 }),
);

describe('timeKey', () => {
  it.each([
    ['2026-11-20T10:00:00Z', 20261120100000],
    ['2026-11-20T10:00:00.123Z', 20261120100000],
    ['2026-11-20 10:00:00Z', NaN],
    ['2026-11-2AT10:00:00Z', NaN],
    ['2026-11-2:T10:00:00Z', NaN],
    ['2026-11-2/T10:00:00Z', NaN],
    ['2026-11-20T10:00', NaN],
    ['', NaN],
  ])('reads %j as %d', (time, key) => {
    expect(timeKey(time)).toBe(key);
  });

  it('orders times as their strings are ordered whenever the keys differ', () => {
    fc.assert(
      fc.property(times, times, (a, b) => {
        const [ka, kb] = [timeKey(a), timeKey(b)];
        fc.pre(!Number.isNaN(ka) && !Number.isNaN(kb) && ka !== kb);
        expect(ka < kb).toBe(a < b);
      }),
    );
  });
});

describe('UsageCollector lastSeen', () => {
  it('is the latest time as strings compare, from records and facts in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof({ arbitrary: isoTimes, weight: 8 }, times), fc.boolean()), {
          maxLength: 30,
        }),
        (calls) => {
          // Prepare
          const collector = new UsageCollector();
          const identity = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' };
          let expected: string | undefined;
          // Act
          for (const [time, asFact] of calls) {
            if (asFact) {
              collector.addFact({
                identity,
                eventSource: 's3.amazonaws.com',
                eventName: 'GetObject',
                count: 1,
                lastSeen: time,
              });
              if (expected === undefined || time > expected) expected = time;
            } else {
              collector.addRecord({
                userIdentity: identity,
                eventTime: time,
                eventSource: 's3.amazonaws.com',
                eventName: 'GetObject',
              });
              // A record without a readable time is skipped: it says nothing about the window.
              const readable = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(time);
              if (readable && (expected === undefined || time > expected)) expected = time;
            }
          }
          // Assess
          const event = collector.principals
            .get('111122223333|user|alice')
            ?.events.get('s3.amazonaws.com|GetObject');
          expect(event?.lastSeen).toBe(expected);
        },
      ),
    );
  });
});
