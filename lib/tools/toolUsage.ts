/**
 * What the tool report reads from a usage source: per gateway, who called which tool, and the
 * counts of what was read. The trail-file collector (`ToolUsageCollector`) and the aggregated
 * sources (Athena, CloudTrail Lake: `AggregatedToolUsage`) both produce it, so the report does
 * not know which one it was given.
 */
import type { ActivityWindow, ScanIssue } from '../reports/usage.js';
import type { AggregatedToolUsage } from './AggregatedToolUsage.js';
import type { CollectorStats, GatewayUsage } from './ToolUsageCollector.js';

export interface ToolUsage {
  readonly gateways: ReadonlyMap<string, GatewayUsage>;
  readonly stats: Readonly<CollectorStats>;
}

/**
 * An aggregating source of tool usage (Athena, CloudTrail Lake): one query over the window's
 * InvokeGateway data events, its rows added to `usage`.
 */
export interface ToolUsageSource {
  readonly kind: 'athena' | 'lake';
  readonly description: string;
  /** The SQL the source sends (for tests and for people who want to run it by hand). */
  query(window: ActivityWindow, claimNames: readonly string[]): string;
  collect(window: ActivityWindow, usage: AggregatedToolUsage): Promise<{ issues: ScanIssue[] }>;
}
