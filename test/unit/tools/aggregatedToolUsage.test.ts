/**
 * The same InvokeGateway data events give the same tool report whether they are read from
 * trail files (ToolUsageCollector, record by record) or aggregated by the Athena query
 * (AggregatedToolUsage, from grouped rows). Nothing here runs SQL: `athenaRowsOf` below turns
 * records into the rows the query returns, mirroring each SELECT expression of
 * lib/tools/toolUsageQuery.ts (the SQL text itself is tested in toolUsageQuery.test.ts). The
 * rows then go through the real header check and row mapping.
 */
import type { AthenaRow } from '../../../lib/reports/athenaQuery.js';
import { AggregatedToolUsage } from '../../../lib/tools/AggregatedToolUsage.js';
import { DEFAULT_KEPT_CLAIMS, POLICY_DENIAL } from '../../../lib/tools/invokeRecord.js';
import { parseTargetsFile, type GatewayTools } from '../../../lib/tools/inventory.js';
import { renderToolsHtml } from '../../../lib/tools/render/html.js';
import { renderToolsMarkdown } from '../../../lib/tools/render/markdown.js';
import { buildToolReport, type ToolReport } from '../../../lib/tools/report.js';
import { sampleInvokeRecord, type SampleCall } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';
import { athenaToolUsageRows, toolUsageColumns } from '../../../lib/tools/toolUsageQuery.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-agg1';
const GW2 = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-agg2';
const ROLE = 'arn:aws:sts::111122223333:assumed-role/agent/s1';
const HOSTILE = `<script>alert(1)</script>'); DROP TABLE t; -- | \`x\``;

type Rec = Record<string, unknown>;
const call = (c: Partial<SampleCall> & { time: string }): Rec =>
  sampleInvokeRecord({ gatewayArn: GW, tool: 'crm___get', targetId: 'T1', ...c });
const edit = (r: Rec, f: (r: Rec) => void): Rec => {
  f(r);
  return r;
};
const at = (day: number, hour = 10) =>
  `2026-12-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;

/** Data events covering each way a record is read, attributed or not. */
function records(): Rec[] {
  return [
    call({ claims: { sub: 'u1', client_id: 'agentA' }, time: at(1) }),
    call({ claims: { sub: 'u1', client_id: 'agentA' }, time: at(3) }),
    call({ claims: { sub: 'u1', client_id: 'agentA' }, time: at(2) }),
    // The same subject with another client is another caller.
    call({ claims: { sub: 'u1', client_id: 'agentB' }, time: at(2) }),
    // Entity-sanitized and raw claim values are the same caller once decoded.
    call({ claims: { sub: 'a&amp;b', scope: 'read write' }, time: at(4) }),
    call({ claims: { sub: 'a&b', scope: 'read write' }, time: at(5) }),
    // Lists, numbers and booleans as claims; a claim too long to keep.
    call({ claims: { sub: 'u2', groups: ['ops', 'dev'], username: 42 }, time: at(6) }),
    call({ claims: { sub: 'u2', groups: ['ops', 'dev'], username: 42 }, time: at(6, 11) }),
    call({ claims: { sub: 'u3', azp: true, tenant: 'x'.repeat(600) }, time: at(7) }),
    // A caller-written subject and tool name that must be escaped on every output.
    call({ claims: { sub: HOSTILE, client_id: HOSTILE }, tool: `crm___${HOSTILE}`, time: at(7) }),
    // Outcomes: policy denial, other JSON-RPC error, HTTP failure, refusal as text.
    call({
      claims: { sub: 'u4', client_id: 'agentB' },
      tool: 'crm___delete',
      error: { code: -32002, message: 'Tool call not authorized by policy' },
      time: at(8),
    }),
    call({
      claims: { sub: 'u4', client_id: 'agentB' },
      tool: 'crm___delete',
      error: { code: -32603, message: 'target timed out' },
      time: at(9),
    }),
    call({ claims: { sub: 'u4', client_id: 'agentB' }, statusCode: 500, time: at(9, 12) }),
    edit(call({ claims: { sub: 'u4', client_id: 'agentB' }, time: at(10) }), (r) => {
      (r.responseElements as Rec).statusCode = '403';
    }),
    // A response body logged as JSON text.
    edit(call({ claims: { sub: 'u5' }, time: at(11) }), (r) => {
      (r.responseElements as Rec).body = JSON.stringify({
        error: { code: 1, message: 'Forbidden by policy engine' },
      });
    }),
    // A request body logged as JSON text; one too redacted to read.
    edit(call({ claims: { sub: 'u5' }, time: at(12) }), (r) => {
      (r.requestParameters as Rec).body = JSON.stringify({
        jsonrpc: '2.0',
        method: 'tools/call',
        params: { name: 'crm___list' },
      });
    }),
    edit(call({ claims: { sub: 'u5' }, time: at(12) }), (r) => {
      (r.requestParameters as Rec).body = 'HIDDEN_DUE_TO_SECURITY_REASONS';
    }),
    // Other methods; a tool call without a tool name; one without a target id (kept, counted).
    call({ claims: { sub: 'u6' }, method: 'tools/list', time: at(13) }),
    call({ claims: { sub: 'u6' }, method: 'initialize', time: at(13) }),
    edit(call({ claims: { sub: 'u6' }, time: at(14) }), (r) => {
      delete ((r.requestParameters as Rec).body as { params: Rec }).params.name;
    }),
    call({ claims: { sub: 'u6' }, targetId: undefined, time: at(14) }),
    call({ claims: { sub: 'u6' }, targetId: 'T2', time: at(15) }),
    // AWS_IAM gateway: the caller is the signing identity.
    call({ iamArn: ROLE, time: at(16) }),
    call({ iamArn: ROLE, tool: 'crm___put', time: at(17) }),
    // Not attributable: claims without sub, refused token, no gateway at all.
    call({ claims: { client_id: 'agentA' }, time: at(18) }),
    call({ claims: { sub: 'u9' }, statusCode: 401, time: at(18) }),
    edit(call({ claims: { sub: 'u1' }, time: at(19) }), (r) => {
      r.resources = [];
    }),
    // Claims that are not an object: no caller (and no IAM identity either).
    edit(call({ claims: { sub: 'u1' }, time: at(19) }), (r) => {
      ((r.additionalEventData as Rec).jwt as Rec).claims = 'sub=u1';
    }),
    // Another gateway; the preview event name.
    sampleInvokeRecord({ gatewayArn: GW2, tool: 'hr___get', claims: { sub: 'u7' }, time: at(20) }),
    edit(call({ claims: { sub: 'u7' }, time: at(21) }), (r) => {
      r.eventName = 'InvokeMcp';
    }),
    // Not a gateway data event: left out by the WHERE clause and by the reader alike.
    { eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue', eventTime: at(1) },
  ];
}

const isObject = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: unknown, key: string): unknown =>
  isObject(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
/** `json_format(json_extract(...))`: the value's JSON text, NULL when absent. */
const raw = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));
/** `json_extract_scalar`: a scalar's text, NULL for objects, arrays and null. */
const scalar = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : undefined;
/** The body expression: an object as is, text parsed when it looks like an object. */
function body(container: unknown): unknown {
  const value = own(container, 'body');
  const text = scalar(value);
  if (text === undefined) return value;
  if (text.length > 65_536 || !text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The rows the Athena query returns for `input` (header first), as GetQueryResults gives them. */
function athenaRowsOf(input: readonly Rec[], claimNames: readonly string[]): AthenaRow[] {
  const groups = new Map<
    string,
    { cells: (string | undefined)[]; n: number; min: string; max: string }
  >();
  for (const r of input) {
    if (r.eventSource !== 'bedrock-agentcore.amazonaws.com') continue;
    if (r.eventName !== 'InvokeGateway' && r.eventName !== 'InvokeMcp') continue;
    const resources = Array.isArray(r.resources) ? (r.resources as Rec[]) : [];
    const gateway = resources.find(
      (x) =>
        x.type === 'AWS::BedrockAgentCore::Gateway' && typeof x.ARN === 'string' && x.ARN !== '',
    )?.ARN as string | undefined;
    const claims = own(own(r.additionalEventData, 'jwt'), 'claims');
    const claimsObject = isObject(claims);
    const identity = r.userIdentity as Rec | undefined;
    const request = body(r.requestParameters);
    const response = body(r.responseElements);
    const error = own(response, 'error');
    const message = scalar(own(error, 'message')) ?? '';
    const cells = [
      gateway,
      claimsObject ? 'object' : undefined,
      raw(own(claims, 'sub')),
      ...claimNames.map((name) => raw(own(claims, name))),
      claimsObject ? undefined : scalar(identity?.type),
      claimsObject ? undefined : scalar(identity?.arn),
      identity?.accountId === 'anonymous' ? 'anonymous' : undefined,
      raw(own(request, 'method')),
      raw(own(own(request, 'params'), 'name')),
      raw(own(r.additionalEventData, 'targetId')),
      raw(own(r.responseElements, 'statusCode')),
      isObject(error)
        ? new RegExp(POLICY_DENIAL.source, 'i').test(message)
          ? 'policy'
          : 'other'
        : undefined,
    ];
    const key = JSON.stringify(cells);
    const time = String(r.eventTime);
    const group = groups.get(key) ?? { cells, n: 0, min: time, max: time };
    group.n += 1;
    if (time < group.min) group.min = time;
    if (time > group.max) group.max = time;
    groups.set(key, group);
  }
  const datum = (v: string | undefined) => (v === undefined ? {} : { VarCharValue: v });
  return [
    { Data: toolUsageColumns(claimNames.length).map((c) => ({ VarCharValue: c })) },
    ...[...groups.values()].map((g) => ({
      Data: [...g.cells, String(g.n), g.min, g.max].map(datum),
    })),
  ];
}

const inventory: GatewayTools[] = parseTargetsFile(
  JSON.stringify({
    gateways: [
      {
        gatewayArn: GW,
        authorizerType: 'CUSTOM_JWT',
        targets: [
          {
            gatewayArn: GW,
            targetId: 'T1',
            name: 'crm',
            targetConfiguration: {
              mcp: {
                lambda: {
                  lambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:crm',
                  toolSchema: {
                    inlinePayload: ['get', 'delete', 'list', 'put', 'export'].map((name) => ({
                      name,
                      description: '',
                      inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
                    })),
                  },
                },
              },
            },
          },
        ],
      },
    ],
  }),
);

function bothWays(options: { keptClaims?: string[]; gateway?: string; principalClaim?: string }) {
  const input = records();
  const collector = new ToolUsageCollector(options);
  for (const r of input) collector.addRecord(r);
  const aggregated = new AggregatedToolUsage(options);
  for (const row of athenaToolUsageRows(
    athenaRowsOf(input, aggregated.claimNames),
    aggregated.claimNames.length,
    true,
  ))
    aggregated.addRow(row);
  const build = (usage: ToolUsageCollector | AggregatedToolUsage): ToolReport =>
    buildToolReport(usage, inventory, {
      now: new Date('2026-12-31T00:00:00Z'),
      highRisk: ['crm___export'],
      ...(options.gateway !== undefined ? { gateway: options.gateway } : {}),
      ...(options.principalClaim !== undefined ? { principalClaim: options.principalClaim } : {}),
    });
  return { collector, aggregated, fromTrail: build(collector), fromAthena: build(aggregated) };
}

describe('tool usage: trail files and Athena rows give the same report', () => {
  it.each([
    ['default claims', {}],
    [
      'grouped by a claim',
      { keptClaims: [...DEFAULT_KEPT_CLAIMS, 'tenant'], principalClaim: 'client_id' },
    ],
    ['one gateway', { gateway: 'gw-agg1' }],
  ])('%s', (_name, options) => {
    // Act
    const { fromTrail, fromAthena, collector, aggregated } = bothWays(options);
    // Assess: the whole report, but records read (the query reads only data events).
    expect(fromAthena.gateways).toEqual(fromTrail.gateways);
    expect({ ...fromAthena.sources, recordsRead: 0 }).toEqual({
      ...fromTrail.sources,
      recordsRead: 0,
    });
    expect(aggregated.stats).toEqual({
      ...collector.stats,
      recordsRead: collector.stats.invokeEvents,
    });
    expect(renderToolsMarkdown(fromAthena)).toBe(
      renderToolsMarkdown({ ...fromTrail, sources: fromAthena.sources }),
    );
    expect(renderToolsHtml(fromAthena)).toBe(
      renderToolsHtml({ ...fromTrail, sources: fromAthena.sources }),
    );
  });

  it('the fixtures reach every outcome and every gap (so the comparison means something)', () => {
    const { fromAthena, aggregated } = bothWays({});
    const access = fromAthena.gateways.find((g) => g.gatewayArn === GW)?.access;
    expect(access?.gaps).toEqual({
      missingGateway: 0,
      missingCaller: 2,
      unauthenticated: 1,
      missingMethod: 1,
      missingTool: 1,
      missingTargetId: 1,
    });
    const u4 = access?.principals.find((p) => p.principal === 'u4');
    expect(u4?.tools.find((t) => t.tool === 'crm___delete')).toMatchObject({
      calls: 2,
      policyDenied: 1,
      failed: 1,
    });
    expect(u4?.tools.find((t) => t.tool === 'crm___get')).toMatchObject({ failed: 1, refused: 1 });
    expect(access?.principals.find((p) => p.principal === 'a&b')?.tools[0]?.calls).toBe(2);
    expect(access?.principals.find((p) => p.principal === ROLE)?.kind).toBe('iam');
    expect(
      access?.principals.find((p) => p.principal === 'u1' && p.claims.client_id === 'agentA')
        ?.tools[0],
    ).toMatchObject({
      calls: 3,
      firstSeen: at(1),
      lastSeen: at(3),
    });
    expect(aggregated.stats.withoutGateway).toBe(1);
  });

  it('escapes caller-written subjects and tool names in HTML and Markdown as the trail path does', () => {
    const { fromAthena } = bothWays({});
    const html = renderToolsHtml(fromAthena);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script&#62;');
    const md = renderToolsMarkdown(fromAthena);
    expect(md).not.toContain('<script>');
  });

  it('adds nothing for a row without a positive count', () => {
    const usage = new AggregatedToolUsage();
    const rows = athenaToolUsageRows(
      [
        {
          Data: [
            { VarCharValue: GW },
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            {},
            { VarCharValue: '0' },
          ],
        },
      ],
      usage.claimNames.length,
      false,
    );
    for (const row of rows) usage.addRow(row);
    expect(usage.gateways.size).toBe(0);
    expect(usage.stats.invokeEvents).toBe(0);
  });
});
