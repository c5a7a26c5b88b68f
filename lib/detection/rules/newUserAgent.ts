import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, isGatewayManagement, principalOf, stableCaller } from './support.js';

const familyCache = new Map<string, string>();

/** A user agent without version numbers, so tool upgrades do not look new. */
export function userAgentFamily(record: CloudTrailRecord): string | undefined {
  const ua = record.userAgent;
  if (ua === undefined || ua === '') return undefined;
  const cached = familyCache.get(ua);
  if (cached !== undefined) return cached;
  const family = ua
    .slice(0, 1000)
    .replace(/\d+(\.\d+)+[\w.-]*/g, 'x')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  // User agents repeat heavily; the cache is bounded so hostile input cannot grow it.
  if (familyCache.size < 10_000) familyCache.set(ua, family);
  return family;
}

/** A gateway manager acting with a user agent family never seen for it (after learning). */
export const newUserAgent: Rule = {
  id: 'gateway-manager-new-user-agent',
  title: 'Gateway manager acting with a new user agent',
  severity: 'low',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'A principal that manages gateways made a management call with a tool (user agent, versions ignored) it never used during the baseline.',
  runbook:
    'Check whether the owner changed tools; an unfamiliar SDK or CLI from a familiar role can mean stolen session credentials.',
  events: { sources: [AGENTCORE] },
  dedup: { key: (r) => `${stableCaller(r)}|${userAgentFamily(r) ?? ''}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'principal-user-agent',
    subject: stableCaller,
    values: (r) => {
      const family = userAgentFamily(r);
      return family === undefined ? [] : [family];
    },
    learning: true,
  },
  evaluate(record) {
    if (!isGatewayManagement(record) || userAgentFamily(record) === undefined) return undefined;
    return {
      summary: `${principalOf(record)} called ${record.eventName} with a new user agent`,
      details: { userAgentFamily: userAgentFamily(record) ?? '' },
    };
  },
};
