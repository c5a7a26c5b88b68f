import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimEscalatingAsync } from '../../../lib/detection/dedupClaims.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { RULES_DIR } from './fixtureSupport.js';

/**
 * Dedup never hides escalation: inside a rule's window, a more severe finding or one naming a
 * new fact (an external principal, an authorizer value, another resource) still alerts; the
 * same fact again, or anything less severe, is a duplicate.
 */

type Json = Record<string, unknown>;

/** A real-shaped UpdateAssumeRolePolicy record (from the rule's fixtures), re-timed. */
function trustUpdate(minute: number, statement: Json, roleName = 'reporting-role'): Json {
  const fixtures = JSON.parse(
    readFileSync(join(RULES_DIR, 'iamTrustPolicyChanged.fixtures.json'), 'utf8'),
  ) as { cases: { records: Json[] }[] };
  const base = fixtures.cases[0]?.records.at(-1) as Json;
  return {
    ...base,
    eventID: `trust-${minute}-${roleName}`,
    eventTime: new Date(Date.parse('2026-11-20T10:00:00Z') + minute * 60_000).toISOString(),
    requestParameters: {
      roleName,
      policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
    },
  };
}

const internal = {
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/reporting-runner' },
  Action: 'sts:AssumeRole',
};
const external = (account: string) => ({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'sts:AssumeRole',
});

async function alertsFor(records: Json[]): Promise<Finding[][]> {
  const engine = new DetectionEngine({ state: memoryState() });
  const out: Finding[][] = [];
  for (const raw of records) {
    const validated = validateRecord(raw);
    if (!validated.ok) throw new Error(validated.reason);
    const result = await engine.evaluate(validated.record as CloudTrailRecord);
    out.push(result.findings.filter((f) => f.ruleId === 'iam-trust-policy-changed'));
  }
  return out;
}

describe('escalation-safe dedup', () => {
  it('attack: a harmless trust edit, then minutes later a backdoor to an external account, sends the high alert', async () => {
    // Act
    const [harmless, backdoor] = await alertsFor([
      trustUpdate(0, internal),
      trustUpdate(4, external('444455556666')),
    ]);
    // Assess
    expect(harmless?.map((f) => f.severity)).toEqual(['medium']);
    expect(backdoor?.map((f) => f.severity)).toEqual(['high']);
    expect(backdoor?.[0]?.summary).toContain('444455556666');
  });

  it('a second external account inside the window alerts again (a new fact at the same severity)', async () => {
    const [first, second] = await alertsFor([
      trustUpdate(0, external('444455556666')),
      trustUpdate(10, external('777788889999')),
    ]);
    expect(first).toHaveLength(1);
    expect(second?.map((f) => f.severity)).toEqual(['high']);
  });

  it.each([
    ['the same backdoor again', external('444455556666'), external('444455556666')],
    ['a harmless edit after the backdoor', external('444455556666'), internal],
  ])('%s inside the window is a duplicate', async (_name, firstStatement, secondStatement) => {
    const [first, second] = await alertsFor([
      trustUpdate(0, firstStatement),
      trustUpdate(5, secondStatement),
    ]);
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
  });

  it('after the window the same finding alerts again', async () => {
    const [, , later] = await alertsFor([
      trustUpdate(0, external('444455556666')),
      trustUpdate(30, external('444455556666')),
      trustUpdate(61, external('444455556666')),
    ]);
    expect(later).toHaveLength(1);
  });
});

describe('one event seen by concurrent invocations', () => {
  /** DynamoDB-like claims: the first writer of a key wins; each answer takes `delayMs`. */
  function claims(store: Set<string>, delayMs: number) {
    return async (key: string): Promise<boolean> => {
      const won = !store.has(key);
      store.add(key);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return won;
    };
  }

  const claim = {
    key: 'gateway-auth-weakened|gw-1',
    severity: 'high' as const,
    facts: ['authorizer:NONE', 'principal:contractor'],
    at: Date.parse('2026-11-20T10:00:00Z'),
    windowSeconds: 3600,
  };

  /**
   * Two invocations claim one finding: one is slow between its claims, the other starts just
   * after it and so reaches the facts first. How many of them alert.
   */
  async function alertsWhenInterleaved(occurrence?: string): Promise<number> {
    const store = new Set<string>();
    const both = { ...claim, ...(occurrence ? { occurrence } : {}) };
    const slow = claimEscalatingAsync(both, claims(store, 20));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fast = claimEscalatingAsync(both, claims(store, 0));
    return (await Promise.all([slow, fast])).filter((keys) => keys.length > 0).length;
  }

  it('alerts once even when the invocations split the deciding claims', async () => {
    expect(await alertsWhenInterleaved('event-1')).toBe(1);
  });

  it('without the event claim, the same interleaving alerts twice (why it is claimed first)', async () => {
    expect(await alertsWhenInterleaved()).toBe(2);
  });

  it('gives the event claim back with the others, so a retry after a failed delivery alerts', async () => {
    const store = new Set<string>();
    const claim = {
      key: 'k',
      severity: 'medium' as const,
      facts: [],
      at: 0,
      windowSeconds: 60,
      occurrence: 'event-2',
    };

    const first = await claimEscalatingAsync(claim, claims(store, 0));
    for (const key of first) store.delete(key);
    const retry = await claimEscalatingAsync(claim, claims(store, 0));

    expect(first).toContain('k|event:event-2');
    expect(retry.length).toBeGreaterThan(0);
  });
});
