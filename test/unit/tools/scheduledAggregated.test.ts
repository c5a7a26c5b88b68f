/**
 * The scheduled report on a stage that reads usage from Athena or CloudTrail Lake: the tool
 * report comes from its own aggregating query over the access report's window (the access
 * report's records hold no raw data events there). No rows means no tool report and the
 * "data events are not enabled" line; a failing query leaves the access report stored and says
 * which source failed, by error class only.
 */
import { toolUsageFromEnv } from '../../../functions/report.js';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { runScheduledReport } from '../../../lib/reports/scheduled.js';
import { MemoryReportStore } from '../../../lib/reports/store.js';
import { MemoryActivitySource, type ActivityWindow } from '../../../lib/reports/usage.js';
import type { AggregatedToolUsage } from '../../../lib/tools/AggregatedToolUsage.js';
import type { ToolReport } from '../../../lib/tools/report.js';
import { scheduledToolRun } from '../../../lib/tools/scheduled.js';
import type { ToolUsageSource } from '../../../lib/tools/toolUsage.js';
import type { ToolUsageRow } from '../../../lib/tools/toolUsageQuery.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-agg-sched';
const AT = '2026-12-05T06:00:00Z';
const PREFIX = 'reports/2026/12/05/20261205T060000Z';
const CANARY = 'CANARY-athena-error-91c2';

const row = (sub: string, calls: number): ToolUsageRow => ({
  gatewayArn: GW,
  claimsObject: true,
  sub,
  claims: [],
  anonymous: false,
  method: 'tools/call',
  tool: 'crm___get',
  targetId: 'T1',
  statusCode: 200,
  calls,
  firstSeen: '2026-12-01T10:00:00Z',
  lastSeen: '2026-12-04T10:00:00Z',
});

/** The port with rows in memory: what the Athena and Lake adapters add from their pages. */
class RowsSource implements ToolUsageSource {
  readonly kind = 'athena';
  readonly description = 'Athena security.cloudtrail';
  windows: ActivityWindow[] = [];
  constructor(private readonly rows: ToolUsageRow[] | Error) {}
  query(): string {
    return 'SELECT 1';
  }
  collect(window: ActivityWindow, usage: AggregatedToolUsage) {
    this.windows.push(window);
    if (this.rows instanceof Error) return Promise.reject(this.rows);
    for (const r of this.rows) usage.addRow(r);
    return Promise.resolve({ issues: [] });
  }
}

function run(source: RowsSource) {
  const store = new MemoryReportStore();
  const sink = new MemoryAlertSink();
  const result = runScheduledReport(
    {
      report: {
        iam: new MemoryIamSource({
          UserDetailList: [],
          GroupDetailList: [],
          RoleDetailList: [],
          Policies: [],
        }),
        activity: new MemoryActivitySource([
          { eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', eventTime: AT },
        ]),
        catalog: new IamDataCatalog(),
        now: () => new Date(AT),
      },
      store,
      sinks: [sink],
      tools: () =>
        scheduledToolRun({
          inventory: { read: async () => ({ gateways: [], issues: [] }) },
          usage: source,
        }),
    },
    { days: 7 },
  );
  return { store, sink, result };
}

describe('scheduled tool report from an aggregating source', () => {
  it('queries the access report’s window and writes the tool report from the rows', async () => {
    // Prepare
    const source = new RowsSource([row('alice', 40), row('bob', 2)]);
    // Act
    const { store, sink, result } = run(source);
    expect((await result).toolGateways).toBe(1);
    // Assess
    expect(source.windows).toEqual([
      { from: new Date('2026-11-28T06:00:00Z'), to: new Date('2026-12-05T06:00:00Z') },
    ]);
    const tools = JSON.parse(store.objects.get(`${PREFIX}/tools/tools.json`) ?? '{}') as ToolReport;
    expect(
      tools.gateways[0]?.access?.principals.map((p) => [p.principal, p.tools[0]?.calls]),
    ).toEqual([
      ['alice', 40],
      ['bob', 2],
    ]);
    expect(tools.sources.invokeEvents).toBe(42);
    expect(sink.alerts[0]?.body).toContain('Tool access: 1 gateway(s) with data events');
  });

  it('no rows: no tool report, and the alert says data events are not enabled', async () => {
    const { store, sink, result } = run(new RowsSource([]));
    expect((await result).toolGateways).toBe(0);
    expect([...store.objects.keys()].some((k) => k.includes('/tools/'))).toBe(false);
    expect(sink.alerts[0]?.body).toContain(
      'Tool access: not reported (no InvokeGateway data event in the window: data events are not enabled',
    );
  });

  it('a failing query: the access report is stored; the reason is the error class only', async () => {
    const error = Object.assign(new Error(`query failed near '${CANARY}'`), {
      name: 'InvalidRequestException',
    });
    const { store, sink, result } = run(new RowsSource(error));
    expect((await result).toolGateways).toBe(0);
    expect(store.objects.get(`${PREFIX}/report.json`)).toBeDefined();
    expect(sink.alerts[0]?.body).toContain(
      'Tool access: not reported (Athena security.cloudtrail: InvalidRequestException)',
    );
    expect([...store.objects.values(), JSON.stringify(sink.alerts)].join('\n')).not.toContain(
      CANARY,
    );
  });
});

describe('the report function’s tool usage source, from the stage’s environment', () => {
  it.each([
    [{ GATEWARDEN_REPORT_LAKE_EDS: 'eds-1', GATEWARDEN_REPORT_ATHENA_TABLE: 'db.t' }, 'lake'],
    [{ GATEWARDEN_REPORT_ATHENA_TABLE: 'db.t', GATEWARDEN_TRAIL_BUCKET: 'b' }, 'athena'],
    [{ GATEWARDEN_TRAIL_BUCKET: 'b' }, undefined],
  ])('%j → %s', (env, kind) => {
    expect(toolUsageFromEnv(env)?.kind).toBe(kind);
  });

  it('names the stage workgroup, and refuses one Athena would not admit', () => {
    const env = {
      GATEWARDEN_REPORT_ATHENA_TABLE: 'db.t',
      GATEWARDEN_REPORT_ATHENA_WORKGROUP: 'wg',
    };
    expect(toolUsageFromEnv(env)?.description).toBe('Athena db.t (workgroup wg)');
    expect(() => toolUsageFromEnv({ ...env, GATEWARDEN_REPORT_ATHENA_WORKGROUP: "wg'" })).toThrow(
      /workgroup/,
    );
  });
});
