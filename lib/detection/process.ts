import { z } from 'zod';
import { publishAll, type AlertSink } from '../alerts/alert.js';
import { safeReason } from '../shared/redact.js';
import { named, type AccountNaming } from './accountNames.js';
import { deliveredFrom, heartbeatOf, isScheduledEvent, type DeliveryTracker } from './delivery.js';
import { findingToAlert } from './alerts.js';
import type { EngineResult } from './engine.js';
import type { BurstAdd, BurstMember, BurstStore, DedupStore } from './ports.js';
import { validateRecord, type CloudTrailRecord } from './record.js';
import { sourceProblem } from './sources.js';
import {
  remediate,
  type RemediationConfig,
  type RemediationOutcome,
  type RotationTrigger,
} from './remediation.js';
import type { Finding, Rule } from './types.js';

/**
 * Batch processing behind the `detect` Lambda: for each EventBridge envelope, validate the
 * CloudTrail record, run the engine (rules and baselines; it drops suppressed findings, claims
 * dedup windows and flags dry-run rules), publish the rest to the thresholded channels and,
 * when configured, remediate. A malformed event is dead-lettered with its reason and never
 * stops the rest; a failure to alert is reported per item so the caller can retry just that one.
 */

/** Detail-types the detect function accepts from EventBridge. */
export const CLOUDTRAIL_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Service Event via CloudTrail',
  'AWS Console Sign In via CloudTrail',
] as const;

/** The EventBridge envelope around a CloudTrail record (unknown fields tolerated). */
export const cloudTrailEnvelopeSchema = z
  .object({
    id: z.string().optional(),
    'detail-type': z.enum(CLOUDTRAIL_DETAIL_TYPES),
    source: z.string().min(1),
    account: z.string().optional(),
    time: z.string().optional(),
    region: z.string().optional(),
    detail: z.record(z.string(), z.unknown()),
  })
  .passthrough();

/** A letter for the dead-letter queue: the event as received, and why it was rejected. */
export interface DeadLetter {
  /** The event exactly as received (JSON text), so it can be redriven or replayed. */
  body: string;
  /** Path and problem, never a value. */
  reason: string;
  /** Which component rejected it, e.g. `detect`. */
  source: string;
  failedAt: string;
}

/** Where rejected events go (SQS when deployed). */
export interface DeadLetterQueue {
  send(letter: DeadLetter): Promise<void>;
}

/** In-memory dead-letter queue for unit tests. */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  readonly letters: DeadLetter[] = [];
  async send(letter: DeadLetter): Promise<void> {
    this.letters.push(letter);
  }
}

/** The detection engine as the processor sees it ({@link DetectionEngine} satisfies it). */
export interface RecordEvaluator {
  evaluate(record: CloudTrailRecord): Promise<EngineResult>;
}

/** Minimal structured logger (Powertools' Logger satisfies it). */
export interface ProcessLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface ProcessDeps {
  engine: RecordEvaluator;
  /** Auto-remediation settings (`remediation` in the detection configuration). */
  remediation: RemediationConfig;
  /** The dedup store the engine claims in; used to give a claim back when alerting fails. */
  dedup?: DedupStore;
  /** Rules by id (kept for callers; the claims to give back come with the engine's result). */
  rules?: readonly Rule[];
  /** Sinks already wrapped with their per-channel severity thresholds. */
  sinks: readonly AlertSink[];
  deadLetters: DeadLetterQueue;
  rotation?: RotationTrigger;
  /**
   * Where bursts are counted so a scheduled flush can send their summary (`bursts.ts`).
   * Without it grouped findings are only counted in the batch result.
   */
  bursts?: BurstStore;
  logger: ProcessLogger;
  now?: () => number;
  /** Names an organization member's findings (the central stage only). */
  accountNames?: AccountNaming;
  /**
   * Records when each account and region last delivered an event, and recognises the members'
   * heartbeats (`delivery.ts`; wired on every deployed stage). Without it a scheduled event is
   * not CloudTrail and is dead-lettered like any other.
   */
  delivery?: { tracker: DeliveryTracker; stage: string };
}

/** What happened to a finding: alerted, or counted only (its rule is in dry-run). */
export type FindingDecision = 'alert' | 'dry-run';

/** Outcome of one finding. */
export interface FindingOutcome {
  findingId: string;
  ruleId: string;
  severity: Finding['severity'];
  decision: FindingDecision;
  remediation?: RemediationOutcome;
}

/** Outcome of one event in the batch. */
export type ItemOutcome =
  | {
      itemId: string;
      status: 'processed';
      findings: FindingOutcome[];
      /** Findings the engine dropped as suppressed or as duplicates within their window. */
      suppressed: number;
      duplicates: number;
      /** Findings folded into a burst already alerted (same rule and principal, in its window). */
      grouped: number;
    }
  | { itemId: string; status: 'dead-lettered'; reason: string }
  | { itemId: string; status: 'failed'; reason: string };

export interface BatchItem {
  /** EventBridge event id or SQS message id: what the caller reports back on failure. */
  itemId: string;
  /** The raw JSON text as received (dead-lettered as is). */
  body: string;
}

/** Summary of a batch, for logs and for the handler's response. */
export interface BatchResult {
  items: ItemOutcome[];
  counts: Record<
    ItemOutcome['status'] | FindingDecision | 'suppressed' | 'duplicate' | 'grouped',
    number
  >;
}

/** Processes every item; never throws for one item's sake. */
export async function processBatch(
  items: readonly BatchItem[],
  deps: ProcessDeps,
): Promise<BatchResult> {
  const results: ItemOutcome[] = [];
  // Sequential on purpose: events of one principal must see each other's baseline updates.
  for (const item of items) {
    results.push(await processItem(item, deps));
  }
  const counts: BatchResult['counts'] = {
    processed: 0,
    'dead-lettered': 0,
    failed: 0,
    alert: 0,
    'dry-run': 0,
    duplicate: 0,
    grouped: 0,
    suppressed: 0,
  };
  for (const item of results) {
    counts[item.status] += 1;
    if (item.status !== 'processed') continue;
    for (const f of item.findings) counts[f.decision] += 1;
    counts.suppressed += item.suppressed;
    counts.duplicate += item.duplicates;
    counts.grouped += item.grouped;
  }
  return { items: results, counts };
}

/** Parses, validates and evaluates one event. */
export async function processItem(item: BatchItem, deps: ProcessDeps): Promise<ItemOutcome> {
  let value: unknown;
  try {
    value = JSON.parse(item.body);
  } catch {
    return deadLetter(item, 'event is not valid JSON', deps);
  }
  if (deps.delivery !== undefined && isEnvelopeObject(value) && isScheduledEvent(value)) {
    return heartbeat(item, value, deps.delivery, deps);
  }
  const parsed = parseEnvelopeValue(value);
  if (!parsed.ok) return deadLetter(item, parsed.reason, deps);
  const { record } = parsed;
  if (deps.delivery !== undefined && parsed.from !== undefined) {
    // Evidence, not detection: a failed write costs the doctor a few minutes of freshness,
    // never the event's findings.
    try {
      await deps.delivery.tracker.note(parsed.from, 'event', parsed.time);
    } catch (error) {
      deps.logger.error('delivery not recorded', { itemId: item.itemId, error: errorText(error) });
    }
  }
  let result: EngineResult;
  try {
    result = await deps.engine.evaluate(record);
  } catch (error) {
    // State store unavailable, throttled, …: retryable, not the event's fault.
    return failed(item, record, 'evaluation failed', error, deps);
  }
  for (const ruleError of result.ruleErrors) {
    deps.logger.error('rule failed on a record', { ...ruleError, eventId: record.eventID });
  }
  const outcomes: FindingOutcome[] = [];
  for (const [index, finding] of result.findings.entries()) {
    const outcome: FindingOutcome = {
      findingId: finding.findingId,
      ruleId: finding.ruleId,
      severity: finding.severity,
      decision: finding.dryRun ? 'dry-run' : 'alert',
    };
    outcomes.push(outcome);
    deps.logger.info('finding', {
      findingId: finding.findingId,
      ruleId: finding.ruleId,
      severity: finding.severity,
      eventId: finding.eventId,
      decision: outcome.decision,
    });
    if (finding.dryRun) continue;
    try {
      await publishAll(deps.sinks, findingToAlert(await named(finding, deps.accountNames)));
    } catch (error) {
      // Give the windows of this and the remaining findings back, so the retry of this event
      // alerts instead of being taken for a duplicate of itself.
      await releaseClaims(result.findings.slice(index), result, deps);
      return failed(item, record, 'alert delivery failed', error, deps);
    }
    const opened = result.groups.opened.find((g) => g.findingId === finding.findingId);
    if (opened !== undefined) await openBurst(finding, opened, deps);
    if (deps.rotation) {
      outcome.remediation = await remediate(finding, deps.remediation, deps.rotation);
      if (outcome.remediation.action !== 'none') {
        const log = outcome.remediation.action === 'failed' ? deps.logger.error : deps.logger.info;
        log.call(deps.logger, 'auto-remediation', {
          findingId: finding.findingId,
          ...outcome.remediation,
        });
      }
    }
  }
  let grouped = 0;
  for (const { finding, key, continuation } of result.groups.grouped) {
    // A rule in dry-run alerts on nothing, bursts included.
    if (deps.bursts === undefined || finding.dryRun === true) {
      grouped++;
      continue;
    }
    let taken: BurstAdd;
    try {
      taken = await deps.bursts.add(key, memberOf(finding));
    } catch (error) {
      // Nothing was claimed for a grouped finding: the retry counts it (once: add is idempotent).
      return failed(item, record, 'burst count failed', error, deps);
    }
    if (taken === 'counted') {
      grouped++;
      continue;
    }
    if (continuation === true) {
      // The crossing that opens its burst is still being alerted (another invocation): the
      // retry counts it. Its burst closed: the crossing alerted for the storm; one more
      // denied call is not news of its own.
      if (taken === 'none') {
        return failed(
          item,
          record,
          'burst count failed',
          new Error('burst not recorded yet'),
          deps,
        );
      }
      grouped++;
      continue;
    }
    // Its burst's summary is out already (the event came later than the grace) or its
    // burst was never recorded: alert it on its own rather than lose it.
    try {
      await publishAll(deps.sinks, findingToAlert(await named(finding, deps.accountNames)));
    } catch (error) {
      return failed(item, record, 'alert delivery failed', error, deps);
    }
    deps.logger.info('finding', {
      findingId: finding.findingId,
      ruleId: finding.ruleId,
      severity: finding.severity,
      eventId: finding.eventId,
      decision: 'alert',
      late: true,
    });
    outcomes.push({
      findingId: finding.findingId,
      ruleId: finding.ruleId,
      severity: finding.severity,
      decision: 'alert',
    });
  }
  return {
    itemId: item.itemId,
    status: 'processed',
    findings: outcomes,
    suppressed: result.suppressed,
    duplicates: result.deduplicated,
    grouped,
  };
}

/**
 * Records the burst a just-alerted finding opened. A failure here costs the summary, not the
 * alert: later findings of the burst then find no open burst and alert on their own.
 */
async function openBurst(
  finding: Finding,
  opened: EngineResult['groups']['opened'][number],
  deps: ProcessDeps,
): Promise<void> {
  if (deps.bursts === undefined) return;
  try {
    await deps.bursts.open(
      opened.key,
      finding,
      opened.untilMs,
      opened.windowSeconds,
      opened.events ?? 1,
    );
  } catch (error) {
    deps.logger.error('burst not recorded', {
      findingId: finding.findingId,
      ruleId: finding.ruleId,
      error: errorText(error),
    });
  }
}

function memberOf(finding: Finding): BurstMember {
  return {
    eventId: finding.eventId,
    eventTime: finding.eventTime,
    ...(finding.resource === undefined ? {} : { resource: finding.resource }),
  };
}

async function releaseClaims(
  findings: readonly Finding[],
  result: EngineResult,
  deps: ProcessDeps,
): Promise<void> {
  const store = deps.dedup;
  if (!store || !isReleasable(store)) return;
  for (const finding of findings) {
    const claim = result.claims.find((c) => c.findingId === finding.findingId);
    for (const key of claim?.keys ?? []) {
      try {
        await store.release(finding.ruleId, key);
      } catch {
        // Best effort: at worst the retry is taken for a duplicate, as without release.
      }
    }
  }
}

/** A dedup store that can give a claim back (when the alert could not be delivered). */
export interface ReleasableDedupStore extends DedupStore {
  release(ruleId: string, dedupKey: string): Promise<void>;
}

function isReleasable(store: DedupStore): store is ReleasableDedupStore {
  return typeof (store as Partial<ReleasableDedupStore>).release === 'function';
}

function isEnvelopeObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A scheduled event: a member's heartbeat is recorded for the account and region it proves
 * delivery from, and nothing else happens (no rule, no baseline, no alert: it is not gateway
 * activity). Any other scheduled event (one naming another account's heartbeat rule, or a
 * member's own schedule aimed at the central bus) is dead-lettered with its reason.
 */
async function heartbeat(
  item: BatchItem,
  envelope: Record<string, unknown>,
  delivery: NonNullable<ProcessDeps['delivery']>,
  deps: ProcessDeps,
): Promise<ItemOutcome> {
  const from = heartbeatOf(
    {
      source: String(envelope.source),
      'detail-type': String(envelope['detail-type']),
      ...(typeof envelope.account === 'string' ? { account: envelope.account } : {}),
      ...(typeof envelope.region === 'string' ? { region: envelope.region } : {}),
      resources: envelope.resources,
    },
    delivery.stage,
  );
  if (from === undefined) {
    return deadLetter(
      item,
      "scheduled event: not this stage's heartbeat rule in the account and region it came from",
      deps,
    );
  }
  const time = typeof envelope.time === 'string' ? envelope.time : undefined;
  try {
    await delivery.tracker.note(from, 'heartbeat', time);
  } catch (error) {
    // The heartbeat is the whole point of this event: retry it rather than lose the evidence.
    const reason = `heartbeat not recorded: ${errorText(error)}`;
    deps.logger.error('event processing failed', { itemId: item.itemId, reason });
    return { itemId: item.itemId, status: 'failed', reason };
  }
  return {
    itemId: item.itemId,
    status: 'processed',
    findings: [],
    suppressed: 0,
    duplicates: 0,
    grouped: 0,
  };
}

type ParsedEnvelope =
  | {
      ok: true;
      record: CloudTrailRecord;
      /** The envelope's account and region (AWS's), when both are valid. */
      from?: { account: string; region: string };
      /** The envelope's `time`. */
      time?: string;
    }
  | { ok: false; reason: string };

/** JSON → EventBridge envelope → CloudTrail record, with a reason naming path and problem. */
export function parseEnvelope(body: string): ParsedEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'event is not valid JSON' };
  }
  return parseEnvelopeValue(value);
}

function parseEnvelopeValue(value: unknown): ParsedEnvelope {
  const envelope = cloudTrailEnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    const reason = envelope.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `not a CloudTrail EventBridge event: ${reason}` };
  }
  // Only AWS can put an `aws.` source on a bus: anything else is a forgery, however real its
  // detail looks (sources.ts).
  const forged = sourceProblem(envelope.data.source);
  if (forged !== undefined) return { ok: false, reason: forged };
  // Validate `detail` as received, as replay does: the envelope parse made a copy of it, and a
  // zod copy leaves out a `__proto__` key the record held.
  const record = validateRecord((value as { detail: unknown }).detail);
  if (!record.ok)
    return { ok: false, reason: `detail is not a valid CloudTrail record: ${record.reason}` };
  // The account the event happened in: a record without recipientAccountId takes EventBridge's
  // envelope account (set by AWS, kept when a member forwards it), not the caller's account,
  // which is another one for a cross-account role.
  const account = envelope.data.account;
  const from = deliveredFrom(envelope.data);
  const meta = {
    ...(from === undefined ? {} : { from }),
    ...(envelope.data.time === undefined ? {} : { time: envelope.data.time }),
  };
  if (record.record.recipientAccountId === undefined && account && /^\d{12}$/.test(account)) {
    return { ok: true, record: { ...record.record, recipientAccountId: account }, ...meta };
  }
  return { ok: true, record: record.record, ...meta };
}

async function deadLetter(
  item: BatchItem,
  reason: string,
  deps: ProcessDeps,
): Promise<ItemOutcome> {
  // Log the reason and the id, never the event (it may carry identifiers we do not need in logs).
  deps.logger.warn('malformed event dead-lettered', { itemId: item.itemId, reason });
  try {
    await deps.deadLetters.send({
      body: item.body,
      reason,
      source: 'detect',
      failedAt: new Date((deps.now ?? Date.now)()).toISOString(),
    });
  } catch (error) {
    // Not dropped: the caller retries the item (and Lambda's own DLQ catches it in the end).
    deps.logger.error('dead-letter queue unavailable', {
      itemId: item.itemId,
      error: errorText(error),
    });
    return { itemId: item.itemId, status: 'failed', reason: `dead-lettering failed: ${reason}` };
  }
  return { itemId: item.itemId, status: 'dead-lettered', reason };
}

function failed(
  item: BatchItem,
  record: CloudTrailRecord,
  what: string,
  error: unknown,
  deps: ProcessDeps,
): ItemOutcome {
  const reason = `${what}: ${errorText(error)}`;
  deps.logger.error('event processing failed', {
    itemId: item.itemId,
    eventId: record.eventID,
    eventName: record.eventName,
    reason,
  });
  return { itemId: item.itemId, status: 'failed', reason };
}

/** Reasons reach logs, dead letters and the batch outcome: never a foreign error's text. */
function errorText(error: unknown): string {
  return safeReason(error);
}
