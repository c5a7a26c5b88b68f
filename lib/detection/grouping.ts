import type { EngineResult } from './engine.js';
import type { Finding } from './types.js';

/** Resources a grouped finding lists (the rest are counted). */
export const GROUP_RESOURCES = 5;

interface OpenGroup {
  finding: Finding;
  untilMs: number;
  windowSeconds: number;
  count: number;
  resources: string[];
  lastEventTime: string;
}

/**
 * Folds bursts into one finding for replay: the engine opens a group with a finding and
 * drops the ones that fall into it as `grouped`; this holds the opening finding until event
 * time passes the group's window, then hands it on with the count, the first few resources
 * and the last event's time. Memory: one entry per group open in the current window.
 */
export class FindingGroups {
  private readonly open = new Map<string, OpenGroup>();

  constructor(private readonly emit: (finding: Finding) => void) {}

  /**
   * Takes one record's findings (in the engine's order): grouped ones are folded, openers
   * held, the rest passed on at once. Call {@link advance} with the record's time first.
   */
  accept(result: EngineResult, alertable: (finding: Finding) => boolean): void {
    const opened = new Map(result.groups.opened.map((g) => [g.findingId, g]));
    for (const finding of result.findings) {
      const group = opened.get(finding.findingId);
      if (group === undefined || !alertable(finding)) {
        this.emit(finding);
        continue;
      }
      // An escalation inside an open group opens a new one: the old one is complete.
      this.close(group.key);
      this.open.set(group.key, {
        finding,
        untilMs: group.untilMs,
        windowSeconds: group.windowSeconds,
        count: group.events ?? 1,
        resources: finding.resource === undefined ? [] : [finding.resource],
        lastEventTime: finding.eventTime,
      });
    }
    for (const { finding, key } of result.groups.grouped) {
      const group = this.open.get(key);
      if (group === undefined) continue;
      group.count++;
      group.lastEventTime = finding.eventTime;
      const resource = finding.resource;
      if (
        resource !== undefined &&
        group.resources.length < GROUP_RESOURCES &&
        !group.resources.includes(resource)
      ) {
        group.resources.push(resource);
      }
    }
  }

  /** Hands on every group whose window ended before `atMs` (event time). */
  advance(atMs: number): void {
    for (const [key, group] of this.open) if (group.untilMs <= atMs) this.close(key);
  }

  /** Hands on every open group (end of input). */
  flush(): void {
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private close(key: string): void {
    const group = this.open.get(key);
    if (group === undefined) return;
    this.open.delete(key);
    this.emit(group.count === 1 ? group.finding : folded(group));
  }
}

function folded(group: OpenGroup): Finding {
  return burstFinding(group.finding, group);
}

/** What a burst holds when its window closes (replay and the live function alike). */
export interface BurstTally {
  count: number;
  resources: string[];
  lastEventTime: string;
  windowSeconds: number;
}

/**
 * The finding that reports a whole burst: the first finding's facts with the count, the first
 * few resources and the last event's time. Replay emits it in place of the first finding; the
 * live function sends it as a follow-up once the window closed (see `bursts.ts`), so both say
 * the same thing about the same records.
 */
export function burstFinding(first: Finding, tally: BurstTally): Finding {
  return {
    ...first,
    summary: `${first.summary} (and ${tally.count - 1} more by the same principal within ${tally.windowSeconds} s${othersListed(first, tally)})`,
    group: {
      count: tally.count,
      resources: tally.resources,
      lastEventTime: tally.lastEventTime,
      windowSeconds: tally.windowSeconds,
    },
  };
}

/**
 * The resources of a burst beside the headline one (the summary already names that), with an
 * ellipsis when the list reached its cap and more events followed: then it may be cut short.
 */
function othersListed(first: Finding, tally: BurstTally): string {
  const others = tally.resources.filter((resource) => resource !== first.resource);
  if (others.length === 0) return first.resource === undefined ? '' : ', on the same resource';
  const cut = tally.resources.length >= GROUP_RESOURCES && tally.count > tally.resources.length;
  return `: ${others.join(', ')}${cut ? ', …' : ''}`;
}
