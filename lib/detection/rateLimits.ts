import { FACTS, factBefore } from './learnedFacts.js';
import type { StateVersion } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { AGENTCORE, gatewayIdOf, param, response, str } from './rules/support.js';
import type { Tracked } from './stateTrackers.js';
import type { DetectionContext, RateLimitChange } from './types.js';

/**
 * What a gateway's rate limits were, learned from the stream, and what a change took away.
 *
 * Model (`@aws-sdk/client-bedrock-agentcore-control`, 2023-06-05): a rate limit is
 * `{ rateLimitId, dimensionKeys[], entries[] }`, an entry `{ dimensions{key: value},
 * requests[], tokens[], connections[] }` of `RateConfig{ rate, period: second|minute }`.
 * - CreateGatewayRateLimit / UpdateGatewayRateLimit: one limit; Update's `entries` (required)
 *   replace the limit's entries. Both answer with the whole limit.
 * - BatchPutGatewayRateLimits `{ rateLimits[] }` answers `rateLimits` = "the resulting set of
 *   rate limits after the batch operation". Whether the put replaces the set is documented both
 *   ways: the operation says it "updates existing limits with matching keys and creates new
 *   limits for new keys", its `rateLimits` member says it is "the complete set … replaces all
 *   existing rate limits". Reading the response's resulting set is right either way; with no
 *   response logged, a limit missing from the request is only *possibly* removed.
 * - DeleteGatewayRateLimit removes one (reported by gateway-guardrail-removed).
 * A rate of 0 blocks a caller (developer guide), so 0 → anything is an unblock.
 */

/** One limit: entry (canonical dimensions) → `metric/period` → rate. */
type Limit = Map<string, Map<string, number>>;

/** Limits kept per gateway at most (the learned state stays bounded). */
const CAP = 5_000;

const METRICS = ['requests', 'tokens', 'connections'] as const;

function limitOf(entries: unknown): Limit | undefined {
  if (!Array.isArray(entries)) return undefined;
  const limit: Limit = new Map();
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    const dims =
      typeof e.dimensions === 'object' && e.dimensions !== null
        ? Object.entries(e.dimensions as Record<string, unknown>)
            .map(([k, v]) => `${k}=${String(v)}`)
            .sort()
            .join(',')
        : '';
    const rates = new Map<string, number>();
    for (const metric of METRICS) {
      const configs = e[metric];
      if (!Array.isArray(configs)) continue;
      for (const config of configs) {
        if (typeof config !== 'object' || config === null) continue;
        const c = config as { rate?: unknown; period?: unknown };
        const rate = Number(c.rate);
        if (!Number.isFinite(rate)) continue;
        const key = `${metric}/${String(c.period ?? 'unknown')}`;
        rates.set(key, Math.min(rate, rates.get(key) ?? Infinity));
      }
    }
    limit.set(dims === '' ? '*' : dims, rates);
  }
  return limit;
}

/** What `after` loses against `before`: entries and rates removed, rates raised or unblocked. */
function weakening(limitId: string, before: Limit, after: Limit): RateLimitChange['weakened'] {
  const found: RateLimitChange['weakened'] = [];
  for (const [entry, rates] of before) {
    const now = after.get(entry);
    if (now === undefined) {
      found.push({ limitId, entry, what: 'entry removed' });
      continue;
    }
    for (const [metric, rate] of rates) {
      const next = now.get(metric);
      if (next === undefined) found.push({ limitId, entry, what: `${metric} limit removed` });
      else if (rate === 0 && next > 0) {
        found.push({ limitId, entry, what: `${metric} unblocked (0 → ${next})`, unblocked: true });
      } else if (next > rate) found.push({ limitId, entry, what: `${metric} ${rate} → ${next}` });
    }
  }
  return found;
}

function limitsOf(value: unknown): Map<string, Limit> {
  const limits = new Map<string, Limit>();
  if (!Array.isArray(value)) return limits;
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const l = item as { rateLimitId?: unknown; entries?: unknown };
    const id = str(l.rateLimitId);
    const limit = limitOf(l.entries);
    if (id !== undefined && limit !== undefined) limits.set(id, limit);
  }
  return limits;
}

/** A gateway's known limits: rate limit id → its entries. */
type Known = Map<string, Limit>;

/** The `gateway-rate-limits` state of a gateway, read back (anything unreadable is nothing). */
function knownOf(state: unknown): Known {
  const known: Known = new Map();
  if (typeof state !== 'object' || state === null) return known;
  for (const [id, entries] of Object.entries(state as Record<string, unknown>).slice(0, CAP)) {
    if (typeof entries !== 'object' || entries === null) continue;
    const limit: Limit = new Map();
    for (const [entry, rates] of Object.entries(entries as Record<string, unknown>)) {
      if (typeof rates !== 'object' || rates === null) continue;
      const out = new Map<string, number>();
      for (const [metric, rate] of Object.entries(rates as Record<string, unknown>)) {
        if (typeof rate === 'number' && Number.isFinite(rate)) out.set(metric, rate);
      }
      limit.set(entry, out);
    }
    known.set(id, limit);
  }
  return known;
}

function stateText(known: Known): string {
  const out: Record<string, Record<string, Record<string, number>>> = {};
  for (const [id, limit] of known) {
    out[id] = {};
    for (const [entry, rates] of limit) out[id][entry] = Object.fromEntries(rates);
  }
  return JSON.stringify(out);
}

const RATE_LIMIT_CALLS = new Set([
  'CreateGatewayRateLimit',
  'UpdateGatewayRateLimit',
  'BatchPutGatewayRateLimits',
  'DeleteGatewayRateLimit',
]);

/**
 * The limits a record leaves a gateway with, from those it had (`known`, changed in place),
 * and what the record took away from them.
 */
function applyRateLimits(record: CloudTrailRecord, known: Known): RateLimitChange {
  const change: RateLimitChange = { eventId: record.eventID, removed: [], weakened: [] };
  switch (record.eventName) {
    case 'DeleteGatewayRateLimit': {
      const id = str(param(record, 'rateLimitId'));
      if (id !== undefined) known.delete(id);
      break;
    }
    case 'CreateGatewayRateLimit':
    case 'UpdateGatewayRateLimit': {
      const id = str(response(record, 'rateLimitId')) ?? str(param(record, 'rateLimitId'));
      const limit = limitOf(response(record, 'entries') ?? param(record, 'entries'));
      if (id === undefined || limit === undefined) break;
      const before = known.get(id);
      if (before !== undefined) change.weakened.push(...weakening(id, before, limit));
      if (known.size < CAP || before !== undefined) known.set(id, limit);
      break;
    }
    case 'BatchPutGatewayRateLimits': {
      const result = response(record, 'rateLimits');
      const resulting = Array.isArray(result);
      const limits = limitsOf(resulting ? result : param(record, 'rateLimits'));
      for (const [id, limit] of limits) {
        const before = known.get(id);
        if (before !== undefined) change.weakened.push(...weakening(id, before, limit));
        if (known.size < CAP || before !== undefined) known.set(id, limit);
      }
      for (const id of [...known.keys()]) {
        if (limits.has(id)) continue;
        change.removed.push(id);
        // Only the resulting set says it is gone; from the request alone it may still be there.
        if (resulting) known.delete(id);
      }
      change.basis = resulting ? 'response' : 'request';
      break;
    }
    default:
      break;
  }
  return change;
}

/**
 * The `gateway-rate-limits` state a rate-limit call leaves its gateway in (kept in the state
 * store, so a cold or another container knows the limits a gateway had).
 */
export function rateLimitsTracked(record: CloudTrailRecord): Tracked[] {
  if (record.eventSource !== AGENTCORE || !RATE_LIMIT_CALLS.has(record.eventName)) return [];
  const gatewayId = gatewayIdOf(record);
  if (gatewayId === undefined) return [];
  return [
    {
      kind: FACTS.gatewayRateLimits,
      subject: gatewayId,
      next: (previous) => {
        const known = knownOf(parsedState(previous));
        const before = stateText(known);
        applyRateLimits(record, known);
        const after = stateText(known);
        return after === before && previous !== undefined ? undefined : after;
      },
    },
  ];
}

function parsedState(version: StateVersion | undefined): unknown {
  if (version?.state === undefined || version.state === null) return undefined;
  try {
    return JSON.parse(version.state) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What the record took away from its gateway's limits, judged against the limits the gateway
 * had before it (the record's own look-up; undefined when nothing was taken).
 */
export function rateLimitChangeOf(
  record: CloudTrailRecord,
  context: DetectionContext,
): RateLimitChange | undefined {
  const gatewayId = gatewayIdOf(record);
  if (gatewayId === undefined) return undefined;
  const previous = factBefore<unknown>(record, context, FACTS.gatewayRateLimits, gatewayId);
  const change = applyRateLimits(record, knownOf(previous));
  return change.removed.length > 0 || change.weakened.length > 0 ? change : undefined;
}
