/**
 * A realistic tool report for rendering tests: three gateways (an OAuth one with its tool list,
 * a deployed policy engine and high-risk tools; an AWS_IAM one; one whose tool list is known but
 * that has no data event), a few hundred data events from a seeded PRNG with refusals, policy
 * denials, failures, gaps, other JSON-RPC methods, several target ids per tool, times that are
 * not ISO text, and names that need escaping in JSON, Markdown and HTML. The same report on
 * every machine (`now` fixed).
 */
import { parseTargetsFile } from '../../lib/tools/inventory.js';
import { buildToolReport, type ToolReport } from '../../lib/tools/report.js';
import { sampleInvokeRecord } from '../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../lib/tools/ToolUsageCollector.js';
import { seededRandom } from './seededRandom.js';

const ACCOUNT = '111122223333';
export const FIXTURE_OAUTH_GW = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-fix-oauth`;
export const FIXTURE_IAM_GW = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-fix-iam`;
export const FIXTURE_QUIET_GW = `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/gw-fix-quiet`;

const CRM_TOOLS = ['get', 'put', 'delete', 'export', 'search'];
const FILES_TOOLS = ['read', 'write', 'purge'];
/** Names anyone who can call a gateway shapes: markup, table pipes, quotes, backticks, Unicode. */
const ODD_SUBJECTS = [
  'evil|</td><script>alert(2)</script>\n| fake | row |',
  'quote"back\\slash`tick`',
  'ünïcødé-用户-\u2028-sep',
  '<b>bold</b>&amp;',
];

function inlineTarget(gatewayArn: string, targetId: string, name: string, tools: string[]) {
  return {
    gatewayArn,
    targetId,
    name,
    targetConfiguration: {
      mcp: {
        lambda: {
          lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
          toolSchema: {
            inlinePayload: tools.map((tool) => ({
              name: tool,
              description: '',
              inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
            })),
          },
        },
      },
    },
  };
}

function targetsExport(): string {
  const resource = `AgentCore::Gateway::"${FIXTURE_OAUTH_GW}"`;
  return JSON.stringify({
    gateways: [
      {
        gatewayArn: FIXTURE_OAUTH_GW,
        authorizerType: 'CUSTOM_JWT',
        policyEngineConfiguration: {
          arn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:policy-engine/pe-fix`,
          mode: 'LOG_ONLY',
        },
        policies: [
          {
            policyId: 'id-wide',
            name: 'wide',
            definition: {
              cedar: {
                statement: `permit (principal is AgentCore::OAuthUser, action in [AgentCore::Action::"crm___get", AgentCore::Action::"crm___put", AgentCore::Action::"crm___delete"], resource == ${resource});`,
              },
            },
          },
          {
            policyId: 'id-files',
            name: 'files <all>',
            definition: {
              cedar: {
                statement: `permit (principal is AgentCore::OAuthUser, action == AgentCore::Action::"files___purge", resource == ${resource}) when { principal.id == "carol" };`,
              },
            },
          },
          {
            policyId: 'id-broken',
            name: 'broken',
            definition: { cedar: { statement: 'permit (' } },
          },
        ],
        targets: [
          inlineTarget(FIXTURE_OAUTH_GW, 'TCRM', 'crm', CRM_TOOLS),
          inlineTarget(FIXTURE_OAUTH_GW, 'TFIL', 'files', FILES_TOOLS),
          {
            gatewayArn: FIXTURE_OAUTH_GW,
            targetId: 'TOPAQUE',
            name: 'opaque',
            targetConfiguration: {},
          },
        ],
      },
      {
        gatewayArn: FIXTURE_QUIET_GW,
        authorizerType: 'CUSTOM_JWT',
        targets: [inlineTarget(FIXTURE_QUIET_GW, 'TQ', 'quiet', ['ping'])],
      },
    ],
  });
}

function records(): Record<string, unknown>[] {
  const random = seededRandom(909);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const out: Record<string, unknown>[] = [];
  const time = (): string =>
    `2026-11-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}T${String(Math.floor(random() * 24)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}Z`;
  const subjects = [...Array.from({ length: 40 }, (_, i) => `user-${i}`), ...ODD_SUBJECTS];
  for (let i = 0; i < 600; i++) {
    const sub = pick(subjects);
    const roll = random();
    const target = random() < 0.7 ? 'crm' : 'files';
    const tool = `${target}___${pick(target === 'crm' ? CRM_TOOLS : FILES_TOOLS)}`;
    out.push(
      sampleInvokeRecord({
        gatewayArn: FIXTURE_OAUTH_GW,
        tool,
        // Now and then another target id for the same tool (a target replaced).
        targetId: target === 'crm' ? (random() < 0.05 ? 'TCRM2' : 'TCRM') : 'TFIL',
        claims: {
          sub,
          client_id: `agent-${sub.length % 4}`,
          scope: 'gateway/invoke',
          ...(random() < 0.1 ? { username: `name of ${sub}` } : {}),
        },
        time: time(),
        ...(roll < 0.04 ? { statusCode: 403 } : {}),
        ...(roll >= 0.04 && roll < 0.08
          ? { error: { code: -32002, message: 'Tool call not authorized by policy' } }
          : {}),
        ...(roll >= 0.08 && roll < 0.11 ? { statusCode: 500 } : {}),
      }),
    );
  }
  // A subject that only lists tools; a tool called only with errors; odd times; gaps.
  for (const method of ['tools/list', 'initialize', 'tools/list'])
    out.push(
      sampleInvokeRecord({
        gatewayArn: FIXTURE_OAUTH_GW,
        method,
        claims: { sub: 'lister', client_id: 'agent-9' },
        time: '2026-11-03T01:02:03Z',
      }),
    );
  out.push(
    sampleInvokeRecord({
      gatewayArn: FIXTURE_OAUTH_GW,
      tool: 'gone___old_tool',
      targetId: 'TGONE',
      claims: { sub: 'user-1', client_id: 'agent-2' },
      time: '2026-11-04T00:00:00.123Z',
      statusCode: 500,
    }),
    sampleInvokeRecord({
      gatewayArn: FIXTURE_OAUTH_GW,
      tool: 'crm___get',
      targetId: 'TCRM',
      claims: { sub: 'user-2', client_id: 'agent-1' },
      time: 'not a time',
    }),
    sampleInvokeRecord({
      gatewayArn: FIXTURE_OAUTH_GW,
      tool: 'crm___get',
      claims: { sub: 'user-3', client_id: 'agent-3' },
      time: '2026-11-05T00:00:00Z',
    }),
    sampleInvokeRecord({
      gatewayArn: FIXTURE_OAUTH_GW,
      tool: 'crm___get',
      time: '2026-11-05T00:00:00Z',
    }),
    sampleInvokeRecord({
      gatewayArn: FIXTURE_OAUTH_GW,
      tool: 'crm___get',
      claims: { sub: 'x' },
      time: '2026-11-05T00:00:00Z',
      statusCode: 401,
    }),
  );
  for (let i = 0; i < 120; i++)
    out.push(
      sampleInvokeRecord({
        gatewayArn: FIXTURE_IAM_GW,
        tool: `ops___${pick(['deploy', 'status', 'rollback'])}`,
        targetId: 'TOPS',
        iamArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${pick(['ci', 'oncall', 'bot'])}/session-${Math.floor(random() * 3)}`,
        time: time(),
        ...(random() < 0.05 ? { statusCode: 500 } : {}),
      }),
    );
  return out;
}

/** The fixture report (`principalClaim` client_id, two high-risk tools). */
export function fixtureToolReport(): ToolReport {
  const collector = new ToolUsageCollector({ keptClaims: ['client_id', 'scope', 'username'] });
  for (const record of records()) collector.addRecord(record);
  return buildToolReport(collector, parseTargetsFile(targetsExport()), {
    files: 3,
    issues: [{ input: 'trail/bad <file>.json.gz', reason: 'not gzip | "odd"' }],
    highRisk: ['files___purge', 'export'],
    principalClaim: 'client_id',
    now: new Date('2026-12-01T00:00:00.000Z'),
  });
}
