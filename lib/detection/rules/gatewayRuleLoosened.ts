import { gatewayRuleStateOf, gatewayRuleSubject, type GatewayRuleState } from '../stateTrackers.js';
import type { Rule, RuleMatch, Severity } from '../types.js';
import { changeOf, shown } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, obj, principalOf } from './support.js';

/**
 * Model: CreateGatewayRule `{ gatewayIdentifier, priority, conditions?: Condition[], actions:
 * Action[], description? }` (response: `ruleId`, the same fields, `status`);
 * UpdateGatewayRule `{ gatewayIdentifier, ruleId, priority?, conditions?, actions?, … }`.
 * A Condition is `{ matchPrincipals: { anyOf: [{ iamPrincipal: { arn, operator:
 * StringEquals | StringLike } }] } }` or `{ matchPaths: { anyOf: [path] } }`; an Action is
 * `{ routeToTarget: { staticRoute | weightedRoute } }` or `{ configurationBundle: … }`.
 */
export const gatewayRuleLoosened: Rule = {
  id: 'gateway-rule-loosened',
  title: 'Gateway rule created or loosened',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'A gateway rule (which routes matching requests to a target or applies a configuration bundle) was created, or changed against its last known state so that it matches more requests or routes them elsewhere. High when the rule now matches every request (no condition, or a principal pattern of `*`); medium for a new rule, conditions widened (a condition removed, principals or paths added, StringEquals turned StringLike) or actions changed; low for another change.',
  runbook:
    'Read the rule (GetGatewayRule) and confirm it with the gateway owner; delete or restore it from its definition; review InvokeGateway calls it routed since the change.',
  events: { sources: [AGENTCORE], names: ['CreateGatewayRule', 'UpdateGatewayRule'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.ruleId',
    'requestParameters.priority',
    'requestParameters.conditions',
    'requestParameters.actions',
    'responseElements.ruleId',
    'responseElements.priority',
    'responseElements.conditions',
    'responseElements.actions',
  ],
  dedup: { key: (r) => gatewayRuleSubject(r) ?? gatewayIdOf(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const subject = gatewayRuleSubject(record) ?? `${gatewayIdOf(record) ?? 'unknown'}/new rule`;
    const who = principalOf(record);
    const change = changeOf<GatewayRuleState>(record, context, 'gateway-rule');
    const current =
      change === undefined || change.current === undefined || change.current === null
        ? undefined
        : { ...(change.previous ?? {}), ...gatewayRuleStateOf(record) };
    const created = record.eventName === 'CreateGatewayRule';
    // A created rule without conditions has none: it matches every request.
    const conditions = current?.conditions ?? (created ? [] : undefined);
    const matchesAll = conditions !== undefined && matchesEverything(conditions);
    if (created) {
      return result(
        matchesAll ? 'high' : 'medium',
        `gateway rule ${subject} created${matchesAll ? ' matching every request' : ''} (${routes(current)}) by ${who}`,
        subject,
        matchesAll ? 'rule=matches-all' : 'rule=created',
      );
    }
    const previous = change?.previous ?? undefined;
    if (current === undefined || previous === undefined) {
      return result(
        'low',
        `gateway rule ${subject} updated (earlier state unknown) by ${who}`,
        subject,
        'rule=updated',
      );
    }
    const widened = conditionsWidened(previous.conditions ?? [], current.conditions ?? []);
    const actions =
      JSON.stringify(previous.actions ?? []) !== JSON.stringify(current.actions ?? []);
    const priority = previous.priority !== current.priority;
    if (matchesAll && !matchesEverything(previous.conditions ?? [])) {
      return result(
        'high',
        `gateway rule ${subject} now matches every request (${routes(current)}) by ${who}`,
        subject,
        'rule=matches-all',
      );
    }
    if (widened || actions) {
      return result(
        'medium',
        `gateway rule ${subject} ${[widened ? 'conditions widened' : '', actions ? `actions changed (${routes(current)})` : ''].filter(Boolean).join(', ')} by ${who}`,
        subject,
        widened ? 'rule=widened' : 'rule=actions',
      );
    }
    if (priority)
      return result(
        'low',
        `gateway rule ${subject} priority changed by ${who}`,
        subject,
        'rule=priority',
      );
    return undefined;
  },
};

function result(severity: Severity, summary: string, subject: string, fact: string): RuleMatch {
  return { severity, summary, resource: subject, details: { change: fact }, facts: [fact] };
}

/** Principal patterns and paths a condition list admits, as comparable strings. */
function entries(conditions: unknown[]): {
  principals: string[];
  paths: string[];
  kinds: Set<string>;
} {
  const out = { principals: [] as string[], paths: [] as string[], kinds: new Set<string>() };
  for (const condition of conditions) {
    const c = obj(condition);
    const principals = obj(c?.matchPrincipals)?.anyOf;
    if (Array.isArray(principals)) {
      out.kinds.add('principals');
      for (const entry of principals) {
        const iam = obj(obj(entry)?.iamPrincipal);
        out.principals.push(`${String(iam?.operator ?? 'StringEquals')} ${String(iam?.arn ?? '')}`);
      }
    }
    const paths = obj(c?.matchPaths)?.anyOf;
    if (Array.isArray(paths)) {
      out.kinds.add('paths');
      for (const path of paths) out.paths.push(String(path));
    }
  }
  return out;
}

/** No condition at all, or a principal condition admitting any ARN (`*` with StringLike). */
function matchesEverything(conditions: unknown[]): boolean {
  if (conditions.length === 0) return true;
  const { principals, kinds } = entries(conditions);
  return kinds.size === 1 && principals.some((p) => /^StringLike \*+$/.test(p));
}

/** True when `after` admits requests `before` did not (a condition kind dropped, entries added). */
function conditionsWidened(before: unknown[], after: unknown[]): boolean {
  const a = entries(before);
  const b = entries(after);
  for (const kind of a.kinds) if (!b.kinds.has(kind)) return true;
  const had = new Set([...a.principals, ...a.paths]);
  return [...b.principals, ...b.paths].some((entry) => !had.has(entry));
}

/** Where a rule sends matching requests (target names are shown, not trusted). */
function routes(state: GatewayRuleState | undefined): string {
  const targets: string[] = [];
  for (const action of state?.actions ?? []) {
    const route = obj(obj(action)?.routeToTarget);
    const single = obj(route?.staticRoute)?.targetName;
    if (typeof single === 'string') targets.push(single);
    const split = obj(route?.weightedRoute)?.trafficSplit;
    if (Array.isArray(split)) {
      for (const entry of split) {
        const name = obj(entry)?.targetName;
        if (typeof name === 'string') targets.push(name);
      }
    }
    if (obj(action)?.configurationBundle !== undefined) targets.push('configuration bundle');
  }
  return targets.length === 0 ? 'no route shown' : shown(`to ${targets.join(', ')}`, 120);
}
