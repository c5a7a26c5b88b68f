import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Rule } from '../../../lib/detection/types.js';
import type { FixtureCase } from './fixtureSupport.js';

/** The path of a property: array items as `[]`. */
function childPath(target: object, path: string, property: string): string {
  if (Array.isArray(target) && /^\d+$/.test(property)) return `${path}[]`;
  return path === '' ? property : `${path}.${property}`;
}

/**
 * Which record fields a rule reads, observed rather than trusted: the record handed to the
 * rule is a proxy that logs every property path read (`requestParameters.idpConfig.scopes`,
 * array items as `[]`). A field looked for and absent counts: the rule read it.
 */
export function tracking<T extends object>(value: T, log: Set<string>, path = ''): T {
  return new Proxy(value, {
    get(target, property, receiver) {
      const result: unknown = Reflect.get(target, property, receiver);
      // JSON.stringify asks every object for toJSON: not a field.
      if (typeof property === 'symbol' || property === 'toJSON') return result;
      // Methods and length of arrays and objects (map, filter, hasOwnProperty): not fields.
      if (!Object.hasOwn(target, property) && property in target) return result;
      if (Array.isArray(target) && property === 'length') return result;
      const next = childPath(target, path, property);
      log.add(next);
      return result !== null && typeof result === 'object'
        ? tracking(result as object, log, next)
        : result;
    },
    has(target, property) {
      if (typeof property === 'string') log.add(childPath(target, path, property));
      return Reflect.has(target, property);
    },
    ownKeys(target) {
      if (path !== '') log.add(path);
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * The rule, its record-reading functions (evaluate, baseline subject and values, threshold key
 * and member) handed a tracking record that logs into `log` (only the records `only` picks).
 */
export function instrumented(
  rule: Rule,
  log: Set<string>,
  only: (record: CloudTrailRecord) => boolean = () => true,
): Rule {
  const track = (record: CloudTrailRecord) => (only(record) ? tracking(record, log) : record);
  return {
    ...rule,
    evaluate: (record, context) => rule.evaluate(track(record), context),
    ...(rule.baseline && {
      baseline: {
        ...rule.baseline,
        subject: (record: CloudTrailRecord) => rule.baseline?.subject(track(record)),
        values: (record: CloudTrailRecord) => rule.baseline?.values(track(record)) ?? [],
      },
    }),
    ...(rule.threshold && {
      threshold: {
        ...rule.threshold,
        key: (record: CloudTrailRecord) => rule.threshold?.key(track(record)) ?? '',
        ...(rule.threshold.member && {
          member: (record: CloudTrailRecord) => rule.threshold?.member?.(track(record)) ?? '',
        }),
        ...(rule.threshold.members && {
          members: (record: CloudTrailRecord) => rule.threshold?.members?.(track(record)) ?? [],
        }),
      },
    }),
  };
}

/** The record parts whose fields a rule declares in `reads` (the rest is who and when). */
export const DECLARED_ROOTS = [
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'resources',
] as const;

/** The read paths under the declared roots (the roots themselves only when read whole). */
export function fieldPaths(log: ReadonlySet<string>): string[] {
  return [...log]
    .filter((path) =>
      DECLARED_ROOTS.some(
        (root) => path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`),
      ),
    )
    .sort();
}

const under = (path: string, parent: string) =>
  path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);

/** Declared fields never read (a declaration that claims more than the rule does). */
export function unreadDeclarations(
  declared: readonly string[],
  log: ReadonlySet<string>,
): string[] {
  return declared.filter((field) => ![...log].some((path) => under(path, field)));
}

/**
 * Fields read but not declared: a read path is covered by a declaration at or above it, or is
 * a parent on the way to a declared field.
 */
export function undeclaredReads(declared: readonly string[], log: ReadonlySet<string>): string[] {
  const reads = fieldPaths(log);
  const leaves = reads.filter(
    (path) => !reads.some((other) => other !== path && under(other, path)),
  );
  return leaves.filter(
    (path) => !declared.some((field) => under(path, field) || under(field, path)),
  );
}

/**
 * Every path the rule reads while a fresh engine (real state handling, in-memory stores) runs
 * the rule alone over each of its fixture cases, positive and negative.
 */
export async function readsOnFixtures(
  rule: Rule,
  cases: readonly FixtureCase[],
  only?: (record: CloudTrailRecord) => boolean,
): Promise<Set<string>> {
  const log = new Set<string>();
  for (const fixture of cases) {
    const engine = new DetectionEngine({
      config: parseDetectionConfig(fixture.config ?? {}),
      state: memoryState(),
      rules: [instrumented(rule, log, only)],
    });
    for (const raw of fixture.records) {
      const validated = validateRecord(raw);
      if (!validated.ok) throw new Error(`fixture record invalid: ${validated.reason}`);
      const result = await engine.evaluate(validated.record);
      if (result.ruleErrors.length > 0) throw new Error(JSON.stringify(result.ruleErrors));
    }
  }
  return log;
}
