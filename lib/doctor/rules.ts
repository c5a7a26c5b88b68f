/**
 * Do the deployed EventBridge rules deliver what detection needs? Read from the rules
 * themselves: each event a detection rule listens for must match an enabled rule whose target
 * is the detect function, and a read-only event (Get/List/Describe…) only reaches rules in
 * state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
 */
import { allRules } from '../detection/registry.js';
import type { EventPattern, RuleInfo } from './ports.js';

export const ALL_MANAGEMENT_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
const ENABLED_STATES = new Set(['ENABLED', ALL_MANAGEMENT_EVENTS]);
const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Service Event via CloudTrail',
  'AWS Console Sign In via CloudTrail',
];

/** Names CloudTrail logs with `readOnly: true`. */
const READ_ONLY = /^(Get|List|Describe|Lookup|Head|Search|BatchGet|Query|Scan|Decrypt)/;

export interface NeededEvent {
  /** EventBridge source, e.g. `aws.secretsmanager`. */
  source: string;
  /** Event name, or `*` when a detection rule reads every event of the source. */
  eventName: string;
}

/**
 * Every (source, event name) some detection rule listens for; `*` for a rule that reads a
 * whole source, beside the names other rules list (a read-only name keeps its own state need).
 * The same source of truth as the AgentCore model-coverage test (`namedOperations` in
 * lib/detection/coverage.ts): that test makes every routed AgentCore operation one a rule
 * names, so this checks the delivery of each (test/unit/doctor/routingCoverage.test.ts).
 */
export function neededEvents(): NeededEvent[] {
  const seen = new Map<string, NeededEvent>();
  for (const rule of allRules) {
    for (const eventSource of rule.events?.sources ?? []) {
      const source = `aws.${eventSource.replace(/\.amazonaws\.com$/, '')}`;
      for (const eventName of rule.events?.names ?? ['*']) {
        seen.set(`${source} ${eventName}`, { source, eventName });
      }
    }
  }
  return [...seen.values()].sort(
    (a, b) => a.source.localeCompare(b.source) || a.eventName.localeCompare(b.eventName),
  );
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;

/**
 * True when the pattern delivers CloudTrail events of this source and name: it names the event
 * (a route made for it, whatever else narrows it, e.g. to gateway secrets), or it takes the
 * whole source with no other condition. A pattern that matches by other fields only (errors,
 * the root user, a role in the request) delivers some of these events, not all of them.
 */
export function patternMatches(pattern: EventPattern | undefined, event: NeededEvent): boolean {
  if (!pattern) return false;
  const sources = strings(pattern.source);
  if (!sources?.includes(event.source)) return false;
  const detailTypes = strings(pattern['detail-type']);
  if (detailTypes && !detailTypes.some((t) => CLOUDTRAIL_DETAIL_TYPES.includes(t))) return false;
  const names = strings(pattern.detail?.eventName);
  if (names !== undefined)
    return event.eventName === '*' ? names.length > 0 : names.includes(event.eventName);
  const narrowing = Object.keys(pattern.detail ?? {}).filter((key) => key !== 'eventSource');
  return narrowing.length === 0;
}

export interface DeliveryProblem {
  event: NeededEvent;
  /** Why no rule delivers it, naming the rule that would if it were right. */
  reason: string;
}

/**
 * The needed events no rule delivers, each with the reason: no rule matches it; the matching
 * rule is disabled, in plain ENABLED for a read-only event, or targets something else.
 */
export function deliveryProblems(
  rules: readonly RuleInfo[],
  needed: readonly NeededEvent[],
  detectTargets: readonly string[],
): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  for (const event of needed) {
    const matching = rules.filter((rule) => patternMatches(rule.pattern, event));
    const readOnly = event.eventName !== '*' && READ_ONLY.test(event.eventName);
    const delivering = matching.filter(
      (rule) =>
        ENABLED_STATES.has(rule.state) &&
        (!readOnly || rule.state === ALL_MANAGEMENT_EVENTS) &&
        (detectTargets.length === 0 || rule.targetArns.some((t) => detectTargets.includes(t))),
    );
    if (delivering.length > 0) continue;
    const [first] = matching;
    let reason: string;
    if (!first) reason = 'no rule matches it';
    else if (!ENABLED_STATES.has(first.state)) reason = `rule ${first.name} is ${first.state}`;
    else if (readOnly && first.state !== ALL_MANAGEMENT_EVENTS)
      reason = `rule ${first.name} is ${first.state}; read-only events reach only rules in state ${ALL_MANAGEMENT_EVENTS}`;
    else
      reason = `rule ${first.name} targets ${first.targetArns.join(', ') || 'nothing'}, not the detect function`;
    problems.push({ event, reason });
  }
  return problems;
}
