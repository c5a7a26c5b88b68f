import type { Rule } from '../types.js';
import {
  AGENTCORE,
  failed,
  gatewayIdOf,
  hostOf,
  matchesPattern,
  param,
  principalOf,
  str,
} from './support.js';

function discoveryHost(record: Parameters<Rule['evaluate']>[0]): string | undefined {
  const url = str(param(record, 'authorizerConfiguration', 'customJWTAuthorizer', 'discoveryUrl'));
  return url === undefined ? undefined : (hostOf(url) ?? url);
}

/**
 * A gateway's JWT discovery URL moved to another issuer: outside the configured trusted
 * issuers when there are any (certain), else a host never seen for this gateway (baseline).
 */
export const gatewayIssuerChanged: Rule = {
  id: 'gateway-issuer-changed',
  title: 'Gateway JWT issuer changed',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1556 Modify Authentication Process' },
  description:
    'The discovery URL of a gateway authorizer points to an issuer it did not use before (or outside the trusted issuers): whoever controls that issuer can mint accepted tokens.',
  runbook:
    'Check the new discovery URL with the identity team; if unknown, restore the previous issuer, rotate inbound client secrets and review InvokeGateway calls since the change.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  dedup: { key: (r) => `${gatewayIdOf(r) ?? ''}|${discoveryHost(r) ?? ''}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'gateway-issuer',
    subject: (r) => gatewayIdOf(r),
    values: (r) => {
      const host = discoveryHost(r);
      return host === undefined ? [] : [host];
    },
  },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const url = str(
      param(record, 'authorizerConfiguration', 'customJWTAuthorizer', 'discoveryUrl'),
    );
    if (url === undefined) return undefined;
    const host = hostOf(url) ?? url;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const trusted = context.trustedIssuers ?? [];
    const untrusted =
      trusted.length > 0 &&
      !trusted.some(
        (t) => url.startsWith(t) || host === t.toLowerCase() || matchesPattern(host, t),
      );
    if (trusted.length > 0 && !untrusted) return undefined;
    return {
      summary: `gateway ${gatewayId} discovery URL set to issuer ${host} by ${principalOf(record)}`,
      resource: gatewayId,
      details: { issuerHost: host },
      certain: untrusted,
    };
  },
};
