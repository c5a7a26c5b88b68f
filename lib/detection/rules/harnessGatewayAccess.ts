import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, isGatewayRoleName, obj, param, principalOf, str } from './support.js';

const NAMES = ['CreateHarness', 'UpdateHarness'];

interface GatewayTool {
  gateway: string;
  /** How the harness authenticates to the gateway: `oauth:<provider ARN>`, `awsIam`, `none`. */
  auth: string;
}

/** The gateways a harness's tools call, with the credential each uses (never its value). */
function gatewayTools(record: CloudTrailRecord): GatewayTool[] {
  const tools = param(record, 'tools');
  if (!Array.isArray(tools)) return [];
  const found: GatewayTool[] = [];
  for (const tool of tools) {
    const config = obj(obj(obj(tool)?.config)?.agentCoreGateway);
    const gateway = str(config?.gatewayArn);
    if (config === undefined || gateway === undefined) continue;
    const outbound = obj(config.outboundAuth);
    const provider = str(obj(outbound?.oauth)?.providerArn);
    const auth = provider ? `oauth:${provider}` : outbound?.none !== undefined ? 'none' : 'awsIam';
    found.push({ gateway, auth });
  }
  return found;
}

function harnessOf(record: CloudTrailRecord): string {
  return str(param(record, 'harnessId')) ?? str(param(record, 'harnessName')) ?? 'unknown harness';
}

/**
 * A harness (AgentCore's managed agent loop) given a gateway as a tool: a new client of the
 * gateway, authenticating with an OAuth credential provider of the token vault (whose tokens
 * the harness then fetches) or with its execution role. A gateway execution role given to a
 * harness hands the agent the gateway's own permissions.
 */
export const harnessGatewayAccess: Rule = {
  id: 'harness-gateway-access',
  title: 'Agent harness given a gateway, or a gateway role',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'An AgentCore harness was created or updated with a gateway among its tools (and the credential provider or role it calls the gateway with), or with a gateway execution role as its own role (high): a new agent reaching the gateway’s tools and the credentials behind them.',
  runbook:
    'Confirm the harness with its owner; if unplanned, remove the gateway tool or give the harness its own role, and check the gateway’s authorizer and policy engine allow only the callers intended.',
  events: { sources: [AGENTCORE], names: NAMES },
  reads: [
    'requestParameters.harnessId',
    'requestParameters.harnessName',
    'requestParameters.executionRoleArn',
    'requestParameters.tools',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${harnessOf(r)}`, windowSeconds: 3600 },
  evaluate(record, context) {
    // Never exempt the rotator: it makes none of these calls, and its name pattern is one
    // anyone allowed to create a role can match.
    if (failed(record)) return undefined;
    const role = str(param(record, 'executionRoleArn'));
    const gatewayRole = role !== undefined && isGatewayRoleName(role, context);
    const gateways = gatewayTools(record);
    if (gateways.length === 0 && !gatewayRole) return undefined;
    const harness = harnessOf(record);
    const parts = [
      ...gateways.map((g) => `gateway ${g.gateway} (${g.auth})`),
      ...(gatewayRole ? [`gateway role ${role}`] : []),
    ];
    return {
      severity: gatewayRole ? 'high' : 'medium',
      summary: `${record.eventName} on ${harness} by ${principalOf(record)}: ${parts.join('; ')}`,
      resource: harness,
      details: { operation: record.eventName, gateways: gateways.length, gatewayRole },
      facts: [
        ...gateways.map((g) => `gateway=${g.gateway}|${g.auth}`),
        ...(gatewayRole && role ? [`role=${role}`] : []),
      ],
    };
  },
};
