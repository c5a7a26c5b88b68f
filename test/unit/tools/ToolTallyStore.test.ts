/**
 * The typed-array tally store: counts, first and last seen (compared as the texts compare,
 * whatever the record order and whatever the time's form), target ids, growth past its initial
 * capacity and many callers sharing one table. Checked against a plain reference model.
 */
import {
  eventTimeCode,
  eventTimeText,
  NO_TIME,
  TEXT_TIME,
} from '../../../lib/tools/eventTimeCode.js';
import type { Outcome } from '../../../lib/tools/invokeRecord.js';
import { MAX_TARGET_IDS, ToolTallyStore } from '../../../lib/tools/ToolTallyStore.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';
import { seededRandom } from '../../support/seededRandom.js';

const OUTCOMES: Outcome[] = ['ok', 'refused', 'policyDenied', 'failed'];

/** What the store should say, kept the obvious way. */
interface Model {
  calls: number;
  ok: number;
  refused: number;
  policyDenied: number;
  failed: number;
  firstSeen: string;
  lastSeen: string;
  targets: number[];
}

function modelAdd(m: Model, outcome: Outcome, time: string, target: number | undefined): void {
  m.calls += 1;
  m[outcome] += 1;
  if (time !== '' && (m.firstSeen === '' || time < m.firstSeen)) m.firstSeen = time;
  if (time > m.lastSeen) m.lastSeen = time;
  if (target !== undefined && !m.targets.includes(target) && m.targets.length < MAX_TARGET_IDS)
    m.targets.push(target);
}

function stored(store: ToolTallyStore, index: number): Model {
  return {
    calls: store.callsAt(index),
    ok: store.okAt(index),
    refused: store.refusedAt(index),
    policyDenied: store.policyDeniedAt(index),
    failed: store.failedAt(index),
    firstSeen: store.firstSeenAt(index),
    lastSeen: store.lastSeenAt(index),
    targets: [...store.targetIdsAt(index)],
  };
}

const canonical = (random: () => number): string => {
  const n = (max: number, width: number) => String(Math.floor(random() * max)).padStart(width, '0');
  return `${n(10000, 4)}-${n(13, 2)}-${n(32, 2)}T${n(24, 2)}:${n(60, 2)}:${n(60, 2)}Z`;
};

describe('eventTimeCode', () => {
  it.each([
    ['', NO_TIME],
    ['2026-11-01T03:04:05.123Z', TEXT_TIME],
    ['2026-11-01 03:04:05', TEXT_TIME],
    ['2026-11-01T03:04:05+01:00', TEXT_TIME],
    ['2026-11-01T03:04:0xZ', TEXT_TIME],
    ['2026/11/01T03:04:05Z', TEXT_TIME],
    ['0000-00-00T00:00:00Z', TEXT_TIME],
  ])('%j has no code of its own (%s)', (time, code) => {
    expect(eventTimeCode(time)).toBe(code);
  });

  it('codes give back the exact text and sort as the texts do', () => {
    // Prepare
    const random = seededRandom(7);
    const times = Array.from({ length: 2000 }, () => canonical(random));
    times.push('0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-11-01T00:00:00Z');
    // Act
    const codes = times.map(eventTimeCode);
    // Assess
    for (const [i, time] of times.entries()) {
      expect(codes[i]).toBeGreaterThan(0);
      expect(eventTimeText(codes[i] as number)).toBe(time);
    }
    for (let i = 1; i < times.length; i++) {
      const [a, b] = [times[i - 1] as string, times[i] as string];
      const [x, y] = [codes[i - 1] as number, codes[i] as number];
      expect(Math.sign(x - y)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }
  });
});

describe('ToolTallyStore', () => {
  it('grows past its initial capacity with many callers, keeping every index and count', () => {
    // Prepare: 3,000 callers × 3 tools = 9,000 tallies (the store starts with room for 1,024).
    const store = new ToolTallyStore();
    const random = seededRandom(11);
    const models = new Map<string, { index: number; model: Model }>();
    // Act: calls in random order, each pair several times.
    for (let n = 0; n < 40_000; n++) {
      const caller = Math.floor(random() * 3000);
      const tool = Math.floor(random() * 3);
      const outcome = OUTCOMES[Math.floor(random() * 4)] as Outcome;
      const time = canonical(random);
      const index = store.indexOf(caller, tool);
      store.add(index, outcome, time, tool);
      const key = `${caller}/${tool}`;
      let entry = models.get(key);
      if (entry === undefined) {
        entry = {
          index,
          model: {
            calls: 0,
            ok: 0,
            refused: 0,
            policyDenied: 0,
            failed: 0,
            firstSeen: '',
            lastSeen: '',
            targets: [],
          },
        };
        models.set(key, entry);
      }
      expect(index).toBe(entry.index);
      modelAdd(entry.model, outcome, time, tool);
    }
    // Assess
    expect(store.size).toBe(models.size);
    expect(store.size).toBeGreaterThan(1024 * 4);
    for (const [key, { index, model }] of models) {
      const [caller, tool] = key.split('/').map(Number);
      expect(store.indexOf(caller as number, tool as number)).toBe(index);
      expect(store.callerAt(index)).toBe(caller);
      expect(store.toolAt(index)).toBe(tool);
      expect(stored(store, index)).toEqual(model);
    }
    expect(store.size).toBe(models.size);
  });

  it('first and last seen whatever the order, texts in other forms compared as text', () => {
    // Prepare: CloudTrail's form, fractions, offsets, junk and empty times, shuffled.
    const random = seededRandom(3);
    const forms = [
      '2026-11-02T00:00:00Z',
      '2026-11-02T00:00:00.500Z',
      '2026-11-01T23:59:59Z',
      '2026-11-01 12:00:00',
      '2026-11-03T00:00:00+01:00',
      '2026-11-03T00:00:00Z',
      'zzz',
      '',
      '0000-00-00T00:00:00Z',
    ];
    for (let round = 0; round < 200; round++) {
      const store = new ToolTallyStore();
      const model: Model = {
        calls: 0,
        ok: 0,
        refused: 0,
        policyDenied: 0,
        failed: 0,
        firstSeen: '',
        lastSeen: '',
        targets: [],
      };
      const count = 1 + Math.floor(random() * 8);
      // Act
      for (let i = 0; i < count; i++) {
        const time = forms[Math.floor(random() * forms.length)] as string;
        store.add(store.indexOf(1, 1), 'ok', time, undefined);
        modelAdd(model, 'ok', time, undefined);
      }
      // Assess
      expect(stored(store, store.indexOf(1, 1))).toEqual(model);
    }
  });

  it('duplicates count each call; target ids are kept once each, at most five', () => {
    // Prepare
    const store = new ToolTallyStore();
    const index = store.indexOf(0, 0);
    // Act: the same call three times, then eight targets, some repeated.
    for (let i = 0; i < 3; i++) store.add(index, 'ok', '2026-11-01T00:00:00Z', 4);
    for (const target of [4, 9, 9, 1, 4, 7, 8, 6, 5]) store.add(index, 'failed', '', target);
    // Assess
    expect(stored(store, index)).toEqual({
      calls: 12,
      ok: 3,
      refused: 0,
      policyDenied: 0,
      failed: 9,
      firstSeen: '2026-11-01T00:00:00Z',
      lastSeen: '2026-11-01T00:00:00Z',
      targets: [4, 9, 1, 7, 8],
    });
    expect(store.size).toBe(1);
  });
});

describe('ToolUsageCollector over the store', () => {
  it('many principals and gateways, records repeated and out of order: the view matches the records', () => {
    // Prepare: 1,500 subjects × 2 gateways × up to 3 tools, every record twice, shuffled.
    const random = seededRandom(5);
    const gateways = ['gw-a', 'gw-b'].map(
      (id) => `arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/${id}`,
    );
    const calls: { gateway: string; sub: string; tool: string; time: string; status?: number }[] =
      [];
    for (let n = 0; n < 6000; n++) {
      calls.push({
        gateway: gateways[Math.floor(random() * 2)] as string,
        sub: `user-${Math.floor(random() * 1500)}`,
        tool: `t___tool${Math.floor(random() * 3)}`,
        time: canonical(random),
        ...(random() < 0.2 ? { status: 500 } : {}),
      });
    }
    const records = [...calls, ...calls]
      .map((c) => ({ c, order: random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ c }) => c);
    const expected = new Map<string, Model>();
    for (const c of records) {
      const key = `${c.gateway} ${c.sub} ${c.tool}`;
      const m = expected.get(key) ?? {
        calls: 0,
        ok: 0,
        refused: 0,
        policyDenied: 0,
        failed: 0,
        firstSeen: '',
        lastSeen: '',
        targets: [],
      };
      modelAdd(m, c.status === undefined ? 'ok' : 'failed', c.time, 0);
      expected.set(key, m);
    }
    const collector = new ToolUsageCollector();
    // Act
    for (const c of records)
      collector.addRecord(
        sampleInvokeRecord({
          gatewayArn: c.gateway,
          tool: c.tool,
          targetId: 'T1',
          claims: { sub: c.sub },
          time: c.time,
          ...(c.status !== undefined ? { statusCode: c.status } : {}),
        }),
      );
    // Assess
    const seen = new Map<string, Model>();
    for (const [arn, usage] of collector.gateways)
      for (const caller of usage.callers.values())
        for (const [tool, t] of caller.tools) {
          if (caller.caller.kind !== 'oauth') throw new Error('oauth callers only');
          seen.set(`${arn} ${caller.caller.sub} ${tool}`, {
            calls: t.calls,
            ok: t.ok,
            refused: t.refused,
            policyDenied: t.policyDenied,
            failed: t.failed,
            firstSeen: t.firstSeen,
            lastSeen: t.lastSeen,
            targets: t.targetIds.map(() => 0),
          });
          expect(t.targetIds).toEqual(['T1']);
        }
    expect(seen).toEqual(expected);
  });

  it('the view is built again after more records: new callers and tools show, counts move', () => {
    // Prepare
    const gatewayArn = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-v';
    const collector = new ToolUsageCollector();
    const call = (sub: string, tool: string, time: string) =>
      sampleInvokeRecord({ gatewayArn, tool, targetId: 'T', claims: { sub }, time });
    collector.addRecord(call('u', 't___a', '2026-11-02T00:00:00Z'));
    expect(collector.gateways.get(gatewayArn)?.callers.size).toBe(1);
    // Act
    collector.addRecord(call('u', 't___a', '2026-11-01T00:00:00Z'));
    collector.addRecord(call('u', 't___b', '2026-11-03T00:00:00Z'));
    collector.addRecord(call('v', 't___a', '2026-11-04T00:00:00Z'));
    // Assess
    const callers = [...(collector.gateways.get(gatewayArn)?.callers.values() ?? [])];
    expect(callers.map((c) => [...c.tools.keys()])).toEqual([['t___a', 't___b'], ['t___a']]);
    expect(callers[0]?.tools.get('t___a')).toMatchObject({
      calls: 2,
      firstSeen: '2026-11-01T00:00:00Z',
      lastSeen: '2026-11-02T00:00:00Z',
    });
  });

  it('times read for a report are read again after more calls (no stale text)', () => {
    // Prepare: a tally whose times a report has read.
    const store = new ToolTallyStore();
    const a = store.indexOf(0, 0);
    const b = store.indexOf(1, 0);
    store.add(a, 'ok', '2026-11-02T00:00:00Z', undefined);
    store.add(b, 'ok', '2026-11-05T00:00:00Z', undefined);
    expect([store.firstSeenAt(a), store.lastSeenAt(a)]).toEqual([
      '2026-11-02T00:00:00Z',
      '2026-11-02T00:00:00Z',
    ]);
    // Act: an earlier and a later call, then a new tally.
    store.add(a, 'ok', '2026-11-01T00:00:00Z', undefined);
    store.add(a, 'ok', '2026-11-03T00:00:00Z', undefined);
    const c = store.indexOf(2, 0);
    store.add(c, 'failed', '2026-11-04T00:00:00.5Z', undefined);
    // Assess
    expect([store.firstSeenAt(a), store.lastSeenAt(a)]).toEqual([
      '2026-11-01T00:00:00Z',
      '2026-11-03T00:00:00Z',
    ]);
    expect([store.firstSeenAt(b), store.lastSeenAt(b)]).toEqual([
      '2026-11-05T00:00:00Z',
      '2026-11-05T00:00:00Z',
    ]);
    expect(store.lastSeenAt(c)).toBe('2026-11-04T00:00:00.5Z');
  });

  it('one subject with other claims is another caller, however many, in the order first seen', () => {
    // Prepare: one subject under three clients, interleaved, and another subject.
    const gatewayArn = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-c';
    const collector = new ToolUsageCollector({ keptClaims: ['client_id'] });
    const call = (sub: string, client: string | undefined) =>
      sampleInvokeRecord({
        gatewayArn,
        tool: 't___a',
        targetId: 'T',
        claims: { sub, ...(client !== undefined ? { client_id: client } : {}) },
        time: '2026-11-01T00:00:00Z',
      });
    // Act
    for (const [sub, client] of [
      ['u', 'c1'],
      ['u', 'c2'],
      ['u', 'c1'],
      ['v', 'c1'],
      ['u', undefined],
      ['u', 'c2'],
      ['u', undefined],
    ] as const)
      collector.addRecord(call(sub, client));
    // Assess
    const callers = [...(collector.gateways.get(gatewayArn)?.callers.values() ?? [])];
    expect(
      callers.map((c) => [
        c.caller.kind === 'oauth' ? [c.caller.sub, c.caller.claims.client_id] : [],
        c.tools.get('t___a')?.calls,
      ]),
    ).toEqual([
      [['u', 'c1'], 2],
      [['u', 'c2'], 2],
      [['v', 'c1'], 1],
      [['u', undefined], 2],
    ]);
  });
});
