import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * One detect for an organization: its dedup, counters, baselines and last states are kept per
 * member account. Trail names, recorder names, gateway ids repeat across accounts; without the
 * account in the key, one account's finding hides another's for the whole dedup window.
 */
type Json = Record<string, unknown>;

const HOME = '111122223333';

/** The rule's own StopLogging fixture, in `account`, `minute` minutes past its time. */
function stopLogging(account: string, minute: number): Json {
  const fixtures = JSON.parse(
    readFileSync(join(RULES_DIR, 'cloudtrailStopped.fixtures.json'), 'utf8'),
  ) as { cases: { expect: boolean; records: Json[] }[] };
  const base = fixtures.cases.find((c) => c.expect)?.records.at(-1) as Json;
  const moved = JSON.parse(JSON.stringify(base).replaceAll(HOME, account)) as Json;
  // Trails are often named alike in every account (a landing zone's `management-events`).
  return {
    ...moved,
    requestParameters: { name: 'management-events' },
    eventID: `stop-${account}-${minute}`,
    eventTime: new Date(Date.parse('2026-11-20T10:15:00Z') + minute * 60_000).toISOString(),
  };
}

async function findingsOf(records: Json[], homeAccountId?: string): Promise<Finding[][]> {
  const engine = new DetectionEngine({
    state: memoryState(),
    ...(homeAccountId ? { homeAccountId } : {}),
  });
  const out: Finding[][] = [];
  for (const raw of records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    const result = await engine.evaluate(validated.record as CloudTrailRecord);
    out.push(result.findings.filter((f) => f.ruleId === 'cloudtrail-stopped'));
  }
  return out;
}

describe('detection state per member account', () => {
  it.each([undefined, HOME])(
    'attack: a member stops its trail minutes after another member stopped one of the same name; both alert, naming their account (home %s)',
    async (home) => {
      const [first, second] = await findingsOf(
        [stopLogging(HOME, 0), stopLogging('444455556666', 5)],
        home,
      );
      expect(first?.map((f) => f.accountId)).toEqual([HOME]);
      expect(second?.map((f) => f.accountId)).toEqual(['444455556666']);
    },
  );

  it('the same account stopping the same trail again inside the window is still a duplicate', async () => {
    const [first, second] = await findingsOf(
      [stopLogging('444455556666', 0), stopLogging('444455556666', 5)],
      HOME,
    );
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });

  it('the same account, sync and async engines agree', () => {
    const engine = new DetectionEngine({ state: memoryState(), homeAccountId: HOME });
    const results = [stopLogging(HOME, 0), stopLogging('444455556666', 1)].map((raw) => {
      const validated = validateRecord(raw);
      if (!validated.ok) throw new Error(validated.reason);
      return engine
        .evaluateSync(validated.record as CloudTrailRecord)
        .findings.filter((f) => f.ruleId === 'cloudtrail-stopped');
    });
    expect(results.map((r) => r.length)).toEqual([1, 1]);
  });
});
