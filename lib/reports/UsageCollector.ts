import { attribute, identityOf, type CallerIdentity } from './callers.js';
import { ListedResources } from './listedResources.js';
import { DaySet } from './daySet.js';
import { timeKey } from './timeKey.js';
import { sourceMarker } from './observability.js';

/** At most this many distinct resources are remembered per principal and event. */
export const MAX_RESOURCES_PER_ACTION = 50;

/** One principal's use of one CloudTrail operation. */
export interface EventUsage {
  eventSource: string;
  eventName: string;
  count: number;
  /** Resource ARNs the calls touched (capped at {@link MAX_RESOURCES_PER_ACTION}). */
  resources: Set<string>;
  /** True when more resources were seen than kept (the recommendation must not narrow). */
  resourcesTruncated: boolean;
  /** True when some calls came without resource detail (aggregated sources). */
  resourcesUnknown: boolean;
  lastSeen?: string;
}

export interface PrincipalUsage {
  /** Best ARN known for the principal (role ARN for assumed-role sessions). */
  arn: string;
  type: 'role' | 'user' | 'root';
  /** By `eventSource|eventName`. */
  events: Map<string, EventUsage>;
}

/** A principal as the collector tracks it: its usage, and its events' numbers by operation. */
interface Tally {
  usage: PrincipalUsage;
  eventsByOperation: (number | undefined)[];
}

/** A CloudTrail operation the collector has seen, numbered in the order first seen. */
interface Operation {
  eventSource: string;
  eventName: string;
  /** `eventSource|eventName`, the key of every principal's event for it: one copy. */
  key: string;
  index: number;
}

/** An aggregated usage fact (CloudTrail Lake query results come this way). */
export interface UsageFact {
  identity: CallerIdentity;
  eventSource: string;
  eventName: string;
  count: number;
  resources?: string[];
  lastSeen?: string;
  /** `Data` when the fact counts data events (shows the trail logs that source's data events). */
  eventCategory?: string;
}

export interface UsageStats {
  eventsRead: number;
  eventsAttributed: number;
  /** Calls refused with an access-denied error: not usage of a grant. */
  eventsDenied: number;
  eventsOutsideWindow: number;
  /** Records a source left out: callers outside the principals the report covers. */
  eventsOutOfScope: number;
  /** Calls by AWS services, federated or web-identity users: not attributable to IAM. */
  eventsUnattributed: number;
  regions: Set<string>;
  /** Data-event resource types seen (and `source:<eventSource>` markers): what the trail logs. */
  dataEventsLogged: Set<string>;
}

const DENIED = /AccessDenied|UnauthorizedOperation|Unauthorized|Forbidden/i;

/** An ISO 8601 timestamp as CloudTrail writes it (`2026-11-25T09:05:00Z`). */
const EVENT_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

/**
 * Whether the records read can say anything about use: a record that is not CloudTrail, or
 * has no time, or falls outside the window, proves nothing. Usage is known only when some
 * record lies inside the window.
 */
export interface RecordQuality {
  /** CloudTrail records (or aggregated facts) whose eventTime lies inside the window. */
  inWindow: number;
  /** CloudTrail records without a readable eventTime: skipped. */
  withoutTime: number;
  /** Records without eventSource and eventName (not CloudTrail): skipped. */
  notCloudTrail: number;
}

/**
 * Accumulates who used what from CloudTrail records. Hot path of the report (a million
 * records in the benchmark): reads a few fields directly, no schema validation per record.
 */
export class UsageCollector {
  readonly principals = new Map<string, PrincipalUsage>();
  readonly stats: UsageStats = {
    eventsRead: 0,
    eventsAttributed: 0,
    eventsDenied: 0,
    eventsOutsideWindow: 0,
    eventsOutOfScope: 0,
    eventsUnattributed: 0,
    regions: new Set(),
    dataEventsLogged: new Set(),
  };

  readonly quality: RecordQuality = { inWindow: 0, withoutTime: 0, notCloudTrail: 0 };
  /**
   * The window's UTC days on which the trail had records (any record: refused, unattributed
   * or out of scope ones prove the trail was logging too). Whether usage is known depends on
   * them reaching the window's edges.
   */
  readonly days: DaySet;

  private readonly identityCache = new Map<string, Tally | undefined>();
  private readonly tallies = new Map<string, Tally>();
  /** Operations by eventName, then a short scan by source (names rarely repeat across services). */
  private readonly operations = new Map<string, Operation[]>();
  private operationCount = 0;
  /** Every principal's events, numbered in the order first seen. */
  private readonly events: EventUsage[] = [];
  /**
   * {@link timeKey} of each event's lastSeen, by event number (-Infinity: none yet). Most
   * records are older than their event's lastSeen; the key says so without reading that
   * string, kept from an old record and rarely in cache.
   */
  private lastSeenKeys = new Float64Array(1_024).fill(-Infinity);
  private readonly listed = new ListedResources();
  private lastRegion?: string;

  constructor(
    private readonly window: { from: string; to: string } = { from: '', to: '\uffff' },
    /** Sees every raw record too (the tool report's InvokeGateway data events, same pass). */
    private readonly onRecord?: (record: unknown) => void,
  ) {
    this.days = new DaySet(window);
  }

  /**
   * Counts a record a source left out (its caller is outside the report's principals), with
   * its eventTime when it has one (the day it proves the trail was logging).
   */
  skipOutOfScope(eventTime?: string): void {
    this.stats.eventsRead += 1;
    this.stats.eventsOutOfScope += 1;
    // The source read it inside the window: the trail covers the window, this caller aside.
    this.quality.inWindow += 1;
    if (eventTime !== undefined && EVENT_TIME.test(eventTime)) this.noteDay(eventTime, 1);
  }

  /**
   * `count` records on `day` (`YYYY-MM-DD`, UTC), as a source that aggregates where the data
   * is counts them per day: the days the trail covers, without a record in hand.
   */
  addDayCount(day: string, count: number): void {
    if (!(count > 0) || !/^\d{4}-\d\d-\d\d$/.test(day)) return;
    this.noteDay(day, count);
  }

  private noteDay(time: string, count: number): void {
    this.days.note(time, count);
  }

  /** Adds one CloudTrail record (as parsed from a log file or a LookupEvents event). */
  addRecord(record: unknown): void {
    this.onRecord?.(record);
    this.stats.eventsRead += 1;
    if (record === null || typeof record !== 'object') {
      this.quality.notCloudTrail += 1;
      return;
    }
    const r = record as Record<string, unknown>;
    const eventSource = r.eventSource;
    const eventName = r.eventName;
    if (typeof eventSource !== 'string' || typeof eventName !== 'string') {
      this.quality.notCloudTrail += 1;
      return;
    }
    const eventTime = r.eventTime;
    if (typeof eventTime !== 'string' || !EVENT_TIME.test(eventTime)) {
      this.quality.withoutTime += 1;
      return;
    }
    if (eventTime < this.window.from || eventTime > this.window.to) {
      this.stats.eventsOutsideWindow += 1;
      return;
    }
    this.quality.inWindow += 1;
    this.noteDay(eventTime, 1);
    const region = r.awsRegion;
    if (typeof region === 'string' && region !== this.lastRegion) {
      this.lastRegion = region;
      this.stats.regions.add(region);
    }
    // Even a refused data event proves the trail logs that kind of data event. One property
    // read per record (hot path): every record since eventVersion 1.08 has eventCategory.
    if (r.eventCategory === 'Data') this.noteDataEvent(r);
    if (typeof r.errorCode === 'string' && DENIED.test(r.errorCode)) {
      this.stats.eventsDenied += 1;
      return;
    }
    const tally = this.principalOfIdentity(r.userIdentity);
    if (tally === undefined) {
      this.stats.eventsUnattributed += 1;
      return;
    }
    this.stats.eventsAttributed += 1;
    const number = this.eventFor(tally, eventSource, eventName);
    const event = this.events[number] as EventUsage;
    event.count += 1;
    this.noteTime(event, number, eventTime);
    if (event.resourcesTruncated) return;
    const resources = r.resources;
    let listed = false;
    if (Array.isArray(resources)) {
      for (let i = 0; i < resources.length; i++) {
        const arn = (resources[i] as { ARN?: unknown } | null)?.ARN;
        if (typeof arn === 'string') {
          this.addResource(event, number, arn);
          listed = true;
        }
      }
    }
    // ARNs in the request only when CloudTrail listed no resources (they mostly repeat them).
    const params = r.requestParameters;
    if (!listed && params !== null && typeof params === 'object') {
      const values = params as Record<string, unknown>;
      for (const key in values) {
        const value = values[key];
        if (typeof value === 'string' && value.startsWith('arn:'))
          this.addResource(event, number, value);
      }
    }
  }

  private noteDataEvent(r: Record<string, unknown>): void {
    const logged = this.stats.dataEventsLogged;
    let typed = false;
    const resources = r.resources;
    if (Array.isArray(resources)) {
      for (let i = 0; i < resources.length; i++) {
        const type = (resources[i] as { type?: unknown } | null)?.type;
        if (typeof type === 'string') {
          logged.add(type);
          typed = true;
        }
      }
    }
    // Without a resource type only the source is known (some services, aggregated rows).
    if (!typed && typeof r.eventSource === 'string') logged.add(sourceMarker(r.eventSource));
  }

  /**
   * The principal of a record's `userIdentity`, memoised on the identity's ARNs: a trail
   * repeats the same few sessions millions of times, and attribution splits strings.
   */
  private principalOfIdentity(value: unknown): Tally | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    const u = value as Record<string, unknown>;
    const issuer = (u.sessionContext as { sessionIssuer?: { arn?: unknown } } | undefined)
      ?.sessionIssuer?.arn;
    // Role sessions (nearly every record) are keyed by the issuer ARN alone.
    const cacheKey =
      typeof issuer === 'string' && u.type === 'AssumedRole'
        ? issuer
        : `${String(u.type)}|${String(u.arn)}|${String(issuer)}`;
    const cached = this.identityCache.get(cacheKey);
    if (cached !== undefined || this.identityCache.has(cacheKey)) return cached;
    const tally = this.principalFor(identityOf(value));
    if (this.identityCache.size < 100_000) this.identityCache.set(cacheKey, tally);
    return tally;
  }

  /** Adds an aggregated fact (no per-record detail). */
  addFact(fact: UsageFact): void {
    this.stats.eventsRead += fact.count;
    // Aggregating sources query the window itself.
    this.quality.inWindow += fact.count;
    if (fact.eventCategory === 'Data')
      this.stats.dataEventsLogged.add(sourceMarker(fact.eventSource));
    const tally = this.principalFor(fact.identity);
    if (tally === undefined) {
      this.stats.eventsUnattributed += fact.count;
      return;
    }
    this.stats.eventsAttributed += fact.count;
    const number = this.eventFor(tally, fact.eventSource, fact.eventName);
    const event = this.events[number] as EventUsage;
    event.count += fact.count;
    if (fact.resources === undefined) event.resourcesUnknown = true;
    else for (const arn of fact.resources) this.addResource(event, number, arn);
    if (fact.lastSeen !== undefined) this.noteTime(event, number, fact.lastSeen);
  }

  private principalFor(identity: CallerIdentity): Tally | undefined {
    const attributed = attribute(identity);
    if (attributed === undefined) return undefined;
    let tally = this.tallies.get(attributed.key);
    if (tally === undefined) {
      const usage = { arn: attributed.arn, type: attributed.type, events: new Map() };
      tally = { usage, eventsByOperation: [] };
      this.tallies.set(attributed.key, tally);
      this.principals.set(attributed.key, usage);
    }
    return tally;
  }

  /** The number of the principal's event for this operation, created on first sight. */
  private eventFor(tally: Tally, eventSource: string, eventName: string): number {
    // The operation is found in one small table shared by every principal (a trail holds a
    // few hundred operations), then the principal's event by index: no key string built,
    // and no per-principal map to look in.
    const operation = this.operationOf(eventSource, eventName);
    const known = tally.eventsByOperation[operation.index];
    if (known !== undefined) return known;
    // The operation's strings, not the record's: one copy for every principal.
    const event: EventUsage = {
      eventSource: operation.eventSource,
      eventName: operation.eventName,
      count: 0,
      resources: new Set(),
      resourcesTruncated: false,
      resourcesUnknown: false,
    };
    const number = this.events.push(event) - 1;
    if (number >= this.lastSeenKeys.length) {
      const keys = new Float64Array(this.lastSeenKeys.length * 2).fill(-Infinity);
      keys.set(this.lastSeenKeys);
      this.lastSeenKeys = keys;
    }
    tally.eventsByOperation[operation.index] = number;
    tally.usage.events.set(operation.key, event);
    return number;
  }

  private operationOf(eventSource: string, eventName: string): Operation {
    let candidates = this.operations.get(eventName);
    if (candidates === undefined) {
      candidates = [];
      this.operations.set(eventName, candidates);
    }
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i] as Operation;
      if (candidate.eventSource === eventSource) return candidate;
    }
    const operation = {
      eventSource,
      eventName,
      key: `${eventSource}|${eventName}`,
      index: this.operationCount++,
    };
    candidates.push(operation);
    return operation;
  }

  /** Keeps `time` as the event's lastSeen when it is later (as ISO strings compare). */
  private noteTime(event: EventUsage, number: number, time: string): void {
    const key = timeKey(time);
    const last = this.lastSeenKeys[number] as number;
    // Comparisons with NaN are false: an unreadable key falls through to the strings.
    if (key < last) return;
    if (key > last || event.lastSeen === undefined || time > event.lastSeen) {
      event.lastSeen = time;
      this.lastSeenKeys[number] = key;
    }
  }

  private addResource(event: EventUsage, number: number, arn: string): void {
    // Once truncated the list is not used to narrow anything: stop paying for lookups.
    if (event.resourcesTruncated) return;
    if (!this.listed.add(number, event.resources, arn, MAX_RESOURCES_PER_ACTION))
      event.resourcesTruncated = true;
  }
}
