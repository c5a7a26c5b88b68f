import type { CloudTrailRecord } from './record.js';

export const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Compares severities: negative when a < b. */
export function compareSeverity(a: Severity, b: Severity): number {
  return severities.indexOf(a) - severities.indexOf(b);
}

/** One severity step higher (critical stays critical). */
export function raise(severity: Severity): Severity {
  return severities[Math.min(severities.indexOf(severity) + 1, severities.length - 1)] ?? severity;
}

/** Facts about the deployment the rules need (who the rotator and gateway roles are, …). */
export interface DetectionContext {
  /** Role or user ARNs (`*` allowed) of gatewarden's rotators; never names. */
  rotatorPrincipals: string[];
  /** ARNs or name patterns of gateway execution roles. */
  gatewayRolePrincipals: string[];
  /** Accounts considered internal (the account itself, the organisation's accounts). */
  trustedAccounts: string[];
  /**
   * OIDC issuers (discovery URL prefixes or hosts) gateways may trust; a discovery URL moved
   * elsewhere is "another issuer". Optional: without it, any change of host counts.
   */
  trustedIssuers?: string[];
  /** Deploy automation principals (ARNs or name patterns): their changes are planned. */
  automationPrincipals?: string[];
  /** Role or user ARN patterns allowed to read the token vault besides gateway roles. */
  tokenVaultReaders?: string[];
  /** Role or user ARN patterns allowed to read gateway secrets besides gateway roles, AgentCore. */
  secretReaders?: string[];
  /**
   * Gateway execution roles learned from the stream (roles trusted by
   * `bedrock-agentcore.amazonaws.com`, roleArn of a created/updated gateway). The engine
   * fills it; rules read it. Role names, not ARNs.
   */
  learnedGatewayRoles?: Set<string>;
  /**
   * What the record being evaluated changed, against the last known state of each resource it
   * touches (engine-filled before rules with `lastState`; see stateTrackers.ts).
   */
  stateChanges?: StateChanges;
  /**
   * The trail delivery gatewarden reads (configured or from its deployment): a trail update
   * moving logs to another bucket or prefix is judged against it when no earlier one is known.
   */
  expectedTrail?: { bucket: string; prefix: string };
  /** Days a principal is observed before baseline rules with `learning` alert (default 7). */
  learningDays?: number;
}

/** A resource a record touched: its last known state before the record and after it. */
export interface StateChange {
  kind: string;
  subject: string;
  /** Parsed state before the record: undefined when not known, null when deleted or absent. */
  previous: unknown;
  /** Parsed state after the record: undefined when the record does not show it, null deleted. */
  current: unknown;
}

/** The state changes of one record (rules only trust their own record's). */
export interface StateChanges {
  eventId: string;
  changes: StateChange[];
}

/** Rate limits a record removed or weakened, against what the engine had learned. */
export interface RateLimitChange {
  /** eventID of the record that made the change (rules only trust their own record's). */
  eventId: string;
  /** Limits known before and missing from the (resulting) set of a batch put. */
  removed: string[];
  weakened: { limitId: string; entry: string; what: string; unblocked?: boolean }[];
  /** BatchPut: read from the response's resulting set, or from the request only. */
  basis?: 'response' | 'request';
}

/** What a rule returns when it matches one record. */
export interface RuleMatch {
  /** Overrides the rule's default severity (e.g. higher when auth is weakened). */
  severity?: Severity;
  /** One sentence saying what happened, without secret values. */
  summary: string;
  /** Resource (ARN or id) the finding is about. */
  resource?: string;
  /** Extra facts for the alert, identifiers only. */
  details?: Record<string, string | number | boolean>;
  /**
   * Facts that make a finding news even inside its dedup window: an external principal, an
   * authorizer value, an endpoint (`principal=123456789012`, `authorizer=NONE`). The resource
   * counts as a fact on its own. Identifiers only, never secret values.
   */
  facts?: string[];
  /**
   * For baseline rules: the match stands on its own, whatever the baseline says (e.g. a
   * discovery URL outside the configured trusted issuers).
   */
  certain?: boolean;
  /**
   * For baseline rules: changes that apply when the baseline also finds the value new (a
   * certain match escalates on a first time instead of raising a second finding).
   */
  whenNew?: { severity?: Severity; summary?: string; facts?: string[] };
  /** For baseline rules: record the values in the baseline, report nothing. */
  observeOnly?: boolean;
}

/** A detection rule: metadata beside its evaluation, one rule per file. */
export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  mitre: { tactic: string; technique: string };
  description: string;
  runbook: string;
  /** Records with the same rule and dedup key alert once per window. */
  dedup: { key: (record: CloudTrailRecord) => string; windowSeconds: number };
  /**
   * Bursts: findings of this rule by one principal within `windowSeconds` become one alert
   * carrying a count and the first few resources. Omitted: on for low and medium findings
   * (300 s); `allSeverities` groups high and critical too; `false` turns it off. A finding
   * more severe than the group's, or naming a new fact, still alerts on its own.
   */
  group?: false | { windowSeconds?: number; allSeverities?: boolean };
  evaluate(record: CloudTrailRecord, context: DetectionContext): RuleMatch | undefined;
  /**
   * Which records can match (for the engine's index). Omitted: the rule sees every record,
   * so its evaluate must reject cheaply.
   */
  events?: { sources: readonly string[]; names?: readonly string[] };
  /**
   * Field-level change rules: evaluated after the engine has compared the record with the last
   * known state of the resources it touches (`context.stateChanges`).
   */
  lastState?: true;
  /**
   * The record fields the rule's evaluation reads beyond who called and when
   * (`requestParameters.…`, `responseElements.…`, `additionalEventData.…`, `errorCode`,
   * `resources`), for the rule table. A unit test runs each rule on its positive fixtures and
   * checks every declared field is read and every field read is declared.
   */
  reads?: readonly string[];
  /**
   * Stateful rules: a match only counts toward a windowed counter; the finding is raised when
   * the count (or the number of distinct `member`s) reaches `threshold` within the window.
   * The counter lives behind the {@link WindowCounter} port so the engine stays pure.
   */
  threshold?: {
    key: (record: CloudTrailRecord) => string;
    member?: (record: CloudTrailRecord) => string;
    /**
     * Several distinct members per record (the findings one call closed), each counted once
     * however many records name it. Fixed thresholds only; takes the place of `member`.
     */
    members?: (record: CloudTrailRecord) => readonly string[];
    threshold: number;
    windowSeconds: number;
    /**
     * Fixed thresholds only: the series a record counts in, instead of `key`/`member` alone,
     * each crossing at `threshold × factor` (default 1). The match crosses when any series
     * does: a burst per session and a wider one per role, or a service's reads on a
     * principal's behalf apart from (and above) its own.
     */
    series?: (record: CloudTrailRecord) => ThresholdSeries[];
    /**
     * Spike detection instead of a fixed count: raise when the window's count reaches
     * `threshold` and is at least `factor` × the mean of the `trailingWindows` before it
     * (which must show some activity: a principal without history has nothing to spike from).
     */
    spike?: { trailingWindows: number; factor: number };
  };
  /**
   * Sequences ("a success right after failures"): a match for which `trigger` holds stands
   * only when at least `threshold` other matches were counted under one of its `keys` within
   * `windowSeconds` before it (event time, to the minute); the other matches only count.
   * Counters hold distinct `member`s, so a duplicated record counts once, and a match delivered
   * out of order still counts at its own time. `threshold` and `windowSeconds` can be
   * overridden per rule like a threshold rule's.
   */
  sequence?: {
    keys: (record: CloudTrailRecord) => string[];
    member: (record: CloudTrailRecord) => string;
    trigger: (record: CloudTrailRecord) => boolean;
    threshold: number;
    windowSeconds: number;
  };
  /**
   * Baseline rules: a match stands only when one of `values` is new for a `subject` already
   * seen earlier in this `dimension` (a gateway's issuer, a principal's source IP, …). With
   * `learning`, the subject must also have been observed for the learning period first.
   */
  baseline?: {
    dimension: string;
    subject: (record: CloudTrailRecord) => string | undefined;
    values: (record: CloudTrailRecord) => string[];
    learning?: boolean;
  };
}

/** One counter a threshold rule's match counts in (see `Rule.threshold.series`). */
export interface ThresholdSeries {
  key: string;
  /** Distinct members counted instead of events. */
  member?: string;
  /** The series crosses at the rule's threshold times this (default 1). */
  factor?: number;
}

/** Ports re-exported for rule authors (defined in ports.ts). */
export type { WindowCounter } from './ports.js';

/**
 * A finding: the stable, documented shape published on the gatewarden bus
 * (source `gatewarden`, detail-type `Gateway Finding`) and rendered for people.
 */
export interface Finding {
  schemaVersion: 1;
  findingId: string;
  ruleId: string;
  title: string;
  severity: Severity;
  tactic: string;
  technique: string;
  summary: string;
  runbook: string;
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  awsRegion?: string;
  accountId?: string;
  /** The account's name (Organizations), display only: set for an organization's members. */
  accountName?: string;
  principal: string;
  principalType?: string;
  sourceIp?: string;
  userAgent?: string;
  resource?: string;
  details?: Record<string, string | number | boolean>;
  /**
   * A burst folded into this finding (same rule, same principal, within the group window):
   * how many findings, the first few resources, the last event's time. Replay fills it when
   * the window closes; the live function alerts on the first finding at once and, once the
   * window has closed, sends a burst summary carrying the final count and `firstFindingId`
   * (the id of that first alert).
   */
  group?: {
    count: number;
    resources: string[];
    lastEventTime: string;
    windowSeconds: number;
    firstFindingId?: string;
  };
  dryRun?: boolean;
}
