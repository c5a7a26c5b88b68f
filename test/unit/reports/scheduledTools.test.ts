/**
 * The scheduled report also writes the Tool access section and the recommended Cedar policies
 * when the records it reads hold InvokeGateway data events (same pass over the trail's files),
 * beside the access report under `tools/`; none means no tool report and a line saying why.
 * What the inventory says (tool names, gateway ids, errors) never leaves its folder or quotes
 * an error's message.
 */
import { checkParsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { runScheduledReport } from '../../../lib/reports/scheduled.js';
import { MemoryReportStore } from '../../../lib/reports/store.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { parseTargetsFile, type GatewayTools } from '../../../lib/tools/inventory.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import type { ToolReport } from '../../../lib/tools/report.js';
import { scheduledToolRun } from '../../../lib/tools/scheduled.js';

const A = '111122223333';
const GW = `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-sched1`;
const CANARY = 'CANARY-inventory-error-5f1e';
const AT = '2026-12-05T06:00:00Z';

const EMPTY_IAM = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };

const calls = [
  sampleInvokeRecord({
    gatewayArn: GW,
    tool: 'crm___get',
    targetId: 'T1',
    claims: { sub: 'alice', client_id: 'agentA' },
    time: '2026-12-04T10:00:00Z',
  }),
  sampleInvokeRecord({
    gatewayArn: GW,
    tool: 'crm___get',
    targetId: 'T1',
    claims: { sub: 'bob', client_id: 'agentB' },
    time: '2026-12-04T11:00:00Z',
  }),
];

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
                  lambdaArn: 'arn:x',
                  toolSchema: {
                    inlinePayload: [
                      { name: 'get', inputSchema: { type: 'object' } },
                      { name: 'wipe', inputSchema: { type: 'object' } },
                    ],
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

function deps(records: unknown[], read: () => Promise<{ gateways: GatewayTools[] }>) {
  const store = new MemoryReportStore();
  const sink = new MemoryAlertSink();
  return {
    store,
    sink,
    deps: {
      report: {
        iam: new MemoryIamSource(EMPTY_IAM),
        activity: new MemoryActivitySource(records),
        catalog: new IamDataCatalog(),
        now: () => new Date(AT),
      },
      store,
      sinks: [sink],
      tools: () =>
        scheduledToolRun({ inventory: { read: async () => ({ ...(await read()), issues: [] }) } }),
    },
  };
}

const PREFIX = 'reports/2026/12/05/20261205T060000Z';

describe('scheduled report: the tool report from the same records', () => {
  it('writes tools.{json,md,html} and a validating <gatewayId>.cedar under tools/', async () => {
    // Prepare: two callers of crm___get; a management record besides.
    const {
      store,
      sink,
      deps: d,
    } = deps(
      [...calls, { eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', eventTime: AT }],
      async () => ({ gateways: inventory }),
    );
    // Act
    const result = await runScheduledReport(d, { days: 7 });
    // Assess
    expect(result.toolGateways).toBe(1);
    const keys = [...store.objects.keys()].filter((k) => k.includes('/tools/')).sort();
    expect(keys).toEqual(
      [
        `${PREFIX}/tools/gw-sched1.cedar`,
        `${PREFIX}/tools/gw-sched1.json`,
        `${PREFIX}/tools/tools.html`,
        `${PREFIX}/tools/tools.json`,
        `${PREFIX}/tools/tools.md`,
      ].sort(),
    );
    const tools = JSON.parse(store.objects.get(`${PREFIX}/tools/tools.json`) ?? '{}') as ToolReport;
    expect(tools.sources.inventory).toBe('api');
    expect(tools.gateways[0]?.access?.toolsNobodyCalls).toEqual(['crm___wipe']);
    const cedar = store.objects.get(`${PREFIX}/tools/gw-sched1.cedar`) ?? '';
    expect(checkParsePolicySet({ staticPolicies: cedar }).type).toBe('success');
    expect(cedar).toContain('AgentCore::Action::"crm___get"');
    expect(cedar).not.toContain('crm___wipe');
    expect(store.objects.get(`${PREFIX}/tools/tools.md`)).toContain('Tool access');
    expect(sink.alerts[0]?.body).toContain(
      `Tool access: 1 gateway(s) with data events, 2 Cedar policy(ies) recommended; ${PREFIX}/tools/`,
    );
  });

  it('writes no tool report without data events, and the alert says why', async () => {
    // Prepare: management events only.
    const {
      store,
      sink,
      deps: d,
    } = deps(
      [{ eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', eventTime: AT }],
      async () => ({ gateways: inventory }),
    );
    // Act
    const result = await runScheduledReport(d, { days: 7 });
    // Assess
    expect(result.toolGateways).toBe(0);
    expect([...store.objects.keys()].some((k) => k.includes('/tools/'))).toBe(false);
    expect(sink.alerts[0]?.body).toContain(
      'Tool access: not reported (no InvokeGateway data event in the window: data events are not enabled',
    );
    expect(sink.alerts[0]?.body).not.toMatch(/nobody/i);
  });

  it('an inventory that fails is kept as its error class; the report is still written', async () => {
    // Prepare: the inventory's error message carries text that must not be copied anywhere.
    const {
      store,
      sink,
      deps: d,
    } = deps(calls, async () => {
      throw Object.assign(new Error(`denied ${CANARY}`), { name: 'AccessDeniedException' });
    });
    // Act
    await runScheduledReport(d, { days: 7 });
    // Assess
    const tools = JSON.parse(store.objects.get(`${PREFIX}/tools/tools.json`) ?? '{}') as ToolReport;
    expect(tools.sources.issues).toEqual([
      { input: 'tool inventory', reason: 'AccessDeniedException' },
    ]);
    expect(tools.gateways[0]?.recommendation?.policies.length).toBe(2);
    const everything = [...store.objects.values(), JSON.stringify(sink.alerts)].join('\n');
    expect(everything).not.toContain(CANARY);
  });

  it('a gateway id from a record never leaves the tools/ folder', async () => {
    // Prepare: a data event whose gateway ARN ends in a path climb.
    const hostile = sampleInvokeRecord({
      gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/..`,
      tool: 'a___b',
      claims: { sub: 'mallory' },
      time: '2026-12-04T10:00:00Z',
    });
    const { store, deps: d } = deps([hostile], async () => ({ gateways: [] }));
    // Act
    await runScheduledReport(d, { days: 7 });
    // Assess
    const keys = [...store.objects.keys()].filter((k) => !k.endsWith('/report.json'));
    for (const key of keys)
      expect(key).toMatch(/^reports\/2026\/12\/05\/20261205T060000Z\/(tools\/)?[\w-]+\.\w+$/);
    expect(keys).toContain(`${PREFIX}/tools/__.cedar`);
  });
});
