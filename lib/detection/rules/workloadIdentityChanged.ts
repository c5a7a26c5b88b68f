import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, hostOf, param, principalOf, str, strings } from './support.js';

const NAMES = ['CreateWorkloadIdentity', 'UpdateWorkloadIdentity', 'DeleteWorkloadIdentity'];

/** A return URL the OAuth authorization code may be sent to in clear (not https, not loopback). */
function insecure(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:') return false;
    return !(
      parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)
    );
  } catch {
    return true;
  }
}

/**
 * Workload identities: a gateway's (and an agent's) identity in the token vault. Their
 * `allowedResourceOauth2ReturnUrls` decide where the OAuth flows of its credential providers
 * may send users back with an authorization code.
 */
export const workloadIdentityChanged: Rule = {
  id: 'workload-identity-changed',
  title: 'Workload identity or its OAuth return URLs changed',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1528 Steal Application Access Token' },
  description:
    'An AgentCore workload identity was created, updated or deleted (gatewarden never changes one). Its allowed OAuth2 return URLs are where users are sent back with an authorization code: a new host there can collect users’ tokens (high when a URL is not https).',
  runbook:
    'Confirm the change with the owner of the workload; if unplanned, restore the allowed return URLs, revoke tokens obtained through the identity since the change and check the gateway still uses its own identity.',
  events: { sources: [AGENTCORE], names: NAMES },
  reads: ['requestParameters.name', 'requestParameters.allowedResourceOauth2ReturnUrls'],
  dedup: { key: (r) => `${principalOf(r)}|${str(param(r, 'name')) ?? ''}`, windowSeconds: 3600 },
  evaluate(record: CloudTrailRecord) {
    // Never exempt the rotator: it makes none of these calls, and its name pattern is one
    // anyone allowed to create a role can match.
    if (failed(record)) return undefined;
    const name = str(param(record, 'name')) ?? 'unknown identity';
    const listed = param(record, 'allowedResourceOauth2ReturnUrls');
    // A string here is CloudTrail's HIDDEN_DUE_TO_SECURITY_REASONS: not known, not a URL.
    const hidden = typeof listed === 'string';
    const urls = Array.isArray(listed) ? strings(listed) : [];
    const hosts = [...new Set(urls.map((url) => hostOf(url) ?? url))];
    const clear = urls.filter(insecure);
    let severity: 'low' | 'medium' | 'high' = 'medium';
    if (clear.length > 0) severity = 'high';
    else if (record.eventName === 'CreateWorkloadIdentity' && urls.length === 0 && !hidden)
      severity = 'low';
    return {
      severity,
      summary: `${record.eventName} on ${name} by ${principalOf(record)}${hosts.length > 0 ? ` (OAuth return hosts ${hosts.join(', ')}${clear.length > 0 ? '; not https' : ''})` : ''}${hidden ? ' (return URLs hidden in the record)' : ''}`,
      resource: name,
      details: { operation: record.eventName, returnUrls: urls.length },
      facts: hosts.map((host) => `returnHost=${host}`),
    };
  },
};
