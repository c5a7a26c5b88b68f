import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import {
  AGENTCORE,
  accountOfArn,
  failed,
  gatewayIdOf,
  hostOf,
  isTrustedAccount,
  obj,
  param,
  principalOf,
  str,
} from './support.js';

interface TargetEndpoints {
  lambdaArns: string[];
  hosts: string[];
}

/** Lambda ARNs and endpoint hosts a target configuration points at. */
export function targetEndpoints(record: CloudTrailRecord): TargetEndpoints {
  const out: TargetEndpoints = { lambdaArns: [], hosts: [] };
  const mcp = obj(param(record, 'targetConfiguration', 'mcp'));
  if (mcp === undefined) return out;
  const lambdaArn = str(obj(mcp.lambda)?.lambdaArn);
  if (lambdaArn !== undefined) out.lambdaArns.push(lambdaArn);
  const endpoint = str(obj(mcp.mcpServer)?.endpoint);
  if (endpoint !== undefined) out.hosts.push(hostOf(endpoint) ?? endpoint);
  // OpenAPI targets: the servers of an inline schema (S3-hosted schemas are not in the record).
  const inline = str(obj(mcp.openApiSchema)?.inlinePayload);
  if (inline !== undefined && inline.length < 1_000_000) {
    try {
      const servers = obj(JSON.parse(inline))?.servers;
      if (Array.isArray(servers)) {
        for (const server of servers) {
          const url = str(obj(server)?.url);
          const host = url === undefined ? undefined : hostOf(url);
          if (host !== undefined) out.hosts.push(host);
        }
      }
    } catch {
      // A YAML or invalid schema: nothing to extract, not a reason to fail the rule.
    }
  }
  return out;
}

/**
 * A target pointed at a Lambda in an untrusted account (certain), or at an endpoint host
 * never seen for this gateway (baseline per gateway).
 */
export const gatewayTargetExternal: Rule = {
  id: 'gateway-target-external',
  title: 'Gateway target points to another account or a new external endpoint',
  severity: 'high',
  mitre: { tactic: 'Exfiltration', technique: 'T1537 Transfer Data to Cloud Account' },
  description:
    'A gateway target now sends tool calls (and the credentials attached to them) to a Lambda in an untrusted account or to an endpoint the gateway never used.',
  runbook:
    'Verify the endpoint owner; if unknown, delete the target, rotate the credential provider it used and review tool calls since the change.',
  events: { sources: [AGENTCORE], names: ['CreateGatewayTarget', 'UpdateGatewayTarget'] },
  reads: ['requestParameters.gatewayIdentifier', 'requestParameters.targetConfiguration'],
  dedup: {
    key: (r) => {
      const e = targetEndpoints(r);
      return `${gatewayIdOf(r) ?? ''}|${[...e.lambdaArns, ...e.hosts].join(',')}`;
    },
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-endpoint',
    subject: (r) => gatewayIdOf(r),
    values: (r) => targetEndpoints(r).hosts,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const endpoints = targetEndpoints(record);
    for (const arn of endpoints.lambdaArns) {
      const account = accountOfArn(arn);
      if (account !== undefined && !isTrustedAccount(account, record, context)) {
        return {
          severity: 'critical',
          summary: `gateway ${gatewayId} target points to a Lambda in untrusted account ${account}, set by ${principalOf(record)}`,
          resource: gatewayId,
          details: { lambdaArn: arn, account },
          facts: [`principal=${account}`],
          certain: true,
        };
      }
    }
    if (endpoints.hosts.length === 0) return undefined;
    return {
      summary: `gateway ${gatewayId} target points to new endpoint ${endpoints.hosts.join(', ')}, set by ${principalOf(record)}`,
      resource: gatewayId,
      details: { endpoints: endpoints.hosts.join(',') },
      facts: endpoints.hosts.map((host) => `endpoint=${host}`),
    };
  },
};
