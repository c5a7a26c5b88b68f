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
 * A replace that keeps every rule name is compared rule by rule: an Allow rule ahead of the
 * enforcing rules ends evaluation before them, so its placement is judged, not only its name.
 */
export const gatewayWebAclWeakened: Rule = {
  id: 'gateway-web-acl-weakened',
  title: 'Web ACL protecting a gateway emptied or loosened',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    "An UpdateWebACL (a full replace) on a web ACL associated with an AgentCore gateway left it enforcing nothing with a default Allow, switched its default action from Block to Allow, or put an Allow rule whose statement matches most requests ahead of enforcing rules (high); or dropped rules it had, set enforcing rules to count or allow, overrode more of a rule group's rules to count, changed an enforcing rule's statement or action (a limit only tightened excepted), or put a narrower Allow rule ahead of enforcing rules (medium). Rules are compared by name, priority and a hash of their statement and action.",
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
      ...(weakening.allowed.length > 0
        ? [`rules set to allow: ${weakening.allowed.slice(0, 5).join(', ')}`]
        : []),
      ...(weakening.overridden.length > 0
        ? [
            `rule group rules overridden to count/allow: ${weakening.overridden.slice(0, 5).join(', ')}`,
          ]
        : []),
      ...(weakening.changed.length > 0
        ? [`enforcing rules changed: ${weakening.changed.slice(0, 5).join(', ')}`]
        : []),
      ...(weakening.allowAhead.length > 0
        ? [
            `Allow rules ahead of enforcing rules: ${weakening.allowAhead
              .slice(0, 5)
              .map((a) => (a.broad ? `${a.name} (matches most requests)` : a.name))
              .join(', ')}`,
          ]
        : []),
    ];
    const broadAllow = weakening.allowAhead.some((a) => a.broad);
    return {
      severity: weakening.emptied || weakening.defaultAllowed || broadAllow ? 'high' : 'medium',
      summary: `web ACL ${acl} on ${on} weakened by ${principalOf(record)} (${what.join('; ')})`,
      resource: acl,
      details: {
        gateway: gateways[0] ?? '',
        gateways: gateways.length,
        emptied: weakening.emptied,
        defaultAllowed: weakening.defaultAllowed,
        removed: weakening.removed.length,
        counted: weakening.counted.length,
        allowed: weakening.allowed.length,
        overridden: weakening.overridden.length,
        changed: weakening.changed.length,
        allowAhead: weakening.allowAhead.length,
        broadAllow,
      },
      facts: [
        ...(weakening.emptied ? ['waf=emptied'] : []),
        ...(weakening.defaultAllowed ? ['default=allow'] : []),
        ...weakening.removed.slice(0, 5).map((r) => `removed=${r}`),
        ...weakening.counted.slice(0, 5).map((r) => `count=${r}`),
        ...weakening.allowed.slice(0, 5).map((r) => `allow=${r}`),
        ...weakening.overridden.slice(0, 5).map((r) => `overridden=${r}`),
        ...weakening.changed.slice(0, 5).map((r) => `changed=${r}`),
        ...weakening.allowAhead.slice(0, 5).map((a) => `allow-first=${a.name}`),
      ],
    };
  },
};
