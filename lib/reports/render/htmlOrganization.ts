import { severities, type Severity } from '../../detection/types.js';
import type { MemberOutcome, OrganizationReport } from '../organization.js';
import type { AccessReport } from '../reportTypes.js';
import { pageHead, PAGE_END, renderHtml, tableHtml, toc } from './html.js';
import { noFindings, severityChart } from './htmlChart.js';
import { esc, wrapArn } from './htmlPrincipal.js';

/**
 * The organization report as HTML: a summary page (every account with its findings by
 * severity, the accounts that could not be read and why, every finding naming its account) and
 * one page per member, the single-account page with the account's name and a way back. The
 * pages link to each other by relative paths and load nothing else.
 *
 * Account names are written by each member's own administrators: shown as escaped text beside
 * the account id (which Organizations guarantees is 12 digits), never as markup or a path.
 */

/** One page of the organization report and its path, relative to the summary. */
export interface OrganizationPage {
  path: string;
  html: string;
}

/** The summary's file name. */
export const SUMMARY_PAGE = 'organization.html';

/** A member's page, relative to the summary: `<account id>/report.html`. */
export function accountPagePath(accountId: string): string {
  return `${accountId}/report.html`;
}

/** Findings listed on the summary, most severe first (all of them are on the accounts' pages). */
export const SUMMARY_FINDINGS = 500;

const SEVERITIES_DOWN = [...severities].reverse();
const SEV_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

function accountLabel(id: string, name: string, href: string | undefined): string {
  const label = `<span class="account-name">${esc(name)}</span> <code>${esc(id)}</code>`;
  return href === undefined ? label : `<a href="${esc(href)}">${label}</a>`;
}

/**
 * The summary page. `accountHref` gives the link to a reported account's page (none for an
 * account that could not be read: it has no page).
 */
export function renderOrganizationHtml(
  report: OrganizationReport,
  accountHref: (accountId: string) => string | undefined = accountPagePath,
): string {
  const s = report.summary;
  const bySeverity = new Map(report.accounts.map((a) => [a.id, noFindings()]));
  for (const f of report.findings) {
    const counts = bySeverity.get(f.accountId);
    if (counts) counts[f.severity] += 1;
  }
  const href = (a: OrganizationReport['accounts'][number]) =>
    a.status === 'reported' ? accountHref(a.id) : undefined;
  const failed = report.accounts.filter((a) => a.status === 'failed');
  const accounts = tableHtml(
    'accounts',
    ['Account', 'Status', 'Gateways', ...SEVERITIES_DOWN, 'Findings'],
    report.accounts.map((a) => {
      const counts = bySeverity.get(a.id) ?? noFindings();
      const known = a.status === 'reported';
      return {
        cells: [
          { text: `${a.name} ${a.id}`, cls: 'name', html: accountLabel(a.id, a.name, href(a)) },
          {
            text: known ? 'reported' : `not readable: ${a.reason ?? 'unknown'}`,
            cls: known ? 'pass' : 'fail',
          },
          { text: known ? (a.gateways ?? 0) : 'unknown', sort: a.gateways ?? -1, cls: 'num' },
          ...SEVERITIES_DOWN.map((sev) => ({
            text: known ? counts[sev] : 'unknown',
            sort: known ? counts[sev] : -1,
            cls: `num${known && counts[sev] > 0 ? ` sev-${sev}` : ''}`,
          })),
          { text: known ? (a.findings ?? 0) : 'unknown', sort: a.findings ?? -1, cls: 'num' },
        ],
      };
    }),
  );
  const names = new Map(report.accounts.map((a) => [a.id, a]));
  // Every finding is on its account's page; the summary keeps the most severe, so that 500
  // accounts make a page a browser still opens.
  const shown = [...report.findings]
    .sort(
      (a, b) =>
        SEV_ORDER[a.severity] - SEV_ORDER[b.severity] || a.accountId.localeCompare(b.accountId),
    )
    .slice(0, SUMMARY_FINDINGS);
  const findings = tableHtml(
    'findings',
    ['Severity', 'Account', 'Check', 'Resource', 'What to do'],
    shown.map((f) => {
      const account = names.get(f.accountId);
      return {
        cells: [
          { text: f.severity, sort: SEV_ORDER[f.severity], cls: `sev-${f.severity}` },
          {
            text: `${f.accountName} ${f.accountId}`,
            cls: 'name',
            html: accountLabel(f.accountId, f.accountName, account ? href(account) : undefined),
          },
          { text: f.checkId },
          { text: f.resource, cls: 'name', html: wrapArn(f.resource) },
          { text: f.message, html: wrapArn(f.message) },
        ],
      };
    }),
  );
  const more =
    report.findings.length > shown.length
      ? `<p class="muted" id="findings-more">The ${shown.length} most severe of ${report.findings.length} findings; every finding is on its account’s page.</p>`
      : '';
  const unreadable =
    failed.length === 0
      ? ''
      : `<div class="warn" id="not-readable"><p>${failed.length} account(s) could not be read: their findings are unknown, not absent.</p><ul>${failed
          .map(
            (a) =>
              `<li>${accountLabel(a.id, a.name, undefined)}: ${esc(a.reason ?? 'unknown')}</li>`,
          )
          .join('')}</ul></div>`;
  const chart = severityChart(
    'Findings by account and severity',
    'account',
    report.accounts
      .filter((a) => a.status === 'reported')
      .map((a) => ({
        key: a.id,
        labelHtml: accountLabel(a.id, a.name, href(a)),
        counts: bySeverity.get(a.id) ?? noFindings(),
      })),
  );
  const sections: [string, string][] = [
    ['sec-summary', 'Summary'],
    ['sec-chart', 'Findings by account and severity'],
    ['sec-accounts', `Accounts (${s.accounts})`],
    ['sec-findings', `Findings (${s.findings})`],
  ];
  return `${pageHead(`gatewarden organization report ${report.generatedAt.slice(0, 10)}`)}
<body>
<h1 id="top">gatewarden organization report</h1>
<p>Generated ${esc(report.generatedAt)} · ${s.accounts} accounts: ${s.reported} reported, ${s.failed} not readable</p>
${toc(sections)}
<h2 id="sec-summary">Summary</h2>
${unreadable}
<p><strong>${s.findings}</strong> findings in ${s.reported} account(s): ${SEVERITIES_DOWN.filter(
    (sev) => sev !== 'info',
  )
    .map(
      (sev) =>
        `<span class="sev-${sev}">&nbsp;${report.findings.filter((f) => f.severity === sev).length} ${sev}&nbsp;</span>`,
    )
    .join(' ')}</p>
${chart}
<h2 id="sec-accounts">Accounts</h2>
${accounts}
<h2 id="sec-findings">Findings</h2>
${more}
${findings}
${PAGE_END}`;
}

/**
 * Every page of the organization report: the summary at {@link SUMMARY_PAGE} and, for each
 * member that was read, its own report at {@link accountPagePath}, linking back.
 */
export function organizationPages(
  report: OrganizationReport,
  members: readonly MemberOutcome<AccessReport>[],
): OrganizationPage[] {
  const pages: OrganizationPage[] = [{ path: SUMMARY_PAGE, html: renderOrganizationHtml(report) }];
  for (const member of members) {
    if (!member.ok) continue;
    const { id, name } = member.account;
    pages.push({
      path: accountPagePath(id),
      html: renderHtml(member.value, {
        account: { id, name },
        summaryHref: `../${SUMMARY_PAGE}`,
      }),
    });
  }
  return pages;
}
