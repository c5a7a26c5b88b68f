import {
  conditionsText,
  parseCedar,
  scopeText,
  scopeWidened,
  type CedarPolicyJson,
} from '../cedar/parse.js';
import {
  cedarStatementOf,
  policyStateOf,
  policySubject,
  type PolicyState,
} from '../stateTrackers.js';
import type { Rule, RuleMatch, Severity } from '../types.js';
import { changeOf, shown } from './lastState.js';
import { AGENTCORE, failed, principalOf } from './support.js';

/**
 * Model: CreatePolicy `{ policyEngineId, name, definition: { cedar: { statement } } |
 * { policyGeneration: {...} }, enforcementMode, validationMode }`, response with `policyId`
 * and the `definition`; UpdatePolicy `{ policyEngineId, policyId, definition?, … }` (partial;
 * its response carries the resulting definition); DeletePolicy `{ policyEngineId, policyId }`,
 * its response the deleted policy's definition. Statements are parsed with the real Cedar
 * parser (cedar/parse.ts) and compared on Cedar's JSON form.
 */
export const gatewayPolicyWeakened: Rule = {
  id: 'gateway-policy-weakened',
  title: 'Gateway Cedar policy deleted or loosened',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'A policy of a gateway policy engine opened access, judged on its parsed Cedar statement against the policy’s last known one: a forbid deleted or removed from a statement (high), a permit whose principal, action or resource scope widened (high), a forbid narrowed or a permit’s conditions changed (medium), a new permit for any principal with no condition (medium; other new permits low), a policy of unknown content deleted (medium), a permit deleted (low). A statement that cannot be parsed or exceeds the size parsed is reported (low), never skipped silently.',
  runbook:
    'Read the policy’s old and new statements (CloudTrail has both); restore the approved statement; review InvokeGateway calls since the change for tool calls the old policy would have denied.',
  events: { sources: [AGENTCORE], names: ['CreatePolicy', 'UpdatePolicy', 'DeletePolicy'] },
  lastState: true,
  reads: [
    'requestParameters.policyEngineId',
    'requestParameters.policyId',
    'requestParameters.definition',
    'requestParameters.enforcementMode',
    'responseElements.policyId',
    'responseElements.definition',
    'responseElements.enforcementMode',
  ],
  dedup: { key: (r) => policySubject(r) ?? principalOf(r), windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const subject = policySubject(record) ?? 'unknown';
    const who = principalOf(record);
    const change = changeOf<PolicyState>(record, context, 'policy');
    const before = change?.previous?.policies;
    // The record's own statement, read here; the last known one when it shows none.
    const after =
      change === undefined ? undefined : (policyStateOf(record).policies ?? before ?? undefined);
    if (record.eventName === 'DeletePolicy') {
      // The response carries the deleted definition; the last known state otherwise.
      const statement = cedarStatementOf(record);
      const parsed = statement === undefined ? undefined : parseCedar(statement);
      const policies =
        parsed?.ok === true ? parsed.policies : Array.isArray(before) ? before : undefined;
      if (policies === undefined) {
        return finding(
          'medium',
          `policy ${subject} of unknown content deleted by ${who}`,
          subject,
          'policy=deleted',
        );
      }
      if (policies.some((p) => p.effect === 'forbid')) {
        return finding(
          'high',
          `forbid policy ${subject} deleted by ${who}`,
          subject,
          'forbid=deleted',
        );
      }
      return finding(
        'low',
        `permit policy ${subject} deleted by ${who}`,
        subject,
        'permit=deleted',
      );
    }
    if (after === undefined) return undefined;
    if (!Array.isArray(after)) {
      return finding(
        'low',
        `policy ${subject} statement not compared (${after}), set by ${who}`,
        subject,
        `statement=${after}`,
      );
    }
    if (record.eventName === 'CreatePolicy' || change?.previous === null) {
      const open = after.filter(
        (p) => p.effect === 'permit' && p.principal.op === 'All' && p.conditions.length === 0,
      );
      if (open.length > 0) {
        return finding(
          'medium',
          `policy ${subject} permits any principal without condition (${describe(open[0])}), created by ${who}`,
          subject,
          'permit=unconditioned',
        );
      }
      const permits = after.filter((p) => p.effect === 'permit');
      if (permits.length === 0) return undefined;
      return finding(
        'low',
        `policy ${subject} created with a permit (${describe(permits[0])}) by ${who}`,
        subject,
        'permit=created',
      );
    }
    if (!Array.isArray(before)) return undefined;
    const found = compare(before, after);
    if (found === undefined) return undefined;
    return finding(
      found.severity,
      `policy ${subject} ${found.what} by ${who}`,
      subject,
      found.fact,
    );
  },
};

function finding(severity: Severity, summary: string, subject: string, fact: string): RuleMatch {
  return { severity, summary, resource: subject, details: { change: fact }, facts: [fact] };
}

/** `permit principal any, action == …` for a summary (entity ids shown, not trusted). */
function describe(policy: CedarPolicyJson | undefined): string {
  if (policy === undefined) return 'unknown';
  return shown(
    `${policy.effect} principal ${scopeText(policy.principal)}, action ${scopeText(policy.action)}, resource ${scopeText(policy.resource)}`,
    160,
  );
}

/** The most severe way `after` opens access compared with `before`. */
function compare(
  before: CedarPolicyJson[],
  after: CedarPolicyJson[],
): { severity: Severity; what: string; fact: string } | undefined {
  const forbidsBefore = before.filter((p) => p.effect === 'forbid');
  const forbidsAfter = after.filter((p) => p.effect === 'forbid');
  if (forbidsAfter.length < forbidsBefore.length) {
    return {
      severity: 'high',
      what: `forbid removed (${describe(forbidsBefore[0])})`,
      fact: 'forbid=removed',
    };
  }
  // Statements hold one policy in practice: compare in order, position by position.
  let medium: { severity: Severity; what: string; fact: string } | undefined;
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const old = before[i];
    const now = after[i];
    if (now === undefined) continue;
    if (old === undefined) {
      if (now.effect === 'permit')
        return { severity: 'high', what: `permit added (${describe(now)})`, fact: 'permit=added' };
      continue;
    }
    if (old.effect === 'forbid' && now.effect === 'permit') {
      return {
        severity: 'high',
        what: `forbid turned into a permit (${describe(now)})`,
        fact: 'forbid=permit',
      };
    }
    if (old.effect !== now.effect) continue;
    const widened = (['principal', 'action', 'resource'] as const).filter((scope) =>
      now.effect === 'permit'
        ? scopeWidened(old[scope], now[scope])
        : scopeWidened(now[scope], old[scope]) || scopeText(old[scope]) !== scopeText(now[scope]),
    );
    const conditions = conditionsText(old) !== conditionsText(now);
    if (now.effect === 'permit' && widened.length > 0) {
      return {
        severity: 'high',
        what: `permit ${widened.join(' and ')} scope widened (${describe(now)})`,
        fact: `permit=widened:${widened.join('+')}`,
      };
    }
    if (now.effect === 'forbid' && (widened.length > 0 || conditions)) {
      medium ??= {
        severity: 'medium',
        what: `forbid narrowed or its conditions changed (${describe(now)})`,
        fact: 'forbid=changed',
      };
    }
    if (now.effect === 'permit' && conditions) {
      medium ??= {
        severity: 'medium',
        what: `permit conditions changed (${describe(now)})`,
        fact: 'permit=conditions',
      };
    }
  }
  return medium;
}
