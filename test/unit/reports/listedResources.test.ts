import fc from 'fast-check';
import { ListedResources } from '../../../lib/reports/listedResources.js';

/** What `add` must do, said plainly: a set per event, capped. */
function reference(sets: Map<number, Set<string>>, event: number, arn: string, cap: number) {
  const set = sets.get(event) ?? new Set<string>();
  sets.set(event, set);
  if (set.has(arn)) return true;
  if (set.size >= cap) return false;
  set.add(arn);
  return true;
}

describe('ListedResources', () => {
  it.each([
    ['within its bounds', 1_000, 1_000],
    ['past its ARN bound (later ARNs left to the sets)', 3, 1_000],
    ['past its event bound (later events left to the sets)', 1_000, 9],
    ['with both bounds tight', 2, 2],
  ])('adds exactly what a capped set per event would, %s', (_label, maxArns, maxEvents) => {
    fc.assert(
      fc.property(
        // A few events (their sets fill up), each bit of a byte, numbers far apart (bits grow).
        fc.array(fc.tuple(fc.constantFrom(0, 1, 7, 8, 15, 63, 64, 255, 300), fc.nat(12)), {
          maxLength: 400,
        }),
        fc.integer({ min: 1, max: 6 }),
        (calls, cap) => {
          // Prepare
          const index = new ListedResources(maxArns, maxEvents);
          const actual = new Map<number, Set<string>>();
          const expected = new Map<number, Set<string>>();
          for (const [event, n] of calls) {
            // Fresh strings each time, as every parsed record brings its own.
            const arn = `arn:aws:s3:::bucket/${n}`.slice(0);
            const set = actual.get(event) ?? new Set<string>();
            actual.set(event, set);
            // Act
            const added = index.add(event, set, arn, cap);
            // Assess
            expect(added).toBe(reference(expected, event, arn, cap));
          }
          expect([...actual].map(([e, s]) => [e, [...s]])).toEqual(
            [...expected].map(([e, s]) => [e, [...s]]),
          );
        },
      ),
    );
  });
});
