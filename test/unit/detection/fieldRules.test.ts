import { parseCedar, MAX_CEDAR_CHARS } from '../../../lib/detection/cedar/parse.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { MemoryLastStateStore } from '../../../lib/detection/lastStates.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import type { DetectionState } from '../../../lib/detection/ports.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { liveRun, replayFindings } from './burstStreams.js';
import { MemoryBurstStore } from '../../../lib/detection/memoryStores.js';
import { findingOf } from './burstStreams.js';
import { fixtureRecord, loadFixtures, runCase, type FixtureCase } from './fixtureSupport.js';

/**
 * Field-level change rules: each compares a record with the last known state of the gateway,
 * policy or gateway rule it touches (lib/detection/stateTrackers.ts, kept in the state table
 * in event-time order). Fixtures prove each rule fires and how severely; these prove the
 * ladders, the ordering and duplicate handling of the state, untrusted input, and that the
 * live path and replay agree.
 */
type Json = Record<string, unknown>;

const FIELD_RULES = [
  'gateway-interceptor-changed',
  'gateway-waf-weakened',
  'gateway-exception-level-raised',
  'gateway-kms-key-changed',
  'gateway-transform-changed',
  'gateway-policy-weakened',
  'gateway-rule-loosened',
  'rotation-tag-widened',
  'gateway-policy-engine-weakened',
] as const;

const INTERCEPTORS = 'gatewayInterceptorChanged.fixtures.json';
const LAMBDA = 'arn:aws:lambda:us-east-1:111122223333:function:orders-interceptor';
const FOREIGN = 'arn:aws:lambda:us-east-1:444455556666:function:interceptor';

function clone(record: Json, changes: (r: Json) => void): Json {
  const out = structuredClone(record);
  changes(out);
  return out;
}

function request(record: Json): Json {
  return record.requestParameters as Json;
}

let seq = 0;
/** A copy with its own eventID and time (a record of its own). */
function retimed(record: Json, at: string): Json {
  return clone(record, (r) => {
    r.eventTime = at;
    r.eventID = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  });
}

function engine(config: unknown = {}, state: DetectionState = memoryState()): DetectionEngine {
  return new DetectionEngine({ config: parseDetectionConfig(config), state });
}

async function run(e: DetectionEngine, records: Json[]): Promise<Finding[][]> {
  const out: Finding[][] = [];
  for (const raw of records) {
    const v = validateRecord(raw);
    if (!v.ok) throw new Error(v.reason);
    const result = await e.evaluate(v.record);
    expect(result.ruleErrors).toEqual([]);
    out.push(result.findings);
  }
  return out;
}

/** The CloudFormation execution role of the fixtures' stack. */
const CFN_ROLE = 'arn:aws:iam::111122223333:role/platform-cfn-exec';

const of = (findings: Finding[] | undefined, ruleId: string) =>
  (findings ?? []).filter((f) => f.ruleId === ruleId);

describe('severity ladders', () => {
  const created = fixtureRecord(
    INTERCEPTORS,
    'interceptor added by CloudFormation as a listed automation role, same account, no headers',
  );
  const base = loadFixtures()
    .find((f) => f.file === INTERCEPTORS)
    ?.cases.find(
      (c) =>
        c.name ===
        'interceptor added by CloudFormation as a listed automation role, same account, no headers',
    )?.records[0] as Json;

  it.each([
    // [Lambda, passRequestHeaders, by automation, expected]
    [LAMBDA, false, true, 'medium'],
    [LAMBDA, true, true, 'high'],
    [FOREIGN, false, true, 'high'],
    [LAMBDA, false, false, 'high'],
    [FOREIGN, true, false, 'high'],
  ] as const)(
    'gateway-interceptor-changed: %s, passRequestHeaders %s, automation %s → %s',
    async (arn, headers, automation, expected) => {
      // Prepare
      const update = clone(created, (r) => {
        request(r).interceptorConfigurations = [
          {
            interceptor: { lambda: { arn } },
            interceptionPoints: ['REQUEST'],
            inputConfiguration: { passRequestHeaders: headers },
          },
        ];
        if (!automation) {
          const identity = r.userIdentity as Json;
          delete identity.invokedBy;
          r.sourceIPAddress = '203.0.113.24';
        }
      });
      // Deploy automation is the stack's role, listed by ARN (a stack alone is not automation).
      const config = automation ? { automationPrincipals: [CFN_ROLE] } : {};
      // Act
      const findings = await run(engine(config), [base, update]);
      // Assess
      expect(of(findings[1], 'gateway-interceptor-changed').map((f) => f.severity)).toEqual([
        expected,
      ]);
    },
  );

  /** Every severity a rule's description promises is reached by one of its fixtures. */
  it.each([
    ['gateway-interceptor-changed', ['low', 'medium', 'high']],
    ['gateway-waf-weakened', ['high']],
    ['gateway-exception-level-raised', ['low', 'medium']],
    ['gateway-kms-key-changed', ['medium', 'high']],
    ['gateway-transform-changed', ['low', 'medium']],
    ['gateway-policy-weakened', ['low', 'medium', 'high']],
    ['gateway-rule-loosened', ['low', 'medium', 'high']],
    ['rotation-tag-widened', ['low', 'medium', 'high']],
    ['gateway-policy-engine-weakened', ['info', 'medium', 'high']],
  ] as const)('%s reaches %j, and no other severity', async (ruleId, ladder) => {
    const file = loadFixtures().find((f) => f.ruleId === ruleId);
    const reached = new Set<string>();
    for (const fixture of file?.cases ?? []) {
      if (!fixture.expect) continue;
      for (const f of of(await runCase(fixture), ruleId)) reached.add(f.severity);
    }
    expect([...reached].sort()).toEqual([...ladder].sort());
  });

  it('a description-only UpdateGateway stays a low gateway-modified finding', async () => {
    const createdWithAll = clone(base, (r) => {
      Object.assign(request(r), {
        interceptorConfigurations: [
          { interceptor: { lambda: { arn: LAMBDA } }, interceptionPoints: ['REQUEST'] },
        ],
        kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        exceptionLevel: 'DEBUG',
      });
    });
    const update = retimed(
      clone(createdWithAll, (r) => {
        r.eventName = 'UpdateGateway';
        request(r).gatewayIdentifier = 'orders-gw-a1b2c3d4e5';
        request(r).description = 'new words';
      }),
      '2026-11-20T11:00:00Z',
    );
    const findings = await run(engine(), [createdWithAll, update]);
    expect(findings[1]?.map((f) => [f.ruleId, f.severity])).toEqual([['gateway-modified', 'low']]);
  });
});

describe('the last known state', () => {
  const waf = (mode: string | undefined, at: string): Json =>
    retimed(
      clone(fixtureRecord('gatewayWafWeakened.fixtures.json', 'WAF kept FAIL_CLOSE'), (r) => {
        if (mode === undefined) delete request(r).wafConfiguration;
        else request(r).wafConfiguration = { failureMode: mode };
      }),
      at,
    );

  it('an older record arriving later is compared with its own predecessor, not the newest state', async () => {
    // Prepare: T1 adds WAF, T3 keeps it; T2 (without WAF) arrives last.
    const t1 = waf('FAIL_CLOSE', '2026-11-20T10:00:00Z');
    const t3 = waf('FAIL_CLOSE', '2026-11-20T12:00:00Z');
    const t2 = waf(undefined, '2026-11-20T11:00:00Z');
    const t4 = waf('FAIL_CLOSE', '2026-11-20T13:00:00Z');
    // Act
    const findings = await run(engine(), [t1, t3, t2, t4]);
    // Assess: T2 removed WAF relative to T1 (it did); T4 is no change from T3.
    expect(of(findings[2], 'gateway-waf-weakened').map((f) => f.summary)).toEqual([
      expect.stringMatching(/WAF configuration removed/),
    ]);
    expect(of(findings[3], 'gateway-waf-weakened')).toEqual([]);
  });

  it('an old record arriving after a newer one never overwrites the newer state', async () => {
    const t1 = waf(undefined, '2026-11-20T10:00:00Z');
    const t3 = waf('FAIL_CLOSE', '2026-11-20T12:00:00Z');
    const t2 = waf(undefined, '2026-11-20T11:00:00Z');
    const t4 = waf(undefined, '2026-11-20T13:00:00Z');
    const findings = await run(engine(), [t1, t3, t2, t4]);
    // T2 changed nothing against T1; T4 removes what T3 set (the newest state survived T2).
    expect(of(findings[2], 'gateway-waf-weakened')).toEqual([]);
    expect(of(findings[3], 'gateway-waf-weakened')).toHaveLength(1);
  });

  it('a duplicated record gets the same comparison and leaves the state as it was', async () => {
    const store = new MemoryLastStateStore();
    const state = { ...memoryState(), lastStates: store };
    const t1 = waf('FAIL_CLOSE', '2026-11-20T10:00:00Z');
    const t2 = waf('FAIL_OPEN', '2026-11-20T11:00:00Z');
    const t3 = waf('FAIL_OPEN', '2026-11-20T12:00:00Z');
    // A fresh engine for the duplicate: the dedup window would hide a second finding anyway.
    await run(engine({}, state), [t1, t2]);
    const again = await run(engine({}, { ...memoryState(), lastStates: store }), [t2]);
    expect(of(again[0], 'gateway-waf-weakened').map((f) => f.severity)).toEqual(['high']);
    const after = await run(engine({}, { ...memoryState(), lastStates: store }), [t3]);
    expect(of(after[0], 'gateway-waf-weakened')).toEqual([]);
  });

  it('survives a cold start: a new engine on the same state sees the detach', async () => {
    const store = new MemoryLastStateStore();
    const withEngine = fixtureRecord(
      'gatewayPolicyEngineWeakened.fixtures.json',
      'UpdateGateway keeping the engine in ENFORCE',
    );
    const detach = retimed(
      clone(withEngine, (r) => delete request(r).policyEngineConfiguration),
      '2026-11-20T12:00:00Z',
    );
    await run(engine({}, { ...memoryState(), lastStates: store }), [withEngine]);
    const findings = await run(engine({}, { ...memoryState(), lastStates: store }), [detach]);
    expect(of(findings[0], 'gateway-policy-engine-weakened').map((f) => f.summary)).toEqual([
      expect.stringMatching(/detached/),
    ]);
  });

  it('a record without its request, or with a hidden required field, removes nothing', async () => {
    const t1 = waf('FAIL_CLOSE', '2026-11-20T10:00:00Z');
    const hidden = clone(waf(undefined, '2026-11-20T11:00:00Z'), (r) => {
      request(r).authorizerType = '***';
    });
    const t3 = waf('FAIL_OPEN', '2026-11-20T12:00:00Z');
    const findings = await run(engine(), [t1, hidden, t3]);
    expect(of(findings[1], 'gateway-waf-weakened')).toEqual([]);
    // The state after the partial record still has FAIL_CLOSE: FAIL_OPEN is a change from it.
    expect(of(findings[2], 'gateway-waf-weakened')[0]?.details?.previousFailureMode).toBe(
      'FAIL_CLOSE',
    );
  });
});

describe('untrusted input', () => {
  const policyCase = (name: string) =>
    loadFixtures()
      .find((f) => f.ruleId === 'gateway-policy-weakened')
      ?.cases.find((c) => c.name === name) as FixtureCase;

  it('a Cedar statement of any size is capped, not parsed, and reported', async () => {
    // Prepare: 2 MB of nested parentheses, the kind of text that blows up a recursive parser.
    const huge = `permit(principal, action, resource) when { ${'('.repeat(1_000_000)}true${')'.repeat(1_000_000)} };`;
    expect(parseCedar(huge)).toEqual({ ok: false, reason: 'too-large' });
    const fixture = structuredClone(policyCase('new scoped permit'));
    const record = fixture.records[0] as Json;
    (request(record).definition as Json).cedar = { statement: huge };
    ((record.responseElements as Json).definition as Json).cedar = { statement: huge };
    // Act
    const started = Date.now();
    const findings = await runCase(fixture);
    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(of(findings, 'gateway-policy-weakened').map((f) => f.summary)).toEqual([
      expect.stringMatching(/not compared \(too-large\)/),
    ]);
  });

  it('deeply nested Cedar just under the cap is parsed or refused, never thrown', () => {
    const depth = Math.floor((MAX_CEDAR_CHARS - 60) / 2);
    const nested = `permit(principal, action, resource) when { ${'('.repeat(depth)}true${')'.repeat(depth)} };`;
    expect(nested.length).toBeLessThanOrEqual(MAX_CEDAR_CHARS);
    expect(() => parseCedar(nested)).not.toThrow();
  });

  it('attacker text in an interceptor ARN or a tag key reaches the summary as one safe line', async () => {
    const created = fixtureRecord(
      INTERCEPTORS,
      'interceptor added by CloudFormation as a listed automation role, same account, no headers',
    );
    const hostile = `${LAMBDA}\n<!channel> Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX3ZhbHVl ${'A'.repeat(500)}`;
    const update = clone(created, (r) => {
      request(r).interceptorConfigurations = [
        { interceptor: { lambda: { arn: hostile } }, interceptionPoints: ['REQUEST'] },
      ];
    });
    const base = loadFixtures()
      .find((f) => f.file === INTERCEPTORS)
      ?.cases.find(
        (c) =>
          c.name ===
          'interceptor added by CloudFormation as a listed automation role, same account, no headers',
      )?.records[0] as Json;
    const findings = await run(engine(), [base, update]);
    const summary = of(findings[1], 'gateway-interceptor-changed')[0]?.summary ?? '';
    expect(summary).not.toMatch(/\n/);
    expect(summary).not.toContain('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0');
    expect(summary.length).toBeLessThan(400);
  });
});

describe('live detect and replay agree on the field-level rules', () => {
  it('the same stream through processBatch and replay gives the same findings', async () => {
    // Prepare: every case of the field-level rules, each moved to its own hour and gateway-
    // independent ids kept, in event-time order (the order replay reads them in).
    const stream: Json[] = [];
    let hour = 0;
    for (const file of loadFixtures()) {
      if (!(FIELD_RULES as readonly string[]).includes(file.ruleId)) continue;
      for (const fixture of file.cases) {
        if (fixture.config !== undefined) continue;
        hour += 3;
        for (const raw of fixture.records) {
          const record = structuredClone(raw) as Json;
          const at = Date.parse(String(record.eventTime)) + hour * 3_600_000;
          record.eventTime = new Date(at).toISOString().replace('.000Z', 'Z');
          record.eventID = `${String(record.eventID).slice(0, 24)}${String(hour).padStart(12, '0')}`;
          stream.push(record);
        }
      }
    }
    const ordered = [...stream].sort(
      (a, b) => Date.parse(String(a.eventTime)) - Date.parse(String(b.eventTime)),
    );
    // Act
    const live = liveRun(memoryState(), new MemoryBurstStore());
    await live.process(ordered);
    const replayed = await replayFindings(stream);
    // Assess
    const key = (f: Finding) => `${f.ruleId}|${f.eventId}|${f.severity}|${f.summary}`;
    const mine = (f: Finding) => (FIELD_RULES as readonly string[]).includes(f.ruleId);
    const liveKeys = live.sink.alerts.map(findingOf).filter(mine).map(key).sort();
    const replayKeys = replayed.filter(mine).map(key).sort();
    expect(liveKeys.length).toBeGreaterThan(30);
    expect(liveKeys).toEqual(replayKeys);
  });
});
