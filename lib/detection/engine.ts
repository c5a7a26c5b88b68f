import { createHash } from 'node:crypto';
import { safeReason } from '../shared/redact.js';
import type { DetectionConfig } from './config.js';
import { contextFromConfig, parseDetectionConfig } from './config.js';
import { MemoryLastStateStore } from './lastStates.js';
import type {
  BaselineObservation,
  DetectionState,
  LastStateStore,
  StateVersion,
  SyncDetectionState,
  SyncRecord,
} from './ports.js';
import { isSyncState } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { allRules } from './registry.js';
import { claimEscalatingAsync, claimEscalatingSync, type EscalatingClaim } from './dedupClaims.js';
import { learnFromRecord } from './learn.js';
import { stateOf, trackedStates, type Tracked } from './stateTrackers.js';
import {
  callerMatches,
  matchesPattern,
  principalOf,
  stableCaller,
  timeOf,
} from './rules/support.js';
import { learnedFactsTracked, toolingAt, toolingCaller, toolingLookup } from './learnedFacts.js';
import { toolOf } from './tooling.js';
import {
  compareSeverity,
  raise,
  type DetectionContext,
  type Finding,
  type Rule,
  type RuleMatch,
  type StateChange,
} from './types.js';

const DAY_MS = 86_400_000;

/** Accounts whose learned facts are kept (an organization's quota is 10 by default, 10,000 at most). */
const MEMBER_CONTEXTS = 10_000;

/** What one record produced. */
export interface EngineResult {
  /** Findings to alert on (dry-run ones carry `dryRun: true`: count them, do not alert). */
  findings: Finding[];
  /** Findings dropped by a suppression. */
  suppressed: number;
  /** Findings dropped as duplicates within their rule's dedup window. */
  deduplicated: number;
  /** Which rules' findings were dropped, and why (for per-rule summaries). */
  dropped: { ruleId: string; reason: 'suppressed' | 'duplicate' | 'grouped' }[];
  /**
   * Grouping: `opened` findings start a burst group (alerted now); `grouped` findings fell
   * into an open group (not alerted; a replay folds them into the group's finding).
   */
  groups: {
    /** `events`: how many events the opening finding stands for (a threshold rule's count). */
    opened: {
      findingId: string;
      key: string;
      untilMs: number;
      windowSeconds: number;
      events?: number;
    }[];
    /**
     * `continuation`: an event past a threshold rule's threshold, counted into the burst its
     * crossing opened; it never alerts on its own (the crossing did, for the whole burst).
     */
    grouped: { finding: Finding; key: string; continuation?: true }[];
  };
  /** Rules that threw on this record (the record is still evaluated by every other rule). */
  ruleErrors: { ruleId: string; message: string }[];
  /**
   * The dedup keys each reported finding claimed, so a caller that fails to deliver the alert
   * can give exactly those back (and the retry is not taken for a duplicate of itself).
   */
  claims: { findingId: string; ruleId: string; keys: string[] }[];
}

export interface EngineOptions {
  config?: DetectionConfig;
  state: DetectionState;
  rules?: readonly Rule[];
  /**
   * The account detect runs in. Its records keep the state keys they always had; every other
   * account's (an organization's members forwarding here) are kept apart under `acct:<id>|`.
   * Unset (replay, tests): every record's account scopes its keys.
   */
  homeAccountId?: string;
}

/**
 * The detection engine: record in, findings out. Pure apart from the state ports it is
 * given (baselines, windowed counters, dedup) and the gateway roles it learns from the stream.
 *
 * Rules are indexed by `eventSource` and `eventName`, so each record runs only the rules that
 * can match it; rules without an `events` declaration run on every record.
 */
export class DetectionEngine {
  readonly config: DetectionConfig;
  readonly context: DetectionContext;
  readonly rules: readonly Rule[];
  private readonly state: DetectionState;
  private readonly bySourceName = new Map<string, Rule[]>();
  private readonly bySource = new Map<string, Rule[]>();
  private readonly everywhere: Rule[] = [];
  private readonly dryRun: Set<string>;
  private readonly candidateCache = new Map<string, Map<string, readonly Rule[]>>();
  private readonly syncState: SyncDetectionState | undefined;
  private readonly lastStates: LastStateStore & { recordSync?: SyncRecord };
  private readonly tracksState: boolean;
  private readonly homeAccountId: string | undefined;
  private readonly memberContexts = new Map<string, DetectionContext>();

  constructor(options: EngineOptions) {
    this.homeAccountId = options.homeAccountId;
    this.config = options.config ?? parseDetectionConfig({});
    this.context = this.freshContext();
    this.state = options.state;
    this.syncState = isSyncState(options.state) ? options.state : undefined;
    this.lastStates = options.state.lastStates ?? new MemoryLastStateStore();
    const disabled = new Set(this.config.disabledRules);
    this.rules = (options.rules ?? allRules).filter((rule) => !disabled.has(rule.id));
    this.dryRun = new Set(this.config.dryRunRules);
    for (const rule of this.rules) this.index(rule);
    this.tracksState = this.rules.some((rule) => rule.lastState === true);
  }

  /**
   * The prefix of a record's state keys: none for the home account's records (their keys stay
   * what they were before organizations), `acct:<id>|` for any other account's, so a trail,
   * gateway or recorder named alike in two members never shares a dedup window, a counter or
   * a baseline.
   */
  private accountScope(record: CloudTrailRecord): string {
    const account = record.recipientAccountId ?? record.userIdentity?.accountId;
    if (account === undefined || account === this.homeAccountId) return '';
    return `acct:${account}|`;
  }

  /** The configured context with nothing learned yet. */
  private freshContext(): DetectionContext {
    return {
      ...contextFromConfig(this.config),
      learningDays: this.config.baseline.learningDays,
    };
  }

  /**
   * The context a record is learned from and judged in: {@link context} for the home
   * account's records, one of its own for each other account. Names (roles, users, functions)
   * are each account's choice, so what one member did (created a role, made it a gateway's)
   * never excuses or classifies a principal of the same name in another. Past
   * {@link MEMBER_CONTEXTS} accounts a record gets a context that has learned nothing: fewer
   * exemptions, never another account's.
   */
  contextOf(record: CloudTrailRecord): DetectionContext {
    const scope = this.accountScope(record);
    if (scope === '') return this.context;
    let context = this.memberContexts.get(scope);
    if (context === undefined) {
      context = this.freshContext();
      if (this.memberContexts.size < MEMBER_CONTEXTS) this.memberContexts.set(scope, context);
    }
    return context;
  }

  /** Rules that may match a record (the index lookup), cached per (source, name). */
  candidates(record: CloudTrailRecord): readonly Rule[] {
    let byName = this.candidateCache.get(record.eventSource);
    if (byName === undefined) {
      byName = new Map();
      if (this.candidateCache.size < 1_000) this.candidateCache.set(record.eventSource, byName);
    }
    let list = byName.get(record.eventName);
    if (list === undefined) {
      const named = this.bySourceName.get(`${record.eventSource} ${record.eventName}`) ?? [];
      const sourced = this.bySource.get(record.eventSource) ?? [];
      list = [...named, ...sourced.filter((r) => !named.includes(r)), ...this.everywhere];
      // Event names are a small closed set in practice; cap in case the input is hostile.
      if (byName.size < 5_000) byName.set(record.eventName, list);
    }
    return list;
  }

  /** True when the state ports answer synchronously (in-memory), so {@link evaluateSync} works. */
  get canEvaluateSync(): boolean {
    return this.syncState !== undefined;
  }

  /**
   * Evaluates one validated record. With `learnOnly`, baselines, counters and learned roles are
   * updated but nothing is reported (replay's `--baseline-days`). Never throws for a rule's
   * sake: a rule that throws is reported in `ruleErrors`.
   */
  async evaluate(
    record: CloudTrailRecord,
    options: { learnOnly?: boolean } = {},
  ): Promise<EngineResult> {
    const matched = this.match(record);
    if (matched === undefined) return EMPTY_RESULT;
    const steps = this.steps(record, matched, options.learnOnly === true);
    let next = steps.next();
    const scope = this.accountScope(record);
    while (!next.done)
      next = steps.next(await this.perform(scopeOp(next.value, scope, this.homeAccountId)));
    return next.value;
  }

  /**
   * The same as {@link evaluate} without a promise per record, for in-memory state (replay,
   * benchmark). Throws if the state ports are asynchronous.
   */
  evaluateSync(record: CloudTrailRecord, options: { learnOnly?: boolean } = {}): EngineResult {
    const sync = this.syncState;
    if (sync === undefined) throw new Error('evaluateSync needs synchronous (in-memory) state');
    const matched = this.match(record);
    if (matched === undefined) return EMPTY_RESULT;
    const steps = this.steps(record, matched, options.learnOnly === true);
    let next = steps.next();
    const scope = this.accountScope(record);
    while (!next.done)
      next = steps.next(this.performSync(sync, scopeOp(next.value, scope, this.homeAccountId)));
    return next.value;
  }

  /**
   * First, synchronous pass: learn from the record and run every candidate rule's condition.
   * Most records match nothing; they end here without any allocation for state or results.
   */
  private match(record: CloudTrailRecord): Matched | undefined {
    const context = this.contextOf(record);
    learnFromRecord(record, context);
    let matches: [Rule, RuleMatch][] | undefined;
    let errors: EngineResult['ruleErrors'] | undefined;
    let deferred: Rule[] | undefined;
    // Learned facts are written whatever the rules (tooling raises every rule's findings).
    const tracked = this.tracksState
      ? trackedStates(record, context)
      : learnedFactsTracked(record, context);
    for (const rule of this.candidates(record)) {
      // Evaluated once the record has been compared with the last known state (with no state
      // to compare, at once: it would see no change either way).
      if (rule.lastState === true && tracked.length > 0) {
        (deferred ??= []).push(rule);
        continue;
      }
      try {
        const match = rule.evaluate(record, context);
        if (match !== undefined) (matches ??= []).push([rule, match]);
      } catch (error) {
        (errors ??= []).push({
          ruleId: rule.id,
          message: safeReason(error),
        });
      }
    }
    if (
      matches === undefined &&
      errors === undefined &&
      deferred === undefined &&
      tracked.length === 0
    ) {
      return undefined;
    }
    return {
      matches: matches ?? [],
      errors: errors ?? [],
      deferred: deferred ?? [],
      tracked,
      context,
    };
  }

  /**
   * The stateful part of the engine's logic, written once: a generator that yields the state
   * operations it needs and receives their results, so a synchronous and an asynchronous
   * driver can both run it.
   */
  private *steps(
    record: CloudTrailRecord,
    matched: Matched,
    learnOnly: boolean,
  ): Generator<StateOp, EngineResult, unknown> {
    const result: EngineResult = {
      findings: [],
      suppressed: 0,
      deduplicated: 0,
      dropped: [],
      ruleErrors: matched.errors,
      claims: [],
      groups: { opened: [], grouped: [] },
    };
    const at = timeOf(record);
    if (matched.tracked.length > 0 || matched.deferred.length > 0) {
      yield* this.compareStates(record, matched, at);
    }
    const tool =
      learnOnly || matched.matches.length === 0 ? undefined : yield* this.toolingOf(record, at);
    for (const [rule, matchedAs] of matched.matches) {
      let match = matchedAs;
      let level: ThresholdLevel = 'crossed';
      try {
        if (rule.threshold !== undefined) {
          level = yield* this.crossesThreshold(rule, record, at);
          if (level === 'below') continue;
        }
        if (rule.sequence !== undefined && !(yield* this.followsEnough(rule, record, at))) {
          continue;
        }
        if (rule.baseline !== undefined) {
          const novel = yield* this.outsideBaseline(rule, record, match, at);
          if (match.observeOnly === true || !(novel || match.certain === true)) continue;
          if (novel && match.whenNew !== undefined) match = escalated(match, match.whenNew);
        }
      } catch (error) {
        result.ruleErrors.push({
          ruleId: rule.id,
          message: safeReason(error),
        });
        continue;
      }
      if (learnOnly) continue;
      if (tool !== undefined && rule.id !== TOOLING_RULE) match = withTool(match, rule, tool);
      const finding = this.toFinding(rule, record, match);
      if (this.isSuppressed(finding, record, at)) {
        result.suppressed++;
        result.dropped.push({ ruleId: rule.id, reason: 'suppressed' });
        continue;
      }
      // Past the threshold: one more event of the burst the crossing alerted on.
      if (level === 'above') {
        this.continueBurst(result, rule, record, finding);
        continue;
      }
      const keys = yield* this.claimDedup(rule, safeKey(rule, record), finding, match, at);
      if (keys.length === 0) {
        // A threshold crossed again within the dedup window (the other series, a new window):
        // still the same storm, counted into its burst.
        if (rule.threshold !== undefined && this.continueBurst(result, rule, record, finding)) {
          continue;
        }
        result.deduplicated++;
        result.dropped.push({ ruleId: rule.id, reason: 'duplicate' });
        continue;
      }
      const group = this.groupOf(rule, finding);
      if (group !== undefined) {
        const key = `${rule.id}|group|${stableCaller(record)}`;
        // Only facts that change the story break out of a group; more resources are the burst.
        const { resource: _resource, ...withoutResource } = match;
        const won = yield* this.claimDedup(rule, key, finding, withoutResource, at, group);
        if (won.length === 0) {
          result.dropped.push({ ruleId: rule.id, reason: 'grouped' });
          result.groups.grouped.push({ finding, key });
          continue;
        }
        keys.push(...won);
        result.groups.opened.push({
          findingId: finding.findingId,
          key,
          untilMs: at + group * 1000,
          windowSeconds: group,
          // A threshold rule's finding stands for the events that crossed the threshold.
          ...(rule.threshold !== undefined && rule.threshold.spike === undefined
            ? { events: this.thresholdOf(rule).threshold }
            : {}),
        });
      }
      result.claims.push({ findingId: finding.findingId, ruleId: rule.id, keys });
      result.findings.push(finding);
    }
    return result;
  }

  /**
   * Field-level change rules: records the state the record leaves each resource in (ordered by
   * event time, see lastStates.ts), hands the rules the state before and after, and evaluates
   * them. Their matches join the others (dedup, grouping and suppression as usual).
   */
  private *compareStates(
    record: CloudTrailRecord,
    matched: Matched,
    at: number,
  ): Generator<StateOp, void, unknown> {
    const changes: StateChange[] = [];
    const queue = [...matched.tracked];
    // Follow-ups are one level deep: a follow-up's own follow-ups are not taken.
    const followUps = new Set<Tracked>();
    for (let i = 0; i < queue.length; i++) {
      const tracked = queue[i] as Tracked;
      try {
        const previous = (yield {
          op: 'record',
          tracked,
          at,
          eventId: record.eventID,
        }) as StateVersion | undefined;
        const next = tracked.next(previous);
        if (tracked.then !== undefined && !followUps.has(tracked)) {
          for (const follow of tracked.then(previous, next)) {
            followUps.add(follow);
            queue.push(follow);
          }
        }
        changes.push({
          kind: tracked.kind,
          subject: tracked.subject,
          previous: stateOf(previous),
          current: next === undefined ? undefined : next === null ? null : JSON.parse(next),
        });
      } catch (error) {
        matched.errors.push({ ruleId: `state:${tracked.kind}`, message: safeReason(error) });
      }
    }
    matched.context.stateChanges = { eventId: record.eventID, changes };
    for (const rule of matched.deferred) {
      try {
        const match = rule.evaluate(record, matched.context);
        if (match !== undefined) matched.matches.push([rule, match]);
      } catch (error) {
        matched.errors.push({ ruleId: rule.id, message: safeReason(error) });
      }
    }
  }

  /**
   * Counts an event past a threshold into the burst of its rule and caller (no claim: it is
   * never news on its own). False when the rule's findings are not grouped.
   */
  private continueBurst(
    result: EngineResult,
    rule: Rule,
    record: CloudTrailRecord,
    finding: Finding,
  ): boolean {
    if (this.groupOf(rule, finding) === undefined) return false;
    const key = `${rule.id}|group|${stableCaller(record)}`;
    result.dropped.push({ ruleId: rule.id, reason: 'grouped' });
    result.groups.grouped.push({ finding, key, continuation: true });
    return true;
  }

  /**
   * Escalation-safe dedup (see `dedupClaims.ts`): a harmless change cannot be used to hide the
   * more severe one, or the new external principal, that follows it. Returns the claims won.
   */
  private *claimDedup(
    rule: Rule,
    key: string,
    finding: Finding,
    match: RuleMatch,
    at: number,
    windowSeconds = rule.dedup.windowSeconds,
  ): Generator<StateOp, string[], unknown> {
    return (yield {
      op: 'claimEscalating',
      ruleId: rule.id,
      key,
      severity: finding.severity,
      facts: factsOf(match, key),
      at,
      windowSeconds,
      occurrence: finding.eventId,
    }) as string[];
  }

  /** The group window (seconds) a finding falls under, or undefined when it is not grouped. */
  private groupOf(rule: Rule, finding: Finding): number | undefined {
    const spec = rule.group;
    if (spec === false) return undefined;
    if (spec?.allSeverities !== true && compareSeverity(finding.severity, 'medium') > 0) {
      return undefined;
    }
    return spec?.windowSeconds ?? DEFAULT_GROUP_SECONDS;
  }

  private performSync(state: SyncDetectionState, op: StateOp): unknown {
    if (op.op !== 'record') return performSync(state, op);
    const store = state.lastStates ?? this.lastStates;
    if (store.recordSync === undefined) throw new Error('last states are not synchronous');
    return store.recordSync(
      op.tracked.kind,
      op.tracked.subject,
      op.at,
      op.eventId,
      op.tracked.next,
    );
  }

  private perform(op: StateOp): Promise<unknown> {
    switch (op.op) {
      case 'add':
        return this.state.counters.add(op.key, op.windowStartMs, op.windowSeconds, op.member);
      case 'totals':
        return this.state.counters.totals(op.key, op.windowStartsMs);
      case 'observe':
        return this.state.baselines.observe(op.dimension, op.subject, op.value, op.at);
      case 'claimEscalating':
        return claimEscalatingAsync(op, (key) =>
          this.state.dedup.claim(op.ruleId, key, op.at, op.windowSeconds),
        );
      case 'record':
        return this.lastStates.record(
          op.tracked.kind,
          op.tracked.subject,
          op.at,
          op.eventId,
          op.tracked.next,
        );
    }
  }

  private index(rule: Rule): void {
    if (rule.events === undefined) {
      this.everywhere.push(rule);
      return;
    }
    for (const source of rule.events.sources) {
      if (rule.events.names === undefined) {
        push(this.bySource, source, rule);
        continue;
      }
      for (const name of rule.events.names) push(this.bySourceName, `${source} ${name}`, rule);
    }
  }

  private thresholdOf(rule: Rule): { threshold: number; windowSeconds: number } {
    const base = rule.threshold ?? rule.sequence ?? { threshold: 1, windowSeconds: 600 };
    const override = this.config.thresholds[rule.id];
    return {
      threshold: override?.threshold ?? base.threshold,
      windowSeconds: override?.windowSeconds ?? base.windowSeconds,
    };
  }

  /**
   * Windowed counting. Fixed thresholds use two tumbling series offset by half a window, so a
   * burst straddling a window boundary is still seen; each series fires once, when it reaches
   * the threshold exactly. Spikes compare the current window with the trailing mean.
   */
  private *crossesThreshold(
    rule: Rule,
    record: CloudTrailRecord,
    at: number,
  ): Generator<StateOp, ThresholdLevel, unknown> {
    const spec = rule.threshold;
    if (spec === undefined) return 'crossed';
    const { threshold, windowSeconds } = this.thresholdOf(rule);
    const windowMs = windowSeconds * 1000;
    const key = `${rule.id}|${spec.key(record)}`;
    const member = spec.member?.(record);
    if (spec.spike !== undefined) {
      const start = at - (at % windowMs);
      const count = Number(yield { op: 'add', key, windowStartMs: start, windowSeconds, member });
      if (count < threshold || (count - threshold) % threshold !== 0) return 'below';
      const trailing = Array.from(
        { length: spec.spike.trailingWindows },
        (_, i) => start - (i + 1) * windowMs,
      );
      const totals = (yield { op: 'totals', key, windowStartsMs: trailing }) as number[];
      const sum = totals.reduce((a, b) => a + b, 0);
      // No history, no baseline to spike against (new principals are the baseline rules' job).
      if (sum === 0) return 'below';
      // The mean over the windows the principal has been observed in (from its oldest active
      // trailing window), not the whole lookback: a principal first seen an hour ago has one
      // hour of history, and dividing by a day would make its second hour look like a spike.
      let observed = totals.length;
      while (observed > 1 && totals[observed - 1] === 0) observed--;
      const mean = sum / observed;
      return count >= spec.spike.factor * Math.max(mean, 1) ? 'crossed' : 'below';
    }
    const series = spec.series?.(record) ?? [{ key: spec.key(record), member }];
    // Several members a record brings (finding ids a call closes) count in every series.
    const members = spec.members?.(record);
    let level: ThresholdLevel = 'below';
    for (const one of series.slice(0, 4)) {
      const crossesAt = Math.max(1, Math.round(threshold * (one.factor ?? 1)));
      const reached = yield* this.countSeries(
        `${rule.id}|${one.key}`,
        members === undefined ? one.member : members,
        crossesAt,
        windowSeconds,
        at,
      );
      // Every series counts the record, whichever crosses.
      if (reached === 'crossed') level = 'crossed';
      else if (reached === 'above' && level === 'below') level = 'above';
    }
    return level;
  }

  /**
   * One fixed-threshold series: two tumbling windows offset by half a window. `member` is the
   * record's one member (a set counter), or the several it brings.
   */
  private *countSeries(
    key: string,
    member: string | readonly string[] | undefined,
    threshold: number,
    windowSeconds: number,
    at: number,
  ): Generator<StateOp, ThresholdLevel, unknown> {
    const windowMs = windowSeconds * 1000;
    const half = windowMs / 2;
    const startA = at - (at % windowMs);
    const startB = at - ((at + half) % windowMs);
    if (typeof member === 'object') {
      // Set counters grow by one member at a time: whichever add reaches the threshold crosses
      // it, however many members the record brings.
      let crossed = false;
      for (const one of new Set(member)) {
        for (const [series, start] of [
          ['a', startA],
          ['b', startB],
        ] as const) {
          const count = Number(
            yield {
              op: 'add',
              key: `${key}|${series}`,
              windowStartMs: start,
              windowSeconds,
              member: one,
            },
          );
          if (count === threshold) crossed = true;
        }
      }
      return crossed ? 'crossed' : 'below';
    }
    const countA = Number(
      yield { op: 'add', key: `${key}|a`, windowStartMs: startA, windowSeconds, member },
    );
    const countB = Number(
      yield { op: 'add', key: `${key}|b`, windowStartMs: startB, windowSeconds, member },
    );
    if (countA === threshold || countB === threshold) return 'crossed';
    // A set counter (distinct members) does not grow with a repeated member: not a new event.
    if (member === undefined && (countA > threshold || countB > threshold)) return 'above';
    return 'below';
  }

  /**
   * Sequence rules: a non-trigger match counts under each key (distinct members, in one-minute
   * buckets of event time) and never stands; a trigger stands when a key counted `threshold`
   * in the window before it, to the minute: matches later than the trigger's minute do not
   * count, wherever they arrived in the stream.
   */
  private *followsEnough(
    rule: Rule,
    record: CloudTrailRecord,
    at: number,
  ): Generator<StateOp, boolean, unknown> {
    const spec = rule.sequence;
    if (spec === undefined) return true;
    const { threshold, windowSeconds } = this.thresholdOf(rule);
    const bucket = at - (at % SEQUENCE_BUCKET_MS);
    const keys = [...new Set(spec.keys(record))].map((key) => `${rule.id}|seq|${key}`);
    if (!spec.trigger(record)) {
      const member = spec.member(record);
      for (const key of keys) {
        // The full window as the bucket's lifetime: it is read for that long.
        yield { op: 'add', key, windowStartMs: bucket, windowSeconds, member };
      }
      return false;
    }
    const buckets: number[] = [];
    for (let start = bucket; start >= at - windowSeconds * 1000; start -= SEQUENCE_BUCKET_MS) {
      buckets.push(start);
    }
    for (const key of keys) {
      const totals = (yield { op: 'totals', key, windowStartsMs: buckets }) as number[];
      if (totals.reduce((a, b) => a + b, 0) >= threshold) return true;
    }
    return false;
  }

  /** Baseline rules: observe every value; true when a value is new for a known subject. */
  private *outsideBaseline(
    rule: Rule,
    record: CloudTrailRecord,
    match: RuleMatch,
    at: number,
  ): Generator<StateOp, boolean, unknown> {
    const spec = rule.baseline;
    if (spec === undefined) return true;
    const subject = spec.subject(record);
    const values = spec.values(record);
    if (subject === undefined || values.length === 0) return false;
    let novel = false;
    for (const value of values) {
      const seen = (yield {
        op: 'observe',
        dimension: spec.dimension,
        subject,
        value,
        at,
      }) as BaselineObservation;
      const subjectKnown = seen.subjectFirstSeenMs < at;
      const learned =
        !spec.learning || at - seen.subjectFirstSeenMs >= (this.context.learningDays ?? 7) * DAY_MS;
      if (!seen.known && subjectKnown && learned) novel = true;
    }
    return novel;
  }

  /**
   * Attacker tooling raises what the same principal does: the tool of a call made with it, or
   * of the principal's last call with it within a day (the learned `tooling` fact, kept in the
   * state store so another container, or this one after a cold start, still knows it).
   */
  private *toolingOf(
    record: CloudTrailRecord,
    at: number,
  ): Generator<StateOp, string | undefined, unknown> {
    const caller = toolingCaller(record);
    if (caller === undefined) return undefined;
    const now = toolOf(record.userAgent);
    if (now?.kind === 'offensive') return now.tool;
    const seen = (yield {
      op: 'record',
      tracked: toolingLookup(caller),
      at,
      eventId: record.eventID,
    }) as StateVersion | undefined;
    return toolingAt(seen, at);
  }

  private toFinding(rule: Rule, record: CloudTrailRecord, match: RuleMatch): Finding {
    const id = record.userIdentity;
    const finding: Finding = {
      schemaVersion: 1,
      findingId: createHash('sha256')
        .update(`${rule.id}\u0000${record.eventID}`)
        .digest('hex')
        .slice(0, 32),
      ruleId: rule.id,
      title: rule.title,
      severity: match.severity ?? rule.severity,
      tactic: rule.mitre.tactic,
      technique: rule.mitre.technique,
      summary: match.summary,
      runbook: rule.runbook,
      eventId: record.eventID,
      eventName: record.eventName,
      eventSource: record.eventSource,
      eventTime: record.eventTime,
      principal: principalOf(record),
    };
    if (record.awsRegion !== undefined) finding.awsRegion = record.awsRegion;
    const account = record.recipientAccountId ?? id.accountId;
    if (account !== undefined) finding.accountId = account;
    if (id.type !== undefined) finding.principalType = id.type;
    if (record.sourceIPAddress !== undefined) finding.sourceIp = record.sourceIPAddress;
    if (record.userAgent !== undefined) finding.userAgent = record.userAgent.slice(0, 256);
    if (match.resource !== undefined) finding.resource = match.resource;
    if (match.details !== undefined) finding.details = match.details;
    if (this.dryRun.has(rule.id)) finding.dryRun = true;
    return finding;
  }

  /** Suppressions apply while the record's time is before their expiry (replay-faithful). */
  private isSuppressed(finding: Finding, record: CloudTrailRecord, at: number): boolean {
    for (const s of this.config.suppressions) {
      if (Date.parse(s.expires) <= at) continue;
      if (s.ruleId !== undefined && !matchesPattern(finding.ruleId, s.ruleId)) continue;
      if (
        s.principal !== undefined &&
        !matchesPattern(finding.principal, s.principal) &&
        !callerMatches(record, [s.principal])
      ) {
        continue;
      }
      if (
        s.action !== undefined &&
        !matchesPattern(record.eventName, s.action) &&
        !matchesPattern(`${record.eventSource}:${record.eventName}`, s.action)
      ) {
        continue;
      }
      if (s.resource !== undefined && !matchesPattern(finding.resource ?? '', s.resource)) continue;
      return true;
    }
    return false;
  }
}

interface Matched {
  matches: [Rule, RuleMatch][];
  errors: EngineResult['ruleErrors'];
  /** Rules that compare with the last known state: evaluated in the stateful pass. */
  deferred: Rule[];
  /** Resources the record touches (their last known state is recorded and compared). */
  tracked: Tracked[];
  /** The record's account's context (what was learned from that account alone). */
  context: DetectionContext;
}

/** The result of a record nothing matched (shared, frozen: callers only read results). */
const EMPTY_RESULT: EngineResult = Object.freeze({
  findings: Object.freeze([]) as unknown as Finding[],
  suppressed: 0,
  deduplicated: 0,
  dropped: Object.freeze([]) as unknown as EngineResult['dropped'],
  ruleErrors: Object.freeze([]) as unknown as EngineResult['ruleErrors'],
  claims: Object.freeze([]) as unknown as EngineResult['claims'],
  groups: Object.freeze({
    opened: Object.freeze([]),
    grouped: Object.freeze([]),
  }) as unknown as EngineResult['groups'],
});

/** A match one step more severe, naming the attacker tool its principal used. */
function withTool(match: RuleMatch, rule: Rule, tool: string): RuleMatch {
  return {
    ...match,
    severity: raise(match.severity ?? rule.severity),
    details: { ...match.details, attackerTool: tool },
    facts: [...(match.facts ?? []), `tool=${tool}`],
  };
}

/** The rule that reports tooling itself (not raised by its own signal). */
const TOOLING_RULE = 'attacker-tool-user-agent';

/** Group window of rules that do not set one: a burst is calls seconds to minutes apart. */
const DEFAULT_GROUP_SECONDS = 300;

/**
 * Facts a finding names, for dedup: its resource (unless the dedup key already names it) and
 * the rule's own facts (bounded).
 */
function factsOf(match: RuleMatch, key: string): string[] {
  const facts = new Set<string>();
  if (match.resource !== undefined && !key.includes(match.resource)) {
    facts.add(`resource=${match.resource}`);
  }
  for (const fact of match.facts ?? []) {
    if (facts.size >= MAX_FACTS) break;
    facts.add(fact);
  }
  return [...facts];
}

/** A match with its `whenNew` changes applied (facts added, not replaced). */
function escalated(match: RuleMatch, changes: NonNullable<RuleMatch['whenNew']>): RuleMatch {
  return {
    ...match,
    ...(changes.severity === undefined ? {} : { severity: changes.severity }),
    ...(changes.summary === undefined ? {} : { summary: changes.summary }),
    facts: [...(match.facts ?? []), ...(changes.facts ?? [])],
  };
}

/** Sequence rules count in buckets of this much event time (the order they can tell). */
const SEQUENCE_BUCKET_MS = 60_000;

/** Facts per finding that take part in dedup (each is one claim on the dedup port). */
const MAX_FACTS = 8;

/**
 * Where a threshold rule's count stands after an event: it reached the threshold (`crossed`,
 * the finding), went past it (`above`, one more of the same burst), or is below it.
 */
type ThresholdLevel = 'crossed' | 'above' | 'below';

/** A state operation the engine's logic asks its driver to perform. */
type StateOp =
  | {
      op: 'add';
      key: string;
      windowStartMs: number;
      windowSeconds: number;
      member: string | undefined;
    }
  | { op: 'totals'; key: string; windowStartsMs: number[] }
  | { op: 'observe'; dimension: string; subject: string; value: string; at: number }
  | ({ op: 'claimEscalating'; ruleId: string } & EscalatingClaim)
  | { op: 'record'; tracked: Tracked; at: number; eventId: string };

/**
 * The operation with its keys in the record's account scope ({@link DetectionEngine}). A home
 * key keeps its form unless it starts as a member's scope does: keys are built from request
 * parameters, which a refused call carries as typed, so a home key reading `acct:<member>|…`
 * would be that member's key. Such a key goes under the home account's own scope instead.
 */
function scopeOp(op: StateOp, scope: string, home: string | undefined): StateOp {
  const scoped = (key: string): string =>
    scope !== '' ? `${scope}${key}` : key.startsWith('acct:') ? `acct:${home ?? ''}|${key}` : key;
  switch (op.op) {
    case 'add':
    case 'totals':
      return { ...op, key: scoped(op.key) };
    case 'observe':
      return { ...op, subject: scoped(op.subject) };
    case 'claimEscalating':
      return { ...op, key: scoped(op.key) };
    case 'record':
      return { ...op, tracked: { ...op.tracked, subject: scoped(op.tracked.subject) } };
  }
}

function performSync(state: SyncDetectionState, op: StateOp): unknown {
  switch (op.op) {
    case 'record':
      throw new Error('the engine records states itself');
    case 'add':
      return state.counters.addSync(op.key, op.windowStartMs, op.windowSeconds, op.member);
    case 'totals':
      return state.counters.totalsSync(op.key, op.windowStartsMs);
    case 'observe':
      return state.baselines.observeSync(op.dimension, op.subject, op.value, op.at);
    case 'claimEscalating':
      return claimEscalatingSync(op, (key) =>
        state.dedup.claimSync(op.ruleId, key, op.at, op.windowSeconds),
      );
  }
}

function push(map: Map<string, Rule[]>, key: string, rule: Rule): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [rule]);
  else if (!list.includes(rule)) list.push(rule);
}

function safeKey(rule: Rule, record: CloudTrailRecord): string {
  try {
    return rule.dedup.key(record);
  } catch {
    return record.eventID;
  }
}
