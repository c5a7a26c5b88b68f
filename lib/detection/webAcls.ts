import { FACTS, factBefore } from './learnedFacts.js';
import { MAX_STATE_CHARS, type StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { AGENTCORE, gatewayIdOf, obj, param, response, str } from './rules/support.js';
import type { Tracked } from './stateTrackers.js';
import type { DetectionContext } from './types.js';
import { RULE_CAP, onlyTightened, printOfText, printText, readRules } from './webAclRules.js';
import type { ReadRule, RuleMode, RulePrint } from './webAclRules.js';

/**
 * What a WAF web ACL enforces and which gateways it protects, learned from the stream.
 *
 * A gateway's WAF is the web ACL associated with its ARN (`wafv2:AssociateWebACL`, or the
 * `webAclArn` a gateway's Create/UpdateGateway response names). UpdateWebACL replaces the
 * ACL's rules and default action whole: an update with no rules and a default Allow leaves
 * the association in place and lets every request through, and no association call shows it.
 * The rules are kept by name with whether each enforces (`action` block/captcha/challenge,
 * `overrideAction` none), only counts, or allows, and a print of each (priority, a hash of its
 * statement and action, its limits): a replace that keeps every name can still put an Allow
 * rule first, turn a Block rule to Allow, or set a managed group's rules to count.
 * Model: WAFV2 2019-07-29, CloudTrail's camelCase.
 */

export const WAFV2 = 'wafv2.amazonaws.com';

/** What a web ACL's `web-acl` state holds. */
export interface WebAclFact {
  /**
   * Rule name → mode; absent when no rule list was seen. Facts written before prints existed
   * hold `enforce` for Allow rules too: without a print, `enforce` means enforce-or-allow.
   */
  rules?: Record<string, RuleMode>;
  /** Rule name → print; absent (or missing a rule) in facts written before prints existed. */
  prints?: Record<string, RulePrint>;
  /** The modes tell Allow from enforce (not a fact of the previous shape). */
  exactModes?: boolean;
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
  /** Rules that enforced and now allow what they match. */
  allowed: string[];
  /** Rule group statements with more of their rules set to count/allow. */
  overridden: string[];
  /** Enforcing rules whose statement or action changed (limits only tightened is no change). */
  changed: string[];
  /** Allow rules newly ahead of enforcing rules, and whether they match most requests. */
  allowAhead: { name: string; broad: boolean }[];
}

/** Gateways kept per ACL at most (the learned state stays bounded). */
const CAP = RULE_CAP;

/** The id of a web ACL: its ARN's last segment, or the `id` of the request. */
function aclIdOfArn(arn: string): string | undefined {
  const m = /:(?:regional|global)\/webacl\/[^/]+\/([^/]+)$/.exec(arn);
  return m?.[1]?.toLowerCase();
}

function gatewayOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:bedrock-agentcore:[^:]*:\d{12}:gateway\/([^/]+)$/.exec(arn)?.[1];
}

/** The modes and prints of a request's `rules` (a full replace: no `rules` is no rule). */
function learnedRules(
  value: unknown,
): Required<Pick<WebAclFact, 'rules' | 'prints' | 'exactModes'>> {
  const rules: Record<string, RuleMode> = {};
  const prints: Record<string, RulePrint> = {};
  for (const rule of readRules(value)) {
    rules[rule.name] = rule.mode;
    prints[rule.name] = rule.print;
  }
  return { rules, prints, exactModes: true };
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

/**
 * A stored fact read back (anything unreadable is nothing). Rules are read from `r` (name →
 * `mode|print`; an entry that is not one is left out) or, in facts written before prints,
 * `rules` (name → mode, no print).
 */
function factOf(value: unknown): WebAclFact | undefined {
  const o = obj(value);
  if (o === undefined) return undefined;
  const ids = Array.isArray(o.gatewayIds)
    ? o.gatewayIds.filter((id): id is string => typeof id === 'string')
    : [];
  const printed = obj(o.r);
  const modes = obj(o.rules);
  const rules: Record<string, RuleMode> = {};
  const prints: Record<string, RulePrint> = {};
  if (printed !== undefined) {
    for (const [name, text] of Object.entries(printed)) {
      if (typeof text !== 'string') continue;
      const cut = text.indexOf('|');
      const mode = text.slice(0, cut);
      const print = printOfText(text.slice(cut + 1));
      if (cut < 0 || !isMode(mode) || print === undefined) continue;
      rules[name] = mode;
      prints[name] = print;
    }
  } else if (modes !== undefined) {
    for (const [name, mode] of Object.entries(modes)) {
      rules[name] = mode === 'count' || mode === 'allow' ? mode : 'enforce';
    }
  }
  return {
    gatewayIds: ids,
    ...(printed === undefined && modes === undefined ? {} : { rules }),
    ...(printed === undefined ? {} : { prints }),
    ...(printed !== undefined || o.exactModes === true ? { exactModes: true } : {}),
    ...(typeof o.defaultAction === 'string' ? { defaultAction: o.defaultAction } : {}),
  };
}

function isMode(value: string): value is RuleMode {
  return value === 'enforce' || value === 'count' || value === 'allow';
}

/**
 * The fact as stored: each rule once, as `mode|print` under `r`. A fact that would not fit in
 * a state version (an ACL of many long-named rules) keeps only the modes (`rules`, the shape
 * before prints), then none, before it loses its gateways: a fact too large is kept as
 * "unknown" and would forget that the ACL protects gateways.
 */
export function storedFact(fact: WebAclFact): string {
  const { rules, prints, exactModes, ...rest } = fact;
  if (rules === undefined) return JSON.stringify(rest);
  const entries = Object.entries(rules);
  if (entries.every(([name]) => prints?.[name] !== undefined)) {
    const full = JSON.stringify({
      ...rest,
      r: Object.fromEntries(
        entries.map(([name, mode]) => [name, `${mode}|${printText(prints?.[name] as RulePrint)}`]),
      ),
    });
    if (full.length <= FACT_BUDGET) return full;
  }
  const modes = JSON.stringify({ ...rest, rules, ...(exactModes === true ? { exactModes } : {}) });
  return modes.length <= FACT_BUDGET ? modes : JSON.stringify(rest);
}

/** Room kept below the store's largest state text. */
const FACT_BUDGET = MAX_STATE_CHARS - 256;

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
        const learned = learnedRules(param(record, 'rules'));
        const defaultAction = defaultActionOf(record);
        return {
          id,
          apply: (fact) => ({
            ...fact,
            ...learned,
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
        const after = storedFact(t.apply(before));
        return previous !== undefined && after === storedFact(before) ? undefined : after;
      },
    },
  ];
}

/**
 * What an UpdateWebACL took away from an ACL that protects gateways, judged against what the
 * ACL was before the record (its own look-up); undefined when it protects none or lost nothing.
 * A rule the stored fact has no print for (a fact from before prints) is compared on what is
 * known: its removal, and `enforce` → `count`.
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
  const now = readRules(param(record, 'rules'));
  const was = before.rules ?? {};
  const prints = before.prints ?? {};
  const defaultAction = defaultActionOf(record);
  const allows = defaultAction !== 'block';
  const names = new Set(now.map((r) => r.name));
  const removed = Object.keys(was).filter((name) => !names.has(name));
  const counted: string[] = [];
  const allowed: string[] = [];
  const overridden: string[] = [];
  const changed: string[] = [];
  for (const rule of now) {
    const mode = was[rule.name];
    const print = prints[rule.name];
    if (mode !== 'enforce') continue;
    if (rule.mode === 'count') counted.push(rule.name);
    else if (rule.mode === 'allow') {
      // In a fact of the previous shape, a stored `enforce` may have been an Allow rule.
      if (print !== undefined || before.exactModes === true) allowed.push(rule.name);
    } else if (print === undefined) continue;
    else if (onlyTightened(print, rule.print)) continue;
    else if ((rule.print.o ?? 0) > (print.o ?? 0)) overridden.push(rule.name);
    else changed.push(rule.name);
  }
  const allowAhead = now
    .filter((rule) => rule.mode === 'allow' && newlyAhead(rule.name, rule.print.p, now, before))
    .map((rule) => ({ name: rule.name, broad: rule.broad }));
  const enforcesNothing = (modes: string[]) => modes.every((mode) => mode !== 'enforce');
  const wasEmpty =
    before.rules !== undefined &&
    enforcesNothing(Object.values(before.rules)) &&
    before.defaultAction === 'allow';
  const weakening: WebAclWeakening = {
    gatewayIds: before.gatewayIds,
    emptied: allows && enforcesNothing(now.map((r) => r.mode)) && !wasEmpty,
    defaultAllowed: before.defaultAction === 'block' && defaultAction === 'allow',
    removed,
    counted,
    allowed,
    overridden,
    changed,
    allowAhead,
  };
  const lost = [removed, counted, allowed, overridden, changed, allowAhead].some(
    (l) => l.length > 0,
  );
  return weakening.emptied || weakening.defaultAllowed || lost ? weakening : undefined;
}

/**
 * Whether an Allow rule now stands ahead of (a lower priority number than) an enforcing rule
 * it was not ahead of before: it is new, was not an Allow rule, its statement changed, or it
 * moved ahead of a rule the ACL already had. Rules added behind an existing allow-list are
 * not a change of that allow-list. Unknown for a rule an old fact holds as `enforce`.
 */
function newlyAhead(name: string, priority: number, now: ReadRule[], before: WebAclFact): boolean {
  const behind = now.filter((r) => r.mode === 'enforce' && r.print.p > priority).map((r) => r.name);
  if (behind.length === 0) return false;
  const was = before.rules?.[name];
  if (before.rules === undefined) return false;
  if (was === undefined) return true;
  const print = before.prints?.[name];
  if (was !== 'allow') return print !== undefined || before.exactModes === true;
  if (print === undefined) return false;
  const nowPrint = now.find((r) => r.name === name)?.print;
  if (nowPrint !== undefined && nowPrint.h !== print.h) return true;
  const prints = before.prints ?? {};
  return behind.some((other) => {
    const otherPrint = prints[other];
    return (
      otherPrint !== undefined && !(otherPrint.p > print.p) && before.rules?.[other] !== undefined
    );
  });
}
