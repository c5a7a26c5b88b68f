import { publishAll, type Alert, type AlertSink } from '../alerts/alert.js';
import { labelledSummary } from './labels.js';
import { diffReports, diffSeverity, type ReportDiff } from './diff.js';
import { renderHtml } from './render/html.js';
import { renderMarkdown } from './render/markdown.js';
import { generateReport, type ReportDeps, type ReportOptions } from './report.js';
import type { AccessReport } from './reportTypes.js';
import type { ReportStore } from './store.js';
import type { ScheduledToolRun, ScheduledTools } from '../tools/scheduled.js';

export interface ScheduledReportDeps {
  report: ReportDeps;
  store: ReportStore;
  sinks: readonly AlertSink[];
  /**
   * The tool report from the same records (InvokeGateway data events), when set: a new run per
   * report (`scheduledToolRun` in lib/tools/scheduled.ts; only its type is imported here).
   */
  tools?: () => ScheduledToolRun;
}

export interface ScheduledReportResult {
  location: string;
  findings: number;
  newFindings: number;
  resolvedFindings: number;
  severity: Alert['severity'];
  /** Gateways in the tool report; 0 when there was none (no data events). */
  toolGateways?: number;
}

/**
 * The weekly run: build the report, diff it against the latest stored one, store it under a
 * dated key (moving `latest`), and publish a summary alert. The report is stored before the
 * alert is sent, so a failing channel never loses a report.
 */
export async function runScheduledReport(
  deps: ScheduledReportDeps,
  options: ReportOptions = {},
): Promise<ScheduledReportResult> {
  const toolRun = deps.tools?.();
  const report = await generateReport(
    toolRun === undefined ? deps.report : { ...deps.report, onRecord: toolRun.onRecord },
    options,
  );
  const tools = await toolRun?.finish(new Date(report.generatedAt), deps.report.activity?.kind, {
    from: new Date(report.window.from),
    to: new Date(report.window.to),
  });
  const previous = await deps.store.latest();
  const diff = diffReports(previous, report);
  const { location } = await deps.store.save(report, {
    json: `${JSON.stringify(report, null, 2)}\n`,
    md: renderMarkdown(report),
    html: renderHtml(report),
    ...(tools?.written === true ? { files: tools.files } : {}),
  });
  const alert = summaryAlert(report, diff, location, tools);
  await publishAll(deps.sinks, alert);
  return {
    location,
    findings: report.findings.length,
    newFindings: diff.newFindings.length,
    resolvedFindings: diff.resolvedFindings.length,
    severity: alert.severity,
    ...(tools === undefined
      ? {}
      : { toolGateways: tools.written ? tools.report.gateways.length : 0 }),
  };
}

/** The summary alert: counts, what is new, what was resolved, and where the report is. */
export function summaryAlert(
  report: AccessReport,
  diff: ReportDiff,
  location: string,
  tools?: ScheduledTools,
): Alert {
  const s = report.summary.findings;
  const severity = diffSeverity(diff);
  const unknown = report.sources.activityUnknownReason;
  const subject = `gatewarden access report${unknown === undefined ? '' : ' (usage unknown)'}: ${diff.newFindings.length} new, ${diff.resolvedFindings.length} resolved (${s.critical} critical, ${s.high} high open)`;
  const lines = [
    `Access report ${report.generatedAt} (${report.window.days} days, accounts ${report.accountIds.join(', ') || 'unknown'}).`,
    `Stored at ${location}/report.{json,md,html}.`,
    `${report.summary.roles} roles, ${report.summary.gateways} gateways, ${report.findings.length} open findings: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low.`,
    ...(report.summary.labelled === undefined
      ? []
      : [`Labelled: ${labelledSummary(report) ?? ''}; counted above.`]),
    // Idle and unused findings vanish when usage is unknown: they are not evaluated, not fixed.
    ...(unknown === undefined
      ? []
      : [
          `Usage unknown: ${unknown}. Idle and unused findings were not evaluated; any listed as resolved below are not fixed.`,
        ]),
    diff.previousGeneratedAt === null
      ? 'First report: everything below is new.'
      : `Compared with the report of ${diff.previousGeneratedAt}.`,
    '',
    `New findings (${diff.newFindings.length}):`,
    ...diff.newFindings
      .slice(0, 15)
      .map(
        (f) =>
          `- [${f.severity}]${(f.labels ?? []).map((l) => ` [${l}]`).join('')} ${f.checkId} ${f.resource}: ${f.message}`,
      ),
    ...(diff.newFindings.length > 15 ? [`- … and ${diff.newFindings.length - 15} more`] : []),
    `Resolved findings (${diff.resolvedFindings.length}):`,
    ...diff.resolvedFindings.slice(0, 10).map((f) => `- ${f.checkId} ${f.resource}`),
    `New unused grants: ${diff.newUnusedGrants.reduce((n, u) => n + u.actions.length, 0)} actions on ${diff.newUnusedGrants.length} principals.`,
    `New wildcard grants: ${diff.newWildcards.length}; resolved: ${diff.resolvedWildcards.length}.`,
    ...(tools === undefined ? [] : [toolsLine(tools, location)]),
  ];
  return {
    detailType: 'Access Report',
    severity,
    subject,
    body: lines.join('\n'),
    detail: {
      schemaVersion: 1,
      generatedAt: report.generatedAt,
      location,
      summary: report.summary,
      diff: {
        previousGeneratedAt: diff.previousGeneratedAt,
        newFindings: diff.newFindings
          .slice(0, 50)
          .map(({ id, checkId, severity: sev, resource }) => ({
            id,
            checkId,
            severity: sev,
            resource,
          })),
        newFindingCount: diff.newFindings.length,
        resolvedFindingCount: diff.resolvedFindings.length,
        newUnusedGrantCount: diff.newUnusedGrants.reduce((n, u) => n + u.actions.length, 0),
        newWildcardCount: diff.newWildcards.length,
        resolvedWildcardCount: diff.resolvedWildcards.length,
      },
    },
    attributes: { report: 'access' },
  };
}

/** One line on the tool report: where it is and what it recommends, or why there is none. */
function toolsLine(tools: ScheduledTools, location: string): string {
  if (!tools.written) return `Tool access: not reported (${tools.reason}).`;
  const gateways = tools.report.gateways.filter((g) => g.dataEvents);
  const policies = gateways.reduce((n, g) => n + (g.recommendation?.policies.length ?? 0), 0);
  return `Tool access: ${gateways.length} gateway(s) with data events, ${policies} Cedar policy(ies) recommended; ${location}/${tools.folder}/tools.{json,md,html} and <gatewayId>.cedar.`;
}
