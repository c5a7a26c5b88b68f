/**
 * The deployed policy engine against use, decided with Cedar: a permit no successful call
 * needed is "never used", a principal allowed tools it never calls is listed, the diff with the
 * recommendation counts the requests that would change, and the rollout advice follows the mode.
 */
import { parseTargetsFile } from '../../../lib/tools/inventory.js';
import { buildToolReport } from '../../../lib/tools/report.js';
import { renderToolsMarkdown } from '../../../lib/tools/render/markdown.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-dep1';
const tools = ['get', 'put', 'wipe'];

function exportWith(mode: string, statements: Record<string, string>): string {
  return JSON.stringify({
    gateways: [
      {
        gatewayArn: GW,
        authorizerType: 'CUSTOM_JWT',
        policyEngineConfiguration: {
          arn: 'arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1',
          mode,
        },
        policies: Object.entries(statements).map(([name, statement]) => ({
          policyId: `id-${name}`,
          name,
          definition: { cedar: { statement } },
        })),
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
                    inlinePayload: tools.map((name) => ({
                      name,
                      description: '',
                      inputSchema: { type: 'object' },
                    })),
                  },
                },
              },
            },
          },
        ],
      },
    ],
  });
}

function collector(): ToolUsageCollector {
  const c = new ToolUsageCollector();
  c.addRecord(
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___get',
      targetId: 'T1',
      claims: { sub: 'alice' },
      time: '2026-12-01T00:00:00Z',
    }),
  );
  c.addRecord(
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___put',
      targetId: 'T1',
      claims: { sub: 'bob' },
      time: '2026-12-01T00:00:00Z',
      error: { code: -32002, message: 'Tool call not authorized by policy' },
    }),
  );
  return c;
}

const resource = `AgentCore::Gateway::"${GW}"`;

describe('deployed policy engine vs use', () => {
  it('finds unused permits, tools allowed but never called, and the diff with the recommendation', () => {
    // Prepare: everyone may call every tool; a second permit for a tool nobody calls.
    const wide = `permit (principal is AgentCore::OAuthUser, action in [AgentCore::Action::"crm___get", AgentCore::Action::"crm___put", AgentCore::Action::"crm___wipe"], resource == ${resource});`;
    const wipeOnly = `permit (principal is AgentCore::OAuthUser, action == AgentCore::Action::"crm___wipe", resource == ${resource}) when { principal.id == "carol" };`;
    const inventories = parseTargetsFile(
      exportWith('LOG_ONLY', { wide, wipeOnly, broken: 'permit (' }),
    );
    // Act
    const report = buildToolReport(collector(), inventories);
    // Assess
    const d = report.gateways[0]?.deployed;
    expect(d?.mode).toBe('LOG_ONLY');
    expect(d?.rollout).toMatch(/1 refusal\(s\) logged.*before switching to ENFORCE/);
    expect(d?.policies).toEqual([
      { policyId: 'id-wide', name: 'wide', observedCallsAllowed: 1, neverUsed: false },
      { policyId: 'id-wipeOnly', name: 'wipeOnly', observedCallsAllowed: 0, neverUsed: true },
      {
        policyId: 'id-broken',
        name: 'broken',
        observedCallsAllowed: 0,
        neverUsed: true,
        problem: 'not parsable Cedar',
      },
    ]);
    expect(d?.allowedNeverCalled).toEqual([
      { principal: 'alice', tools: ['crm___put', 'crm___wipe'] },
      { principal: 'bob', tools: ['crm___get', 'crm___put', 'crm___wipe'] },
    ]);
    // Recommendation: alice → get only; bob → nothing. Deployed allows 6, recommended 1.
    expect(d?.diff.deployedOnly).toBe(5);
    expect(d?.diff.recommendedOnly).toBe(0);
    expect(renderToolsMarkdown(report)).toContain('Deployed policy engine (mode LOG\\_ONLY)');
  });

  it('ENFORCE with no refusals, and no engine at all, give their own advice', () => {
    const none = parseTargetsFile(exportWith('ENFORCE', {}));
    expect(buildToolReport(collector(), none).gateways[0]?.deployed?.rollout).toMatch(/^ENFORCE/);
    const raw = JSON.parse(exportWith('X', {})) as { gateways: Record<string, unknown>[] };
    delete raw.gateways[0]?.policyEngineConfiguration;
    const noEngine = parseTargetsFile(JSON.stringify(raw));
    expect(buildToolReport(collector(), noEngine).gateways[0]?.deployed?.rollout).toMatch(
      /attach it to the gateway in LOG_ONLY/,
    );
  });

  it('only policies in force decide: a LOG_ONLY or failed policy allows nothing, and says why', () => {
    // Prepare: the same wide permit, once logged only and once failed, and one in force.
    const wide = `permit (principal is AgentCore::OAuthUser, action in [AgentCore::Action::"crm___get", AgentCore::Action::"crm___put", AgentCore::Action::"crm___wipe"], resource == ${resource});`;
    const getOnly = `permit (principal == AgentCore::OAuthUser::"alice", action == AgentCore::Action::"crm___get", resource == ${resource});`;
    const raw = JSON.parse(exportWith('ENFORCE', { logged: wide, failed: wide, get: getOnly })) as {
      gateways: { policies: Record<string, unknown>[] }[];
    };
    const [logged, failed] = raw.gateways[0]?.policies ?? [];
    Object.assign(logged ?? {}, { enforcementMode: 'LOG_ONLY', status: 'ACTIVE' });
    Object.assign(failed ?? {}, { enforcementMode: 'ACTIVE', status: 'CREATE_FAILED' });
    // Act
    const d = buildToolReport(collector(), parseTargetsFile(JSON.stringify(raw))).gateways[0]
      ?.deployed;
    // Assess
    expect(d?.policies).toEqual([
      {
        policyId: 'id-logged',
        name: 'logged',
        enforcementMode: 'LOG_ONLY',
        observedCallsAllowed: 0,
        neverUsed: true,
        problem: 'LOG_ONLY policy: its decisions are logged, not enforced',
      },
      {
        policyId: 'id-failed',
        name: 'failed',
        enforcementMode: 'ACTIVE',
        observedCallsAllowed: 0,
        neverUsed: true,
        problem: 'status CREATE_FAILED: not in force',
      },
      { policyId: 'id-get', name: 'get', observedCallsAllowed: 1, neverUsed: false },
    ]);
    // What is enforced equals the recommendation (alice → get): no principal allowed more.
    expect(d?.allowedNeverCalled).toEqual([]);
    expect(d?.diff.deployedOnly).toBe(0);
  });
});
