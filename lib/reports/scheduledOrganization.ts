import { publishAll, type Alert, type AlertSink } from '../alerts/alert.js';
import { displayAccountName } from '../detection/accountNames.js';
import { compareSeverity, type Severity } from '../detection/types.js';
import { diffReports } from './diff.js';
import { forEachConcurrent } from './logFiles.js';
import {
  DEFAULT_MEMBER_CONCURRENCY,
  organizationAccessReport,
  type MemberAccount,
  type OrganizationReport,
  type OrganizationReportDeps,
} from './organization.js';
import { renderHtml } from './render/html.js';
import { renderOrganizationHtml, SUMMARY_PAGE } from './render/htmlOrganization.js';
import { renderMarkdown } from './render/markdown.js';
import type { ReportOptions } from './report.js';
import { relativeHref, type ReportStore } from './store.js';

/**
 * The scheduled run of the central stage of an organization: each member's report is stored in
 * the member's own history (and diffed against that history only, so one account's findings
 * never resolve another's), the organization's summary beside them, and one alert names the
 * new findings with their account id and name. A member that could not be read is in the
 * summary and the alert with its reason; the run goes on.
 */
export interface ScheduledOrganizationDeps {
  organization: OrganizationReportDeps;
  /** The member's own report history (its own `latest`). */
  memberStore(account: MemberAccount): ReportStore;
  /** Where the summary of a run at that time is stored (the form of the stores' locations). */
  summaryFolder(generatedAt: string): string;
  /** Stores the organization's summary and its HTML page beside it; returns where. */
  saveSummary(
    report: OrganizationReport,
    page: { name: string; html: string },
  ): Promise<{ location: string }>;
  sinks: readonly AlertSink[];
}

export interface ScheduledOrganizationResult {
  location: string;
  accounts: number;
  failed: number;
  findings: number;
  newFindings: number;
  severity: Severity;
}

/** A member's new finding, as the alert names it. */
interface NewFinding {
  accountId: string;
  accountName: string;
  checkId: string;
  severity: Severity;
  resource: string;
  message: string;
}

export async function runScheduledOrganizationReport(
  deps: ScheduledOrganizationDeps,
  options: ReportOptions & { concurrency?: number } = {},
): Promise<ScheduledOrganizationResult> {
  const { organization, members } = await organizationAccessReport(deps.organization, options);
  const fresh: NewFinding[] = [];
  // Member pages and the summary link each other relatively: the bucket can be served or
  // downloaded as a folder tree, and a relative link never names the bucket.
  const summaryFolder = deps.summaryFolder(organization.generatedAt);
  const summaryPage = `${summaryFolder}/${SUMMARY_PAGE}`;
  const stored = new Map<string, string>();
  await forEachConcurrent(
    members,
    options.concurrency ?? DEFAULT_MEMBER_CONCURRENCY,
    async (outcome) => {
      if (!outcome.ok) return;
      const { account, value: report } = outcome;
      const store = deps.memberStore(account);
      const diff = diffReports(await store.latest(), report);
      const folder = store.folderOf(report.generatedAt);
      const summaryHref = relativeHref(folder, summaryPage);
      await store.save(report, {
        json: `${JSON.stringify(report, null, 2)}\n`,
        md: renderMarkdown(report),
        html: renderHtml(report, {
          account: { id: account.id, name: account.name },
          ...(summaryHref === undefined ? {} : { summaryHref }),
        }),
      });
      stored.set(account.id, folder);
      for (const f of diff.newFindings) {
        fresh.push({
          accountId: account.id,
          accountName: account.name,
          checkId: f.checkId,
          severity: f.severity,
          resource: f.resource,
          message: f.message,
        });
      }
    },
  );
  const memberPage = (id: string) => {
    const folder = stored.get(id);
    return folder === undefined ? undefined : relativeHref(summaryFolder, `${folder}/report.html`);
  };
  const { location } = await deps.saveSummary(organization, {
    name: SUMMARY_PAGE,
    html: renderOrganizationHtml(organization, memberPage),
  });
  const alert = organizationAlert(organization, fresh, location);
  await publishAll(deps.sinks, alert);
  return {
    location,
    accounts: organization.summary.accounts,
    failed: organization.summary.failed,
    findings: organization.summary.findings,
    newFindings: fresh.length,
    severity: alert.severity,
  };
}

/**
 * One alert for the whole organization: the highest new finding's severity, at least `medium`
 * when a member could not be read (its findings are unknown, not absent).
 */
export function organizationAlert(
  report: OrganizationReport,
  fresh: readonly NewFinding[],
  location: string,
): Alert {
  const byRisk = [...fresh].sort(
    (a, b) => compareSeverity(b.severity, a.severity) || a.accountId.localeCompare(b.accountId),
  );
  let severity: Severity = byRisk[0]?.severity ?? 'info';
  if (report.summary.failed > 0 && compareSeverity(severity, 'medium') < 0) severity = 'medium';
  // Names are written by each member's administrators: short plain text in the alert.
  const shown = (name: string) => displayAccountName(name) ?? '(no name)';
  const failed = report.accounts
    .filter((a) => a.status === 'failed')
    .map((a) => ({ ...a, name: shown(a.name) }));
  const named = byRisk.map((f) => ({ ...f, accountName: shown(f.accountName) }));
  const s = report.summary;
  const lines = [
    `Organization access report ${report.generatedAt}: ${s.accounts} accounts, ${s.reported} reported, ${s.failed} not readable.`,
    `Summary at ${location}; each account's report in its own history.`,
    `${s.findings} open findings, ${fresh.length} new.`,
    ...(failed.length === 0
      ? []
      : [
          '',
          `Not readable (${failed.length}; their findings are unknown):`,
          ...failed.slice(0, 15).map((a) => `- ${a.id} (${a.name}): ${a.reason ?? 'unknown'}`),
          ...(failed.length > 15 ? [`- … and ${failed.length - 15} more`] : []),
        ]),
    '',
    `New findings (${fresh.length}):`,
    ...named
      .slice(0, 20)
      .map(
        (f) =>
          `- [${f.severity}] ${f.accountId} (${f.accountName}) ${f.checkId} ${f.resource}: ${f.message}`,
      ),
    ...(byRisk.length > 20 ? [`- … and ${byRisk.length - 20} more`] : []),
  ];
  return {
    detailType: 'Organization Access Report',
    severity,
    subject: `gatewarden organization report: ${fresh.length} new, ${s.failed} accounts not readable`,
    body: lines.join('\n'),
    detail: {
      schemaVersion: 1,
      generatedAt: report.generatedAt,
      location,
      summary: s,
      failedAccounts: failed.map(({ id, name, reason }) => ({ id, name, reason })),
      newFindings: named
        .slice(0, 50)
        .map(({ accountId, accountName, checkId, severity: sev, resource }) => ({
          accountId,
          accountName,
          checkId,
          severity: sev,
          resource,
        })),
      newFindingCount: fresh.length,
    },
    attributes: { report: 'organization' },
  };
}
