import type { Rule, RuleMatch } from '../types.js';
import { WAFV2, webAclWeakeningOf } from '../webAcls.js';
import { failed, param, principalOf, str } from './support.js';

/**
 * The web ACL on a gateway weakened in place: UpdateWebACL replaces an ACL's rules and default
 * action whole, so an update with no rules and a default Allow takes the WAF off a gateway while
 * the association stays (gateway-waf-weakened sees only the gateway's own wafConfiguration).
 * Which ACLs protect gateways, and what they enforced, is learned from CreateWebACL,
 * UpdateWebACL, AssociateWebACL on a gateway ARN and the gateway's own responses, and kept in
 * the state store (see webAcls.ts). An ACL first seen in this update is learned, not judged.
 */
export const gatewayWebAclWeakened: Rule = {
  id: 'gateway-web-acl-weakened',
  title: 'Web ACL protecting a gateway emptied or loosened',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'An UpdateWebACL (a full replace) on a web ACL associated with an AgentCore gateway left it enforcing nothing with a default Allow, or switched its default action from Block to Allow (high), or dropped rules it had or set enforcing rules to count only (medium).',
  runbook:
    'Compare the web ACL (GetWebACL) with its definition in code and put the rules back; confirm the change with the gateway owner; review InvokeGateway calls since the change; restrict wafv2:UpdateWebACL on gateway ACLs (the `gatewarden guardrails` tag statement).',
  events: {
    sources: [WAFV2],
    names: ['UpdateWebACL', 'CreateWebACL', 'AssociateWebACL'],
  },
  reads: [
    'requestParameters.id',
    'requestParameters.name',
    'requestParameters.rules',
    'requestParameters.defaultAction',
  ],
  dedup: { key: (r) => str(param(r, 'id')) ?? principalOf(r), windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const weakening = webAclWeakeningOf(record, context);
    if (weakening === undefined) return undefined;
    const acl = str(param(record, 'name')) ?? str(param(record, 'id')) ?? 'unknown';
    const gateways = weakening.gatewayIds;
    const on = `gateway ${gateways.slice(0, 3).join(', ')}${gateways.length > 3 ? ` and ${gateways.length - 3} more` : ''}`;
    const what = [
      ...(weakening.emptied ? ['enforces no rule, default Allow'] : []),
      ...(weakening.defaultAllowed ? ['default action Block → Allow'] : []),
      ...(weakening.removed.length > 0
        ? [`rules removed: ${weakening.removed.slice(0, 5).join(', ')}`]
        : []),
      ...(weakening.counted.length > 0
        ? [`rules set to count: ${weakening.counted.slice(0, 5).join(', ')}`]
        : []),
    ];
    return {
      severity: weakening.emptied || weakening.defaultAllowed ? 'high' : 'medium',
      summary: `web ACL ${acl} on ${on} weakened by ${principalOf(record)} (${what.join('; ')})`,
      resource: acl,
      details: {
        gateway: gateways[0] ?? '',
        gateways: gateways.length,
        emptied: weakening.emptied,
        defaultAllowed: weakening.defaultAllowed,
        removed: weakening.removed.length,
        counted: weakening.counted.length,
      },
      facts: [
        ...(weakening.emptied ? ['waf=emptied'] : []),
        ...(weakening.defaultAllowed ? ['default=allow'] : []),
        ...weakening.removed.slice(0, 5).map((r) => `removed=${r}`),
        ...weakening.counted.slice(0, 5).map((r) => `count=${r}`),
      ],
    };
  },
};
