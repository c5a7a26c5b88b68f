/**
 * The tool report in the scheduled run. Its data events come from where the stage reads usage:
 * with Athena or CloudTrail Lake configured, one aggregating query of their own (`usage`);
 * otherwise they are tapped from the records the access report's activity source reads (one
 * pass over the trail's log files). When there are any, the Tool access section and the
 * recommended Cedar policies are built with the live inventory and written beside the access
 * report. No data event means no tool report and a line saying why, never "nobody uses any tool".
 */
import type { ActivityWindow, ScanIssue } from '../reports/usage.js';
import { errorClassOf } from '../shared/redact.js';
import { AggregatedToolUsage } from './AggregatedToolUsage.js';
import { toolReportFiles, type ToolFile } from './files.js';
import type { GatewayTools } from './inventory.js';
import { buildToolReport, type ToolReport } from './report.js';
import type { ToolUsage, ToolUsageSource } from './toolUsage.js';
import { ToolUsageCollector } from './ToolUsageCollector.js';

/** The folder under the report's dated prefix the tool files go to. */
export const TOOLS_FOLDER = 'tools';

export interface ScheduledToolsDeps {
  /** The gateways' tools and policy engines (the SDK adapter), all gateways of the account. */
  inventory?: { read(): Promise<{ gateways: GatewayTools[]; issues: ScanIssue[] }> };
  principalClaim?: string;
  /** Athena or CloudTrail Lake: the data events aggregated by one query over the window. */
  usage?: ToolUsageSource;
}

export type ScheduledTools =
  | { written: true; report: ToolReport; files: ToolFile[]; folder: string }
  | { written: false; reason: string };

/**
 * One scheduled run's tool report: `onRecord` sees the records the access report reads, then
 * `finish` builds the tool report from them. A new run per invocation (a warm function must not
 * add last week's calls to this week's). lib/reports knows this only as a type, so the access
 * report's bundle carries no Cedar engine unless its wiring passes one in.
 */
export interface ScheduledToolRun {
  onRecord(record: unknown): void;
  /** `window` is the access report's: an aggregating `usage` source queries it. */
  finish(now: Date, activityKind?: string, window?: ActivityWindow): Promise<ScheduledTools>;
}

export function scheduledToolRun(deps: ScheduledToolsDeps): ScheduledToolRun {
  const { usage } = deps;
  if (usage !== undefined)
    return {
      // The query reads the data events itself: the access report's records are not needed.
      onRecord: () => undefined,
      finish: async (now, _activityKind, window) => {
        const aggregated = new AggregatedToolUsage();
        try {
          await usage.collect(
            window ?? { from: new Date(now.getTime() - 90 * 86_400_000), to: now },
            aggregated,
          );
        } catch (error) {
          // The access report is stored all the same; the alert says why tools are missing.
          return { written: false, reason: `${usage.description}: ${errorClassOf(error)}` };
        }
        return scheduledToolReport(aggregated, deps, now, usage.kind, true);
      },
    };
  const collector = new ToolUsageCollector();
  return {
    onRecord: (record) => collector.addRecord(record),
    finish: (now, activityKind) => scheduledToolReport(collector, deps, now, activityKind),
  };
}

/**
 * The tool report and its files (names under {@link TOOLS_FOLDER}), or why there is none. An
 * inventory that cannot be read leaves the report without exposed tools, with the reason kept.
 */
export async function scheduledToolReport(
  collector: ToolUsage,
  deps: ScheduledToolsDeps,
  now: Date,
  activityKind?: string,
  aggregated = false,
): Promise<ScheduledTools> {
  if (collector.gateways.size === 0)
    return {
      written: false,
      reason:
        !aggregated &&
        (activityKind === 'athena' || activityKind === 'lake' || activityKind === 'lookup-events')
          ? `the ${activityKind} activity source returns no raw InvokeGateway data events`
          : 'no InvokeGateway data event in the window: data events are not enabled for the gateways',
    };
  const issues: ScanIssue[] = [];
  let gateways: GatewayTools[] = [];
  if (deps.inventory !== undefined) {
    try {
      const read = await deps.inventory.read();
      gateways = read.gateways;
      issues.push(...read.issues);
    } catch (error) {
      issues.push({ input: 'tool inventory', reason: errorClassOf(error) });
    }
  }
  const report = buildToolReport(collector, gateways, {
    issues,
    inventorySource: deps.inventory === undefined ? 'none' : 'api',
    now,
    ...(deps.principalClaim !== undefined ? { principalClaim: deps.principalClaim } : {}),
  });
  const files = toolReportFiles(report).map((f) => ({ ...f, name: `${TOOLS_FOLDER}/${f.name}` }));
  return { written: true, report, files, folder: TOOLS_FOLDER };
}
