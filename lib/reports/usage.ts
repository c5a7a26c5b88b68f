import { principalKey } from './iamModel.js';

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
  events: Map<string, EventUsage>;
}

/** Who performed a call, as CloudTrail's `userIdentity` says. */
export interface CallerIdentity {
  type?: string;
  arn?: string;
  accountId?: string;
  /** Session issuer ARN for assumed-role sessions: the role. */
  issuerArn?: string;
}

/** An aggregated usage fact (CloudTrail Lake query results come this way). */
export interface UsageFact {
  identity: CallerIdentity;
  eventSource: string;
  eventName: string;
  count: number;
  resources?: string[];
  lastSeen?: string;
}

export interface UsageStats {
  eventsRead: number;
  eventsAttributed: number;
  /** Calls refused with an access-denied error: not usage of a grant. */
  eventsDenied: number;
  eventsOutsideWindow: number;
  /** Calls by AWS services, federated or web-identity users: not attributable to IAM. */
  eventsUnattributed: number;
  regions: Set<string>;
}

const DENIED = /AccessDenied|UnauthorizedOperation|Unauthorized|Forbidden/i;

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
    eventsUnattributed: 0,
    regions: new Set(),
  };

  constructor(private readonly window: { from: string; to: string } = { from: '', to: '\uffff' }) {}

  /** Adds one CloudTrail record (as parsed from a log file or a LookupEvents event). */
  addRecord(record: unknown): void {
    this.stats.eventsRead += 1;
    if (record === null || typeof record !== 'object') return;
    const r = record as Record<string, unknown>;
    const eventTime = typeof r.eventTime === 'string' ? r.eventTime : '';
    if (eventTime < this.window.from || eventTime > this.window.to) {
      this.stats.eventsOutsideWindow += 1;
      return;
    }
    if (typeof r.awsRegion === 'string') this.stats.regions.add(r.awsRegion);
    if (typeof r.errorCode === 'string' && DENIED.test(r.errorCode)) {
      this.stats.eventsDenied += 1;
      return;
    }
    const eventSource = r.eventSource;
    const eventName = r.eventName;
    if (typeof eventSource !== 'string' || typeof eventName !== 'string') return;
    const usage = this.principalFor(identityOf(r.userIdentity));
    if (usage === undefined) {
      this.stats.eventsUnattributed += 1;
      return;
    }
    this.stats.eventsAttributed += 1;
    const event = this.eventFor(usage, eventSource, eventName);
    event.count += 1;
    if (eventTime !== '' && (event.lastSeen === undefined || eventTime > event.lastSeen)) {
      event.lastSeen = eventTime;
    }
    const resources = r.resources;
    if (Array.isArray(resources)) {
      for (const resource of resources) {
        const arn = (resource as { ARN?: unknown } | null)?.ARN;
        if (typeof arn === 'string') addResource(event, arn);
      }
    }
    const params = r.requestParameters;
    if (params !== null && typeof params === 'object') {
      for (const value of Object.values(params as Record<string, unknown>)) {
        if (typeof value === 'string' && value.startsWith('arn:')) addResource(event, value);
      }
    }
  }

  /** Adds an aggregated fact (no per-record detail). */
  addFact(fact: UsageFact): void {
    this.stats.eventsRead += fact.count;
    const usage = this.principalFor(fact.identity);
    if (usage === undefined) {
      this.stats.eventsUnattributed += fact.count;
      return;
    }
    this.stats.eventsAttributed += fact.count;
    const event = this.eventFor(usage, fact.eventSource, fact.eventName);
    event.count += fact.count;
    if (fact.resources === undefined) event.resourcesUnknown = true;
    else fact.resources.forEach((arn) => addResource(event, arn));
    if (
      fact.lastSeen !== undefined &&
      (event.lastSeen === undefined || fact.lastSeen > event.lastSeen)
    ) {
      event.lastSeen = fact.lastSeen;
    }
  }

  private principalFor(identity: CallerIdentity): PrincipalUsage | undefined {
    const attributed = attribute(identity);
    if (attributed === undefined) return undefined;
    let usage = this.principals.get(attributed.key);
    if (usage === undefined) {
      usage = { arn: attributed.arn, type: attributed.type, events: new Map() };
      this.principals.set(attributed.key, usage);
    }
    return usage;
  }

  private eventFor(usage: PrincipalUsage, eventSource: string, eventName: string): EventUsage {
    const key = `${eventSource}|${eventName}`;
    let event = usage.events.get(key);
    if (event === undefined) {
      event = {
        eventSource,
        eventName,
        count: 0,
        resources: new Set(),
        resourcesTruncated: false,
        resourcesUnknown: false,
      };
      usage.events.set(key, event);
    }
    return event;
  }
}

function addResource(event: EventUsage, arn: string): void {
  if (event.resources.has(arn)) return;
  if (event.resources.size >= MAX_RESOURCES_PER_ACTION) event.resourcesTruncated = true;
  else event.resources.add(arn);
}

function identityOf(value: unknown): CallerIdentity {
  if (value === null || typeof value !== 'object') return {};
  const u = value as Record<string, unknown>;
  const issuer = (u.sessionContext as { sessionIssuer?: { arn?: unknown } } | undefined)
    ?.sessionIssuer?.arn;
  const identity: CallerIdentity = {};
  if (typeof u.type === 'string') identity.type = u.type;
  if (typeof u.arn === 'string') identity.arn = u.arn;
  if (typeof u.accountId === 'string') identity.accountId = u.accountId;
  if (typeof issuer === 'string') identity.issuerArn = issuer;
  return identity;
}

/**
 * Attributes a caller to an IAM principal: an assumed-role session to its role (by the
 * session issuer, else by the role name in the session ARN), a user or root to itself.
 */
export function attribute(
  identity: CallerIdentity,
): { key: string; arn: string; type: 'role' | 'user' | 'root' } | undefined {
  const arn = identity.arn;
  if (identity.type === 'AssumedRole' || arn?.includes(':assumed-role/')) {
    const issuer = identity.issuerArn;
    if (issuer !== undefined && issuer.includes(':role/')) {
      const account = issuer.split(':')[4] ?? '';
      const name = issuer.split('/').pop() ?? '';
      return { key: principalKey(account, 'role', name), arn: issuer, type: 'role' };
    }
    const match =
      arn === undefined ? null : /^arn:[^:]+:sts::(\d+):assumed-role\/([^/]+)\//.exec(arn);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      const partition = arn?.split(':')[1] ?? 'aws';
      return {
        key: principalKey(match[1], 'role', match[2]),
        arn: `arn:${partition}:iam::${match[1]}:role/${match[2]}`,
        type: 'role',
      };
    }
    return undefined;
  }
  if ((identity.type === 'IAMUser' || arn?.includes(':user/')) && arn !== undefined) {
    const account = arn.split(':')[4] ?? identity.accountId ?? '';
    return { key: principalKey(account, 'user', arn.split('/').pop() ?? ''), arn, type: 'user' };
  }
  if (identity.type === 'Root' && arn !== undefined) {
    const account = arn.split(':')[4] ?? identity.accountId ?? '';
    return { key: principalKey(account, 'root', 'root'), arn, type: 'root' };
  }
  return undefined;
}

/** The time window of a report. */
export interface ActivityWindow {
  from: Date;
  to: Date;
}

/** Progress of a scan, for a progress bar. */
export interface ScanProgress {
  done: number;
  total?: number;
  unit: 'files' | 'pages' | 'rows';
}

/** A problem with one input (a file that is not CloudTrail JSON, …): reported, not fatal. */
export interface ScanIssue {
  input: string;
  reason: string;
}

/**
 * Where usage comes from: CloudTrail LookupEvents, log files in S3, CloudTrail Lake, or a
 * local directory. Each feeds the collector every record of the window it can see.
 */
export interface ActivitySource {
  readonly kind: 'lookup-events' | 's3' | 'lake' | 'directory' | 'memory';
  /** Human-readable origin (bucket/prefix, directory, event data store) without secrets. */
  readonly description: string;
  collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }>;
}

/** Activity held in memory (unit tests, replaying captured records). */
export class MemoryActivitySource implements ActivitySource {
  readonly kind = 'memory';
  readonly description = 'in-memory records';
  constructor(private readonly records: readonly unknown[]) {}
  async collect(
    _window: ActivityWindow,
    collector: UsageCollector,
  ): Promise<{ issues: ScanIssue[] }> {
    for (const record of this.records) collector.addRecord(record);
    return { issues: [] };
  }
}
