import type { CloudTrailRecord } from './record.js';
import { gatewayIdOf, param, response, str } from './rules/support.js';
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

/** Gateways and limits kept at most (the learned state stays bounded). */
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

/**
 * Learns the limits a record sets and, when a gateway's limits were known before, what the
 * record took away (`context.rateLimitChange`, keyed by the record's eventID, read by the
 * gateway-rate-limit-weakened rule on the same record: learning runs first).
 */
export function learnRateLimits(record: CloudTrailRecord, context: DetectionContext): void {
  const gatewayId = gatewayIdOf(record);
  if (gatewayId === undefined) return;
  const all = (context.learnedGatewayRateLimits ??= new Map());
  let known = all.get(gatewayId);
  if (known === undefined) {
    if (all.size >= CAP) return;
    known = new Map();
    all.set(gatewayId, known);
  }
  const change: RateLimitChange = { eventId: record.eventID, removed: [], weakened: [] };
  switch (record.eventName) {
    case 'DeleteGatewayRateLimit': {
      const id = str(param(record, 'rateLimitId'));
      if (id !== undefined) known.delete(id);
      return;
    }
    case 'CreateGatewayRateLimit':
    case 'UpdateGatewayRateLimit': {
      const id = str(response(record, 'rateLimitId')) ?? str(param(record, 'rateLimitId'));
      const limit = limitOf(response(record, 'entries') ?? param(record, 'entries'));
      if (id === undefined || limit === undefined) return;
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
      return;
  }
  if (change.removed.length > 0 || change.weakened.length > 0) context.rateLimitChange = change;
}
