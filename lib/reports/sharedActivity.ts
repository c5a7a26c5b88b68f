import type { ActivitySource, ActivityWindow, ScanIssue, ScanProgress } from './usage.js';
import { UsageCollector, type UsageFact } from './UsageCollector.js';

/**
 * One usage read for a whole organization: the organization trail is read once (one Athena
 * query naming every member, or one pass over the log files), and each member's report gets
 * the part that is its own — the calls of principals in its account. Meant for the sources
 * that aggregate where the data is (Athena, Lake, S3 files); LookupEvents is per account.
 */

/** A collector that keeps what a source hands it, to hand it on per account. */
class RecordingCollector extends UsageCollector {
  readonly records: unknown[] = [];
  readonly facts: UsageFact[] = [];
  /**
   * Records per UTC day of the whole trail (`YYYY-MM-DD`): whether the organization's trail
   * covers the window is the trail's property, and a quiet member has quiet days.
   */
  readonly dayCounts = new Map<string, number>();

  // Counted as read, so a source can tell an empty trail from a full one.
  override addRecord(record: unknown): void {
    this.stats.eventsRead += 1;
    this.records.push(record);
    const time = (record as { eventTime?: unknown } | null)?.eventTime;
    if (typeof time === 'string' && /^\d{4}-\d\d-\d\dT/.test(time))
      this.addDayCount(time.slice(0, 10), 1);
  }

  override addDayCount(day: string, count: number): void {
    this.dayCounts.set(day, (this.dayCounts.get(day) ?? 0) + count);
  }

  override addFact(fact: UsageFact): void {
    this.stats.eventsRead += fact.count;
    this.facts.push(fact);
  }
}

const ARN_ACCOUNT = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/;

/** The account a principal ARN belongs to. */
function accountOfArn(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : ARN_ACCOUNT.exec(arn)?.[1];
}

/**
 * Whether a CloudTrail record is a member's: its caller is one of the member's principals (the
 * usage of their grants), or the call was made in the member's account (a principal of another
 * account managing its gateways, as a single-account report of that account sees it).
 */
function recordOf(record: unknown, accountId: string): boolean {
  const r = record as { userIdentity?: unknown; recipientAccountId?: unknown } | null;
  if (r?.recipientAccountId === accountId) return true;
  const identity = r?.userIdentity as { arn?: unknown; accountId?: unknown } | undefined;
  if (typeof identity?.arn === 'string') return accountOfArn(identity.arn) === accountId;
  return identity?.accountId === accountId;
}

function accountOfFact(fact: UsageFact): string | undefined {
  return accountOfArn(fact.identity.issuerArn ?? fact.identity.arn);
}

/** The organization's usage, read once; {@link forAccount} is each member's share. */
export class SharedActivity {
  private read: Promise<{ recorded: RecordingCollector; issues: ScanIssue[] }> | undefined;
  /** How many times the underlying source was read (once, whatever the members). */
  reads = 0;

  constructor(private readonly source: ActivitySource) {}

  private readOnce(window: ActivityWindow, onProgress?: (p: ScanProgress) => void) {
    if (this.read === undefined) {
      this.reads += 1;
      const recorded = new RecordingCollector();
      // Every member's principals: the shared read is not narrowed to the first member's.
      const { principals: _principals, ...wholeWindow } = window;
      this.read = this.source
        .collect(wholeWindow, recorded, onProgress)
        .then(({ issues }) => ({ recorded, issues }));
    }
    return this.read;
  }

  /**
   * The source a member's report reads: the shared usage, its own account's calls only. The
   * trail's days count for the member from the day it joined the organization (`joinedAt`):
   * before that the organization trail did not log it, and those days are no evidence that its
   * principals were idle (its report's usage is then partial, as for a trail that starts late).
   */
  forAccount(accountId: string, joinedAt?: Date): ActivitySource {
    const joinedDay =
      joinedAt === undefined || Number.isNaN(joinedAt.getTime())
        ? undefined
        : joinedAt.toISOString().slice(0, 10);
    return {
      kind: this.source.kind,
      description: `${this.source.description}, account ${accountId}${joinedDay === undefined ? '' : ` (joined the organization on ${joinedDay})`}`,
      collect: async (window, collector, onProgress) => {
        const { recorded, issues } = await this.readOnce(window, onProgress);
        for (const record of recorded.records) {
          if (recordOf(record, accountId)) collector.addRecord(record);
        }
        for (const fact of recorded.facts) {
          if (accountOfFact(fact) === accountId) collector.addFact(fact);
        }
        // Days outside the member's window are not counted (its collector keeps its days), nor
        // days before it joined.
        for (const [day, count] of recorded.dayCounts)
          if (joinedDay === undefined || day >= joinedDay) collector.addDayCount(day, count);
        return { issues };
      },
    };
  }
}
