import { FACTS, factBefore } from './learnedFacts.js';
import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { AGENTCORE, gatewayIdOf, obj, param, response, str } from './rules/support.js';
import type { Tracked } from './stateTrackers.js';
import type { DetectionContext } from './types.js';

/**
 * What a WAF web ACL enforces and which gateways it protects, learned from the stream.
 *
 * A gateway's WAF is the web ACL associated with its ARN (`wafv2:AssociateWebACL`, or the
 * `webAclArn` a gateway's Create/UpdateGateway response names). UpdateWebACL replaces the
 * ACL's rules and default action whole: an update with no rules and a default Allow leaves
 * the association in place and lets every request through, and no association call shows it.
 * The rules are kept by name with whether each enforces (`action` block/captcha/challenge,
 * `overrideAction` none) or only counts. Model: WAFV2 2019-07-29, CloudTrail's camelCase.
 */

export const WAFV2 = 'wafv2.amazonaws.com';

/** What a web ACL's `web-acl` state holds. */
export interface WebAclFact {
  /** Rule name → `enforce` or `count`; absent when no rule list was seen. */
  rules?: Record<string, 'enforce' | 'count'>;
  /** `allow` or `block`; absent when never seen. */
  defaultAction?: string;
  /** Gateways the ACL was associated with (ids). */
  gatewayIds: string[];
}

/** What an update took away from a web ACL that protects gateways. */
export interface WebAclWeakening {
  gatewayIds: string[];
  /** No rule left and a default Allow: no WAF at all. */
  emptied: boolean;
  /** The default action went from Block to Allow. */
  defaultAllowed: boolean;
  /** Rules the ACL had that the update dropped. */
  removed: string[];
  /** Rules that enforced and now only count. */
  counted: string[];
}

/** Rules and gateways kept per ACL at most (the learned state stays bounded). */
const CAP = 100;

/** The id of a web ACL: its ARN's last segment, or the `id` of the request. */
function aclIdOfArn(arn: string): string | undefined {
  const m = /:(?:regional|global)\/webacl\/[^/]+\/([^/]+)$/.exec(arn);
  return m?.[1]?.toLowerCase();
}

function gatewayOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:bedrock-agentcore:[^:]*:\d{12}:gateway\/([^/]+)$/.exec(arn)?.[1];
}

function rulesOf(value: unknown): Record<string, 'enforce' | 'count'> {
  const out: Record<string, 'enforce' | 'count'> = {};
  if (!Array.isArray(value)) return out;
  for (const item of value.slice(0, CAP)) {
    const rule = obj(item);
    const name = str(rule?.name);
    if (rule === undefined || name === undefined) continue;
    const action = obj(rule.action) ?? obj(rule.overrideAction);
    out[name] = action !== undefined && 'count' in action ? 'count' : 'enforce';
  }
  return out;
}

function defaultActionOf(record: CloudTrailRecord): string | undefined {
  const action = obj(param(record, 'defaultAction'));
  if (action === undefined) return undefined;
  return 'allow' in action ? 'allow' : 'block' in action ? 'block' : undefined;
}

function known(version: StateVersion | undefined): WebAclFact | undefined {
  if (version?.state === undefined || version.state === null) return undefined;
  try {
    return factOf(JSON.parse(version.state));
  } catch {
    return undefined;
  }
}

/** A stored fact read back (anything unreadable is nothing). */
function factOf(value: unknown): WebAclFact | undefined {
  const o = obj(value);
  if (o === undefined) return undefined;
  const ids = Array.isArray(o.gatewayIds)
    ? o.gatewayIds.filter((id): id is string => typeof id === 'string')
    : [];
  const rules = obj(o.rules);
  return {
    gatewayIds: ids,
    ...(rules === undefined
      ? {}
      : {
          rules: Object.fromEntries(
            Object.entries(rules).map(([k, v]) => [k, v === 'count' ? 'count' : 'enforce']),
          ),
        }),
    ...(typeof o.defaultAction === 'string' ? { defaultAction: o.defaultAction } : {}),
  };
}

/** The web ACL a record teaches about, and what it now is. */
function taught(
  record: CloudTrailRecord,
): { id: string; apply: (fact: WebAclFact) => WebAclFact } | undefined {
  if (record.eventSource === WAFV2) {
    switch (record.eventName) {
      case 'CreateWebACL':
      case 'UpdateWebACL': {
        const id =
          str(param(record, 'id'))?.toLowerCase() ??
          str(response(record, 'summary', 'id'))?.toLowerCase();
        if (id === undefined || record.requestParameters === undefined) return undefined;
        // A full replace: no `rules` is no rule.
        const rules = rulesOf(param(record, 'rules'));
        const defaultAction = defaultActionOf(record);
        return {
          id,
          apply: (fact) => ({
            ...fact,
            rules,
            ...(defaultAction === undefined ? {} : { defaultAction }),
          }),
        };
      }
      case 'AssociateWebACL': {
        const acl = str(param(record, 'webACLArn')) ?? str(param(record, 'webAclArn'));
        const gateway = gatewayOfArn(str(param(record, 'resourceArn')) ?? '');
        const id = acl === undefined ? undefined : aclIdOfArn(acl);
        if (id === undefined || gateway === undefined) return undefined;
        return { id, apply: (fact) => withGateway(fact, gateway) };
      }
      default:
        return undefined;
    }
  }
  if (
    record.eventSource === AGENTCORE &&
    (record.eventName === 'CreateGateway' || record.eventName === 'UpdateGateway')
  ) {
    const acl = str(response(record, 'webAclArn'));
    const id = acl === undefined ? undefined : aclIdOfArn(acl);
    const gateway = gatewayIdOf(record);
    if (id === undefined || gateway === undefined) return undefined;
    return { id, apply: (fact) => withGateway(fact, gateway) };
  }
  return undefined;
}

function withGateway(fact: WebAclFact, gateway: string): WebAclFact {
  if (fact.gatewayIds.includes(gateway) || fact.gatewayIds.length >= CAP) return fact;
  return { ...fact, gatewayIds: [...fact.gatewayIds, gateway].sort() };
}

/**
 * The `web-acl` state a WAF call (or a gateway's response naming its web ACL) leaves the ACL
 * in, kept in the state store so a cold or another container knows which ACLs protect gateways.
 */
export function webAclTracked(record: CloudTrailRecord): Tracked[] {
  const t = taught(record);
  if (t === undefined) return [];
  return [
    {
      kind: FACTS.webAcl,
      subject: t.id,
      next: (previous) => {
        const before = known(previous) ?? { gatewayIds: [] };
        const after = JSON.stringify(t.apply(before));
        return previous !== undefined && after === JSON.stringify(before) ? undefined : after;
      },
    },
  ];
}

/**
 * What an UpdateWebACL took away from an ACL that protects gateways, judged against what the
 * ACL was before the record (its own look-up); undefined when it protects none or lost nothing.
 */
export function webAclWeakeningOf(
  record: CloudTrailRecord,
  context: DetectionContext,
): WebAclWeakening | undefined {
  if (record.eventSource !== WAFV2 || record.eventName !== 'UpdateWebACL') return undefined;
  const id = str(param(record, 'id'))?.toLowerCase();
  if (id === undefined || record.requestParameters === undefined) return undefined;
  const before = factOf(factBefore<unknown>(record, context, FACTS.webAcl, id));
  if (before === undefined || before.gatewayIds.length === 0) return undefined;
  const now = rulesOf(param(record, 'rules'));
  const defaultAction = defaultActionOf(record);
  const allows = defaultAction !== 'block';
  const removed = Object.keys(before.rules ?? {}).filter((name) => !(name in now));
  const counted = Object.entries(before.rules ?? {})
    .filter(([name, mode]) => mode === 'enforce' && now[name] === 'count')
    .map(([name]) => name);
  const enforcesNothing = (rules: Record<string, string>) =>
    Object.values(rules).every((mode) => mode === 'count');
  const wasEmpty =
    before.rules !== undefined && enforcesNothing(before.rules) && before.defaultAction === 'allow';
  const weakening: WebAclWeakening = {
    gatewayIds: before.gatewayIds,
    emptied: allows && enforcesNothing(now) && !wasEmpty,
    defaultAllowed: before.defaultAction === 'block' && defaultAction === 'allow',
    removed,
    counted,
  };
  return weakening.emptied || weakening.defaultAllowed || removed.length > 0 || counted.length > 0
    ? weakening
    : undefined;
}
