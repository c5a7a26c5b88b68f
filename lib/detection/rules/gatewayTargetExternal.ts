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
  /** Hosts reached over plain `http:` (credentials and tool calls in clear). */
  plain: string[];
}

/**
 * Every `endpoint` string under a target configuration (MCP server, HTTP passthrough, runtime
 * and connector members alike), bounded: a new member type is read without a code change.
 */
function endpointsUnder(value: unknown, out: string[], depth = 0, seen = { n: 0 }): void {
  if (depth > 6 || seen.n++ > 200) return;
  const o = obj(value);
  if (o === undefined) {
    if (Array.isArray(value))
      for (const item of value.slice(0, 20)) endpointsUnder(item, out, depth + 1, seen);
    return;
  }
  for (const [key, item] of Object.entries(o)) {
    if ((key === 'endpoint' || key === 'url') && typeof item === 'string') out.push(item);
    else if (typeof item === 'object') endpointsUnder(item, out, depth + 1, seen);
  }
}

/** Lambda ARNs and endpoint hosts a target configuration points at. */
export function targetEndpoints(record: CloudTrailRecord): TargetEndpoints {
  const out: TargetEndpoints = { lambdaArns: [], hosts: [], plain: [] };
  const urls: string[] = [];
  endpointsUnder(param(record, 'targetConfiguration'), urls);
  for (const url of urls) {
    const host = hostOf(url) ?? url;
    if (/^http:\/\//i.test(url.trim())) out.plain.push(host);
    if (!out.hosts.includes(host)) out.hosts.push(host);
  }
  const mcp = obj(param(record, 'targetConfiguration', 'mcp'));
  if (mcp === undefined) return out;
  const lambdaArn = str(obj(mcp.lambda)?.lambdaArn);
  if (lambdaArn !== undefined) out.lambdaArns.push(lambdaArn);
  // OpenAPI targets: the servers of an inline schema (S3-hosted schemas are not in the record).
  const inline = str(obj(mcp.openApiSchema)?.inlinePayload);
  if (inline !== undefined && inline.length < 1_000_000) {
    try {
      const servers = obj(JSON.parse(inline))?.servers;
      if (Array.isArray(servers)) {
        for (const server of servers) {
          const url = str(obj(server)?.url);
          const host = url === undefined ? undefined : hostOf(url);
          if (host !== undefined && !out.hosts.includes(host)) out.hosts.push(host);
          if (host !== undefined && url !== undefined && /^http:\/\//i.test(url.trim())) {
            out.plain.push(host);
          }
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
    'A gateway target now sends tool calls (and the credentials attached to them) to a Lambda in an untrusted account (critical), over plain http: (high, whatever the host), or to an endpoint host the gateway never used (high).',
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
    if (endpoints.plain.length > 0) {
      return {
        summary: `gateway ${gatewayId} target endpoint ${endpoints.plain.join(', ')} over plain http:, set by ${principalOf(record)}`,
        resource: gatewayId,
        details: { endpoints: endpoints.plain.join(','), scheme: 'http' },
        facts: endpoints.plain.map((host) => `endpoint=http://${host}`),
        certain: true,
      };
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
