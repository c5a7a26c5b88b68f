import { createHash } from 'node:crypto';
import type { DetectionConfig } from './config.js';
import { contextFromConfig, parseDetectionConfig } from './config.js';
import type { DetectionState } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import { allRules } from './registry.js';
import {
  callerMatches,
  isGatewayRoleName,
  matchesPattern,
  param,
  principalOf,
  str,
  timeOf,
  trustsAgentCore,
} from './rules/support.js';
import type { DetectionContext, Finding, Rule, RuleMatch } from './types.js';

const DAY_MS = 86_400_000;
const LEARNED_CAP = 10_000;

/** What one record produced. */
export interface EngineResult {
  /** Findings to alert on (dry-run ones carry `dryRun: true`: count them, do not alert). */
  findings: Finding[];
  /** Findings dropped by a suppression. */
  suppressed: number;
  /** Findings dropped as duplicates within their rule's dedup window. */
  deduplicated: number;
  /** Which rules' findings were dropped, and why (for per-rule summaries). */
  dropped: { ruleId: string; reason: 'suppressed' | 'duplicate' }[];
  /** Rules that threw on this record (the record is still evaluated by every other rule). */
  ruleErrors: { ruleId: string; message: string }[];
}

export interface EngineOptions {
  config?: DetectionConfig;
  state: DetectionState;
  rules?: readonly Rule[];
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

  constructor(options: EngineOptions) {
    this.config = options.config ?? parseDetectionConfig({});
    this.context = contextFromConfig(this.config);
    this.context.learnedGatewayPolicies = new Set();
    this.context.learnedTrailBuckets = new Set();
    this.context.learningDays = this.config.baseline.learningDays;
    this.state = options.state;
    const disabled = new Set(this.config.disabledRules);
    this.rules = (options.rules ?? allRules).filter((rule) => !disabled.has(rule.id));
    this.dryRun = new Set(this.config.dryRunRules);
    for (const rule of this.rules) this.index(rule);
  }

  /** Rules that may match a record (the index lookup), in registry order per bucket. */
  candidates(record: CloudTrailRecord): Rule[] {
    const named = this.bySourceName.get(`${record.eventSource} ${record.eventName}`);
    const sourced = this.bySource.get(record.eventSource);
    if (named === undefined && sourced === undefined) return this.everywhere;
    return [...(named ?? []), ...(sourced ?? []), ...this.everywhere];
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
    const result: EngineResult = {
      findings: [],
      suppressed: 0,
      deduplicated: 0,
      dropped: [],
      ruleErrors: [],
    };
    learnFromRecord(record, this.context);
    for (const rule of this.candidates(record)) {
      let match: RuleMatch | undefined;
      try {
        match = rule.evaluate(record, this.context);
        if (match === undefined) continue;
        if (rule.threshold !== undefined && !(await this.crossesThreshold(rule, record))) continue;
        if (rule.baseline !== undefined && !(await this.outsideBaseline(rule, record, match))) {
          continue;
        }
      } catch (error) {
        result.ruleErrors.push({
          ruleId: rule.id,
          message: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (options.learnOnly) continue;
      const finding = this.toFinding(rule, record, match);
      if (this.isSuppressed(finding, record)) {
        result.suppressed++;
        result.dropped.push({ ruleId: rule.id, reason: 'suppressed' });
        continue;
      }
      const key = safeKey(rule, record);
      if (!(await this.state.dedup.claim(rule.id, key, timeOf(record), rule.dedup.windowSeconds))) {
        result.deduplicated++;
        result.dropped.push({ ruleId: rule.id, reason: 'duplicate' });
        continue;
      }
      result.findings.push(finding);
    }
    return result;
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
    const base = rule.threshold ?? { threshold: 1, windowSeconds: 600 };
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
  private async crossesThreshold(rule: Rule, record: CloudTrailRecord): Promise<boolean> {
    const spec = rule.threshold;
    if (spec === undefined) return true;
    const { threshold, windowSeconds } = this.thresholdOf(rule);
    const at = timeOf(record);
    const windowMs = windowSeconds * 1000;
    const key = `${rule.id}|${spec.key(record)}`;
    const member = spec.member?.(record);
    if (spec.spike !== undefined) {
      const start = at - (at % windowMs);
      const count = await this.state.counters.add(key, start, windowSeconds, member);
      if (count < threshold || (count - threshold) % threshold !== 0) return false;
      const trailing = Array.from(
        { length: spec.spike.trailingWindows },
        (_, i) => start - (i + 1) * windowMs,
      );
      const totals = await this.state.counters.totals(key, trailing);
      const mean = totals.reduce((a, b) => a + b, 0) / Math.max(1, totals.length);
      return count >= spec.spike.factor * Math.max(mean, 1);
    }
    const half = windowMs / 2;
    const startA = at - (at % windowMs);
    const startB = at - ((at + half) % windowMs);
    const countA = await this.state.counters.add(`${key}|a`, startA, windowSeconds, member);
    const countB = await this.state.counters.add(`${key}|b`, startB, windowSeconds, member);
    return countA === threshold || countB === threshold;
  }

  /** Baseline rules: observe every value; stand when a value is new for a known subject. */
  private async outsideBaseline(
    rule: Rule,
    record: CloudTrailRecord,
    match: RuleMatch,
  ): Promise<boolean> {
    const spec = rule.baseline;
    if (spec === undefined) return true;
    const subject = spec.subject(record);
    const values = spec.values(record);
    if (subject === undefined || values.length === 0) return match.certain === true;
    const at = timeOf(record);
    let novel = false;
    for (const value of values) {
      const seen = await this.state.baselines.observe(spec.dimension, subject, value, at);
      const subjectKnown = seen.subjectFirstSeenMs < at;
      const learned =
        !spec.learning || at - seen.subjectFirstSeenMs >= (this.context.learningDays ?? 7) * DAY_MS;
      if (!seen.known && subjectKnown && learned) novel = true;
    }
    return novel || match.certain === true;
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
  private isSuppressed(finding: Finding, record: CloudTrailRecord): boolean {
    const at = timeOf(record);
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

function addCapped(set: Set<string> | undefined, value: string): void {
  if (set !== undefined && set.size < LEARNED_CAP) set.add(value);
}

/**
 * Learns deployment facts from the stream: roles trusted by AgentCore or used by a gateway
 * are gateway roles; policies attached to them are gateway policies; a trail's delivery bucket
 * is the trail bucket. Failed calls teach nothing.
 */
export function learnFromRecord(record: CloudTrailRecord, context: DetectionContext): void {
  if (record.errorCode !== undefined) return;
  switch (record.eventName) {
    case 'CreateRole':
    case 'UpdateAssumeRolePolicy': {
      const role = str(param(record, 'roleName'));
      const document = param(record, 'assumeRolePolicyDocument') ?? param(record, 'policyDocument');
      if (role !== undefined && trustsAgentCore(document)) {
        addCapped(context.learnedGatewayRoles, role);
      }
      return;
    }
    case 'CreateGateway':
    case 'UpdateGateway': {
      const roleArn = str(param(record, 'roleArn'));
      const name = roleArn?.split('/').pop();
      if (name !== undefined && roleArn?.includes(':role/')) {
        addCapped(context.learnedGatewayRoles, name);
      }
      return;
    }
    case 'AttachRolePolicy': {
      const role = str(param(record, 'roleName'));
      const policyArn = str(param(record, 'policyArn'));
      if (role !== undefined && policyArn !== undefined && isGatewayRoleName(role, context)) {
        addCapped(context.learnedGatewayPolicies, policyArn);
      }
      return;
    }
    case 'CreateTrail':
    case 'UpdateTrail': {
      const bucket = str(param(record, 's3BucketName'));
      if (bucket !== undefined) addCapped(context.learnedTrailBuckets, bucket);
      return;
    }
    default:
      return;
  }
}
