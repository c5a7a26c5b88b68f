import { createHash } from 'node:crypto';
import { safeIdentifier } from './rules/identifiers.js';
import { obj, str } from './rules/support.js';

/**
 * One WAF web ACL rule read from an UpdateWebACL/CreateWebACL request (WAFV2 2019-07-29 `Rule`,
 * CloudTrail's camelCase): what it does to a request it matches, where it is evaluated, and a
 * compact fingerprint of its statement, so a later full replace that keeps the rule's name but
 * changes what it matches or does is seen without keeping the statement itself.
 */

/** `enforce`: block, captcha, challenge, or a rule group with override none; `allow` ends evaluation letting the request through; `count` only counts. */
export type RuleMode = 'enforce' | 'count' | 'allow';

/** What is kept per rule besides its mode (small: hashes and numbers, never the statement). */
export interface RulePrint {
  /** The rule's priority (lower is evaluated first). */
  p: number;
  /** 16 hex characters of the SHA-256 of the canonical statement and action, limits masked. */
  h: string;
  /** The masked limits, each as a looseness (higher lets more through). */
  l?: number[];
  /** Rules of a rule group statement set to count/allow (`ruleActionOverrides`, `excludedRules`). */
  o?: number;
}

export interface ReadRule {
  /** The rule's name as kept and shown (at most 64 safe characters, see safeIdentifier). */
  name: string;
  mode: RuleMode;
  print: RulePrint;
  /** Its statement matches most requests (an Allow rule ahead of others then shadows them). */
  broad: boolean;
}

/** Rules read per ACL at most (the learned state stays bounded). */
export const RULE_CAP = 100;

/** Limits kept per rule at most. */
const LIMIT_CAP = 8;

/** The rules of a request's `rules` (anything not a named rule is skipped). */
export function readRules(value: unknown): ReadRule[] {
  if (!Array.isArray(value)) return [];
  const out: ReadRule[] = [];
  value.slice(0, RULE_CAP).forEach((item, index) => {
    const rule = obj(item);
    const name = safeIdentifier(rule?.name);
    if (rule === undefined || name === undefined) return;
    const priority = typeof rule.priority === 'number' ? rule.priority : index;
    const action = actionOf(rule);
    const limits: number[] = [];
    const masked = maskLimits(rule.statement, false, limits);
    const overridden = overriddenOf(rule.statement);
    out.push({
      name,
      mode: modeOf(action),
      print: {
        p: priority,
        h: digest({ statement: masked, action }),
        ...(limits.length > 0 ? { l: limits.slice(0, LIMIT_CAP) } : {}),
        ...(overridden > 0 ? { o: overridden } : {}),
      },
      broad: matchesBroadly(rule.statement),
    });
  });
  return out;
}

/** `action.<kind>` or `overrideAction.<kind>` (`override:` prefixed); unknown when neither. */
function actionOf(rule: Record<string, unknown>): string {
  const action = obj(rule.action);
  if (action !== undefined) return Object.keys(action).sort()[0] ?? 'unknown';
  const override = obj(rule.overrideAction);
  if (override !== undefined) return `override:${Object.keys(override).sort()[0] ?? 'unknown'}`;
  return 'unknown';
}

function modeOf(action: string): RuleMode {
  if (action === 'allow') return 'allow';
  if (action === 'count' || action === 'override:count') return 'count';
  // block, captcha, challenge, override none; an unreadable action is taken as enforcing
  // (the conservative reading: its loss is then reported).
  return 'enforce';
}

/**
 * Rules a rule group statement turns off: `ruleActionOverrides` to count or allow, and
 * `excludedRules` (the older shape, which counts them). Which rules the group has is not in
 * the record, so this is how many, not whether all.
 */
function overriddenOf(statement: unknown): number {
  const s = obj(statement);
  const group = obj(s?.managedRuleGroupStatement) ?? obj(s?.ruleGroupReferenceStatement);
  if (group === undefined) return 0;
  const names = new Set<string>();
  for (const item of Array.isArray(group.ruleActionOverrides) ? group.ruleActionOverrides : []) {
    const o = obj(item);
    const use = obj(o?.actionToUse);
    const name = str(o?.name);
    if (name !== undefined && use !== undefined && ('count' in use || 'allow' in use)) {
      names.add(name);
    }
  }
  for (const item of Array.isArray(group.excludedRules) ? group.excludedRules : []) {
    const name = str(obj(item)?.name);
    if (name !== undefined) names.add(name);
  }
  return names.size;
}

/**
 * The statement with its limits replaced by a mark, the limits pushed as looseness (higher
 * lets more through when the rule blocks): a rate-based `limit`; a size constraint's `size`
 * (greater-than: higher is looser; less-than: lower is looser). Inside a `notStatement` the
 * direction flips. Equal/not-equal sizes stay in the statement (any change is a change).
 */
function maskLimits(value: unknown, negated: boolean, limits: number[]): unknown {
  if (Array.isArray(value)) return value.map((item) => maskLimits(item, negated, limits));
  const o = obj(value);
  if (o === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o).sort()) {
    const item = o[key];
    if (key === 'notStatement') {
      out[key] = maskLimits(item, !negated, limits);
      continue;
    }
    const inner = obj(item);
    const looseness =
      inner === undefined
        ? undefined
        : key === 'rateBasedStatement'
          ? limitOf(inner.limit, 1)
          : key === 'sizeConstraintStatement'
            ? limitOf(inner.size, sizeDirection(inner.comparisonOperator))
            : undefined;
    if (inner !== undefined && looseness !== undefined) {
      limits.push(negated ? -looseness : looseness);
      const field = key === 'rateBasedStatement' ? 'limit' : 'size';
      out[key] = maskLimits({ ...inner, [field]: '#' }, negated, limits);
    } else {
      out[key] = maskLimits(item, negated, limits);
    }
  }
  return out;
}

function limitOf(value: unknown, direction: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && direction !== undefined
    ? value * direction
    : undefined;
}

function sizeDirection(operator: unknown): number | undefined {
  if (operator === 'GT' || operator === 'GE') return 1;
  if (operator === 'LT' || operator === 'LE') return -1;
  return undefined;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** A print as kept in the state store: `priority|hash|limits|overridden` (one short string). */
export function printText(print: RulePrint): string {
  return `${print.p}|${print.h}|${(print.l ?? []).join(',')}|${print.o ?? ''}`;
}

/** A kept print read back; undefined when it is not one. */
export function printOfText(value: unknown): RulePrint | undefined {
  if (typeof value !== 'string') return undefined;
  const [p, h, l, o] = value.split('|');
  const priority = Number(p);
  if (p === '' || !Number.isFinite(priority) || h === undefined || !/^[0-9a-f]{16}$/.test(h)) {
    return undefined;
  }
  const limits = (l ?? '')
    .split(',')
    .filter((v) => v !== '')
    .map(Number)
    .filter((v) => Number.isFinite(v));
  const overridden = o === undefined || o === '' ? undefined : Number(o);
  return {
    p: priority,
    h,
    ...(limits.length > 0 ? { l: limits } : {}),
    ...(overridden !== undefined && Number.isFinite(overridden) ? { o: overridden } : {}),
  };
}

/** Whether a rule's limits only moved towards blocking more (same statement otherwise). */
export function onlyTightened(before: RulePrint, now: RulePrint): boolean {
  const was = before.l ?? [];
  const is = now.l ?? [];
  return before.h === now.h && was.length === is.length && is.every((v, i) => v <= (was[i] ?? v));
}

/** Sizes under which a field's value is taken as "most requests" by a less-than constraint. */
const USUAL_SIZE = 4096;

/**
 * Whether a statement matches most requests: a negation of anything that does not itself
 * match broadly (everything but one rare value), a size of at least 0 (or under
 * {@link USUAL_SIZE}), a byte match of at most one character that is not an exact match
 * (`/` at the start of every path, `.` in every host), a regex that matches the empty string
 * or any character; or/and of those. A specific condition (an IP set, a label, a country, an
 * exact value) is not broad, though an attacker sending that value gets the same bypass.
 */
export function matchesBroadly(statement: unknown, depth = 0): boolean {
  const s = obj(statement);
  if (s === undefined || depth > 8) return false;
  const not = obj(s.notStatement);
  if (not !== undefined) return !matchesBroadly(not.statement, depth + 1);
  const or = obj(s.orStatement)?.statements;
  if (Array.isArray(or)) return or.some((item) => matchesBroadly(item, depth + 1));
  const and = obj(s.andStatement)?.statements;
  if (Array.isArray(and)) {
    return and.length > 0 && and.every((item) => matchesBroadly(item, depth + 1));
  }
  const size = obj(s.sizeConstraintStatement);
  if (size !== undefined && typeof size.size === 'number') {
    const op = size.comparisonOperator;
    return (
      (op === 'GE' && size.size <= 0) || ((op === 'LT' || op === 'LE') && size.size >= USUAL_SIZE)
    );
  }
  const bytes = obj(s.byteMatchStatement);
  if (bytes !== undefined) {
    const search = typeof bytes.searchString === 'string' ? bytes.searchString : undefined;
    return search !== undefined && search.length <= 1 && bytes.positionalConstraint !== 'EXACTLY';
  }
  const regex = str(obj(s.regexMatchStatement)?.regexString);
  if (regex !== undefined) return regexMatchesAnything(regex);
  return false;
}

function regexMatchesAnything(pattern: string): boolean {
  try {
    const re = new RegExp(pattern);
    return re.test('') || (re.test('a') && re.test('/') && re.test('0'));
  } catch {
    return false;
  }
}
