/**
 * InvokeGateway data events as AgentCore's developer guide shows them, and the ways real
 * records break: no claims, a refused token, no target id, a body logged as text, the preview
 * event name, HTML-entity-sanitized claims. What is missing is counted, never guessed.
 */
import { readInvokeRecord, outcomeOf } from '../../../lib/tools/invokeRecord.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1';
const base = { gatewayArn: GW, tool: 'crm___get', targetId: 'T1', time: '2026-12-01T00:00:00Z' };

describe('readInvokeRecord', () => {
  it('reads gateway, subject, kept claims, tool, target and outcome from the documented shape', () => {
    // Act
    const read = readInvokeRecord(
      sampleInvokeRecord({
        ...base,
        claims: { sub: 'u1', client_id: 'c1', iss: 'https://idp', scope: 'a b' },
      }),
    );
    // Assess
    expect(read).toEqual({
      kind: 'fact',
      gaps: [],
      fact: {
        gatewayArn: GW,
        caller: { kind: 'oauth', sub: 'u1', claims: { client_id: 'c1', scope: 'a b' } },
        method: 'tools/call',
        tool: 'crm___get',
        targetId: 'T1',
        time: base.time,
        outcome: 'ok',
        statusCode: 200,
      },
    });
  });

  it.each([
    [
      'a refused bearer token (401, anonymous)',
      { claims: { sub: 'u1' }, statusCode: 401 },
      'unauthenticated',
    ],
    ['no JWT claims and no IAM caller', {}, 'missingCaller'],
    ['claims without sub', { claims: { client_id: 'c' } }, 'missingCaller'],
  ])('%s is a counted gap, not a principal', (_name, extra, gap) => {
    // Act
    const read = readInvokeRecord(sampleInvokeRecord({ ...base, ...extra }));
    // Assess
    expect(read).toMatchObject({ kind: 'gap', gap, gatewayArn: GW });
  });

  it('a tools/call without a target id is kept and the missing id counted', () => {
    const { targetId: _drop, ...rest } = base;
    const read = readInvokeRecord(sampleInvokeRecord({ ...rest, claims: { sub: 'u1' } }));
    expect(read).toMatchObject({
      kind: 'fact',
      gaps: ['missingTargetId'],
      fact: { tool: 'crm___get' },
    });
  });

  it('reads a body logged as JSON text, the preview name InvokeMcp, and IAM callers', () => {
    // Prepare
    const record = sampleInvokeRecord({
      ...base,
      iamArn: 'arn:aws:sts::111122223333:assumed-role/R/s',
    });
    record.eventName = 'InvokeMcp';
    (record.requestParameters as { body: unknown }).body = JSON.stringify({
      jsonrpc: '2.0',
      method: 'tools/call',
      params: { name: 'crm___get' },
    });
    // Act / Assess
    expect(readInvokeRecord(record)).toMatchObject({
      kind: 'fact',
      fact: {
        caller: { kind: 'iam', arn: 'arn:aws:sts::111122223333:assumed-role/R/s' },
        tool: 'crm___get',
      },
    });
  });

  it('decodes HTML-entity-sanitized claims (the engine sees the raw token)', () => {
    const read = readInvokeRecord(
      sampleInvokeRecord({ ...base, claims: { sub: 'a&amp;b&quot;c', client_id: 'x&lt;y' } }),
    );
    expect(read).toMatchObject({
      fact: { caller: { sub: 'a&b"c', claims: { client_id: 'x<y' } } },
    });
  });

  it('ignores records that are not gateway data events', () => {
    expect(
      readInvokeRecord({ eventSource: 'bedrock-agentcore.amazonaws.com', eventName: 'GetGateway' }),
    ).toEqual({ kind: 'other' });
    expect(readInvokeRecord({ eventSource: 'evil.example', eventName: 'InvokeGateway' })).toEqual({
      kind: 'other',
    });
    expect(readInvokeRecord(null)).toEqual({ kind: 'other' });
  });

  it.each([
    [200, undefined, 'ok'],
    [401, undefined, 'refused'],
    [403, undefined, 'refused'],
    [500, undefined, 'failed'],
    [
      200,
      { error: { code: -32002, message: 'Tool call not authorized by policy' } },
      'policyDenied',
    ],
    [200, { error: { code: -32603, message: 'Lambda timed out' } }, 'failed'],
    [200, JSON.stringify({ error: { code: -32002, message: 'Access denied' } }), 'policyDenied'],
  ])('status %s with body %j is %s', (status, body, outcome) => {
    expect(outcomeOf(status, body)).toBe(outcome);
  });
});

describe('ToolUsageCollector', () => {
  it('never keeps tool arguments, even when a record carries them unredacted', () => {
    // Prepare
    const canary = 'CANARY-ARGUMENT-4f1d9c';
    const record = sampleInvokeRecord({ ...base, claims: { sub: 'u1' } });
    (
      record.requestParameters as { body: { params: Record<string, unknown> } }
    ).body.params.arguments = {
      password: canary,
    };
    const collector = new ToolUsageCollector();
    // Act
    collector.addRecord(record);
    // Assess
    const kept = JSON.stringify([...collector.gateways.values()], (_k, v: unknown) =>
      v instanceof Map ? [...v.entries()] : v instanceof Set ? [...v] : v,
    );
    expect(kept).toContain('crm___get');
    expect(kept).not.toContain(canary);
  });

  it('counts per gateway × caller × tool, first and last seen whatever the record order', () => {
    // Prepare
    const collector = new ToolUsageCollector();
    const times = ['2026-12-03T00:00:00Z', '2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'];
    // Act
    for (const time of times)
      collector.addRecord(sampleInvokeRecord({ ...base, time, claims: { sub: 'u1' } }));
    collector.addRecord(sampleInvokeRecord({ ...base, claims: { sub: 'u1' }, statusCode: 500 }));
    // Assess
    const tally = [...(collector.gateways.get(GW)?.callers.values() ?? [])][0]?.tools.get(
      'crm___get',
    );
    expect(tally).toMatchObject({
      calls: 4,
      ok: 3,
      failed: 1,
      firstSeen: '2026-12-01T00:00:00Z',
      lastSeen: '2026-12-03T00:00:00Z',
    });
  });

  it('--gateway keeps one gateway (by id or ARN) and counts the others', () => {
    const other = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-2';
    for (const filter of ['gw-1', GW]) {
      const collector = new ToolUsageCollector({ gateway: filter });
      collector.addRecord(sampleInvokeRecord({ ...base, claims: { sub: 'u1' } }));
      collector.addRecord(
        sampleInvokeRecord({ ...base, gatewayArn: other, claims: { sub: 'u1' } }),
      );
      expect([...collector.gateways.keys()]).toEqual([GW]);
      expect(collector.stats.otherGateways).toBe(1);
    }
  });

  it('a claim named twice or __proto__ never splits one caller (no property, no second caller)', () => {
    // Prepare: JSON.parse makes "__proto__" an own claim; assigning it to an object adds nothing.
    const collector = new ToolUsageCollector({
      keptClaims: ['client_id', 'client_id', '__proto__'],
    });
    const record = (proto: string, time: string) =>
      JSON.parse(
        JSON.stringify(
          sampleInvokeRecord({ ...base, time, claims: { sub: 'u1', client_id: 'c1' } }),
        ).replace('"client_id":"c1"', `"client_id":"c1","__proto__":"${proto}"`),
      ) as unknown;
    // Act
    collector.addRecord(record('p1', '2026-12-01T00:00:00Z'));
    collector.addRecord(record('p2', '2026-12-02T00:00:00Z'));
    // Assess
    const callers = [...(collector.gateways.get(GW)?.callers.values() ?? [])];
    expect(callers).toHaveLength(1);
    expect(callers[0]?.caller).toEqual({ kind: 'oauth', sub: 'u1', claims: { client_id: 'c1' } });
    expect(callers[0]?.tools.get('crm___get')).toMatchObject({
      calls: 2,
      firstSeen: '2026-12-01T00:00:00Z',
      lastSeen: '2026-12-02T00:00:00Z',
    });
  });

  it('tallies of one target share its id list; a second target adds to a copy', () => {
    // Prepare
    const collector = new ToolUsageCollector();
    // Act
    collector.addRecord(sampleInvokeRecord({ ...base, claims: { sub: 'u1' } }));
    collector.addRecord(sampleInvokeRecord({ ...base, claims: { sub: 'u2' } }));
    collector.addRecord(sampleInvokeRecord({ ...base, targetId: 'T2', claims: { sub: 'u2' } }));
    // Assess
    const [u1, u2] = [...(collector.gateways.get(GW)?.callers.values() ?? [])].map((c) =>
      c.tools.get('crm___get'),
    );
    expect(u1?.targetIds).toEqual(['T1']);
    expect(u2?.targetIds).toEqual(['T1', 'T2']);
  });
});
