/**
 * Delivery evidence: when the central detect last received an event from each member account
 * and region, and when the last heartbeat. A forwarding rule can exist, be enabled and aim at
 * the central bus while nothing arrives (the bus policy changed, the forwarder role's trust or
 * policy broken, a throttled target): `doctor --org` reads these times to tell delivery works.
 *
 * The heartbeat is a scheduled rule in every member region (`gatewarden-<stage>-org-heartbeat`,
 * resources/member-stackset.yml) whose target is the central bus itself: AWS documents an
 * event bus in another account or Region as a rule target (PutTargets), with the target's
 * RoleArn when the receiving bus admits the organization. Its event is `source: aws.events`,
 * `detail-type: Scheduled Event`, `resources: [<the rule's ARN>]`; PutEvents refuses an `aws.`
 * source to any caller, so only EventBridge puts one.
 *
 * Who the event comes from is the EventBridge envelope's `account` and `region` (set by AWS,
 * kept when a member's rule forwards it), never anything in its body. A heartbeat counts for an
 * account only when its rule ARN is that account's own heartbeat rule in that region: a member
 * that schedules a rule of its own cannot make it name another account's rule (AWS writes
 * `resources`), and an event naming another account's rule counts for nobody.
 */

/** What a heartbeat's rule is called in every member region (under the SCP's `org-*`). */
export const HEARTBEAT_RULE_NAME = 'gatewarden-${Stage}-org-heartbeat';

/** The heartbeat's schedule: the member template's `rate(...)` and the doctor's expectation. */
export const HEARTBEAT_PERIOD_MINUTES = 10;

/** The member template's ScheduleExpression for the heartbeat rule. */
export const HEARTBEAT_SCHEDULE = `rate(${HEARTBEAT_PERIOD_MINUTES} minutes)`;

export const SCHEDULED_EVENT_SOURCE = 'aws.events';
export const SCHEDULED_EVENT_DETAIL_TYPE = 'Scheduled Event';

/** What a delivered event is evidence of. */
export type DeliveryKind = 'event' | 'heartbeat';

/** One account and region's delivery times (epoch ms of the events' `time`). */
export interface DeliveryEntry {
  account: string;
  region: string;
  lastEventMs?: number;
  lastHeartbeatMs?: number;
}

/**
 * Where delivery times are kept (the detection state table when deployed). `record` keeps the
 * later time only: an older or equal time is a no-op, whatever order events arrive in.
 */
export interface DeliveryStore {
  record(account: string, region: string, kind: DeliveryKind, atMs: number): Promise<void>;
  /** Every region's entry of one account. */
  entries(account: string): Promise<DeliveryEntry[]>;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The envelope fields AWS sets (unknown fields ignored; nothing else is trusted). */
export interface DeliveryEnvelope {
  source: string;
  'detail-type': string;
  account?: string;
  region?: string;
  time?: string;
  resources?: unknown;
}

/** True for an EventBridge scheduled-rule event (a heartbeat or someone's other schedule). */
export function isScheduledEvent(envelope: { source?: unknown; 'detail-type'?: unknown }): boolean {
  return (
    envelope.source === SCHEDULED_EVENT_SOURCE &&
    envelope['detail-type'] === SCHEDULED_EVENT_DETAIL_TYPE
  );
}

/** The heartbeat rule's ARN in one account and region. */
export function heartbeatRuleArn(
  stage: string,
  account: string,
  region: string,
  partition = 'aws',
): string {
  return `arn:${partition}:events:${region}:${account}:rule/${HEARTBEAT_RULE_NAME.replace('${Stage}', stage)}`;
}

/**
 * The account and region a scheduled event is the heartbeat of, or undefined when it is not one
 * of this stage's heartbeats: wrong source or detail-type, no valid envelope account or region,
 * or no `resources` entry that is the heartbeat rule of exactly that account and region.
 */
export function heartbeatOf(
  envelope: DeliveryEnvelope,
  stage: string,
): { account: string; region: string } | undefined {
  if (!isScheduledEvent(envelope)) return undefined;
  const { account, region, resources } = envelope;
  if (account === undefined || !ACCOUNT.test(account)) return undefined;
  if (region === undefined || !REGION.test(region)) return undefined;
  if (!Array.isArray(resources)) return undefined;
  const own = new RegExp(
    `^arn:aws[a-z-]*:events:${region}:${account}:rule/${escape(HEARTBEAT_RULE_NAME.replace('${Stage}', stage))}$`,
  );
  return resources.some((r) => typeof r === 'string' && own.test(r))
    ? { account, region }
    : undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The account and region an event was delivered from (envelope only), when both are valid. */
export function deliveredFrom(
  envelope: Pick<DeliveryEnvelope, 'account' | 'region'>,
): { account: string; region: string } | undefined {
  const { account, region } = envelope;
  if (account === undefined || !ACCOUNT.test(account)) return undefined;
  if (region === undefined || !REGION.test(region)) return undefined;
  return { account, region };
}

export interface DeliveryTrackerOptions {
  /** Events within one bucket of an account-region cost one write (default 5 minutes). */
  bucketMs?: number;
  now?: () => number;
}

/**
 * Detect's side: at most one store write per account, region, kind and time bucket while the
 * Lambda stays warm (a storm of one member's events is one write every few minutes), and never
 * a time later than detect's own clock (a skewed `time` would otherwise hold the entry in the
 * future and hide a delivery that stopped).
 */
export class DeliveryTracker {
  private readonly bucketMs: number;
  private readonly now: () => number;
  /** Highest bucket written per account-region-kind. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: DeliveryStore,
    options: DeliveryTrackerOptions = {},
  ) {
    this.bucketMs = options.bucketMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** Records a delivery at `eventTime` (the envelope's `time`); unreadable times are skipped. */
  async note(
    from: { account: string; region: string },
    kind: DeliveryKind,
    eventTime: string | undefined,
  ): Promise<boolean> {
    const parsed = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
    if (!Number.isFinite(parsed)) return false;
    const atMs = Math.min(parsed, this.now());
    const key = `${from.account}\u0000${from.region}\u0000${kind}`;
    const bucket = Math.floor(atMs / this.bucketMs);
    const done = this.written.get(key);
    if (done !== undefined && bucket <= done) return false;
    await this.store.record(from.account, from.region, kind, atMs);
    if (this.written.size > 10_000) this.written.clear();
    this.written.set(key, bucket);
    return true;
  }
}

/** In-memory store: unit tests and the local wiring. */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly writes: { account: string; region: string; kind: DeliveryKind; atMs: number }[] = [];
  private readonly byKey = new Map<string, DeliveryEntry>();

  async record(account: string, region: string, kind: DeliveryKind, atMs: number): Promise<void> {
    this.writes.push({ account, region, kind, atMs });
    const key = `${account}\u0000${region}`;
    const entry = this.byKey.get(key) ?? { account, region };
    const field = kind === 'heartbeat' ? 'lastHeartbeatMs' : 'lastEventMs';
    const old = entry[field];
    if (old === undefined || old < atMs) entry[field] = atMs;
    this.byKey.set(key, entry);
  }

  async entries(account: string): Promise<DeliveryEntry[]> {
    return [...this.byKey.values()]
      .filter((e) => e.account === account)
      .map((e) => ({ ...e }))
      .sort((a, b) => a.region.localeCompare(b.region));
  }
}
