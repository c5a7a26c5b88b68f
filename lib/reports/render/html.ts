import { createHash } from 'node:crypto';
import type { AccessReport, PrincipalReport } from '../reportTypes.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './htmlAssets.js';
import { labelledSummary } from '../labels.js';
import {
  codeList,
  esc,
  labelBadges,
  principalId,
  principalSection,
  usageBar,
  wrapArn,
} from './htmlPrincipal.js';
import { findingsChart } from './htmlChart.js';
import { listsOf, rowsOf, textOf, type ReportLists } from './reportLists.js';
import { postureHtml } from './posture.js';
import { docLinkFor } from './remediationLinks.js';

export { esc } from './htmlPrincipal.js';

export interface Cell {
  text: string | number;
  sort?: string | number;
  cls?: string;
  html?: string;
}

/** A sortable table with a search box above it that filters its rows. */
export function tableHtml(id: string, header: string[], rows: { cells: Cell[] }[]): string {
  return textOf(tableHtmlChunks(id, header, rows, rows.length));
}

/** {@link tableHtml} streamed: `count` rows from `rows`. */
function* tableHtmlChunks(
  id: string,
  header: string[],
  rows: Iterable<{ cells: Cell[] }>,
  count: number,
): Generator<string> {
  const head = header.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  yield `<div class="filter"><input type="search" placeholder="Filter rows (all words must match)" aria-label="Filter ${esc(id)}" data-filter="${esc(id)}" data-count="${esc(id)}-count"><span id="${esc(id)}-count" class="muted">${count} of ${count} shown</span></div>
<div class="scroll"><table id="${esc(id)}" class="sortable"><thead><tr>${head}</tr></thead><tbody>
`;
  yield* rowsOf(
    rows,
    (r) =>
      `<tr>${r.cells
        .map(
          (c) =>
            `<td${c.sort === undefined ? '' : ` data-sort="${esc(c.sort)}"`}${c.cls ? ` class="${esc(c.cls)}"` : ''}>${c.html ?? esc(c.text)}</td>`,
        )
        .join('')}</tr>`,
  );
  yield `
</tbody></table></div>`;
}

/**
 * Used share of granted actions for the 40 roles granted most, on a linear scale: each bar is
 * the role's own grant, the green part what it used.
 */
export function usageChart(roles: Iterable<PrincipalReport>): string {
  const shown = mostGranted(roles, 40);
  if (shown.length === 0) return '';
  const rows = shown
    .map(
      (r) =>
        `<tr><td class="name" title="${esc(r.arn)}">${esc(r.name)}</td><td class="num">${r.grantedActionCount}</td><td>${usageBar(r)}</td></tr>`,
    )
    .join('\n');
  return `<div class="scroll"><table id="chart" aria-label="Used share of granted actions (linear)"><thead><tr><th>Principal</th><th>Granted</th><th>Used of granted (linear)</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/**
 * The `n` principals granted most, ties in their order: what a stable sort of all of them by
 * granted count, then its first `n`, gives, without holding them all.
 */
function mostGranted(principals: Iterable<PrincipalReport>, n: number): PrincipalReport[] {
  let kept: { r: PrincipalReport; i: number }[] = [];
  const cut = () =>
    (kept = kept
      .sort((a, b) => b.r.grantedActionCount - a.r.grantedActionCount || a.i - b.i)
      .slice(0, n));
  let i = 0;
  for (const r of principals) {
    kept.push({ r, i: i++ });
    if (kept.length >= 4 * n) cut();
  }
  return cut().map((k) => k.r);
}

/** Warnings about the inputs: what the report could not see, said before any number. */
function inputNotes(report: AccessReport): string {
  const src = report.sources;
  const out: string[] = [];
  if (src.activity === null)
    out.push(
      '<p class="warn" id="usage-unknown">Usage unknown: no activity source was read. Nothing is reported as unused and no policy is recommended.</p>',
    );
  if (src.usage === 'partial')
    out.push(
      `<p class="warn" id="usage-unknown">Usage partial: ${esc(src.activityUnknownReason ?? '')} — nothing is reported as unused.</p><p>Days of the window without any record: ${(src.usageMissingDays ?? []).map((d) => esc(d.from === d.to ? d.from : `${d.from} → ${d.to}`)).join(', ')}.</p>`,
    );
  else if (src.activityUnknownReason !== undefined)
    out.push(
      `<p class="warn" id="usage-unknown">Usage unknown: ${esc(src.activityUnknownReason)} — nothing is reported as unused.</p>`,
    );
  const cutShort = src.issues.filter((i) => /cut short/i.test(i.reason));
  for (const issue of cutShort)
    out.push(
      `<p class="warn cut-short">Source cut short — ${esc(issue.input)}: ${esc(issue.reason)}</p>`,
    );
  if (src.skippedServiceLinkedRoles.length > 0)
    out.push(
      codeList(
        src.skippedServiceLinkedRoles,
        `Skipped ${src.skippedServiceLinkedRoles.length} AWS service-linked role(s) (the account cannot change them)`,
      ),
    );
  const missing = [
    ...src.missingBoundaries.map((b) => `boundary ${b}`),
    ...src.missingGroups.map((g) => `group ${g}`),
    ...src.missingPolicies.map((p) => `policy ${p}`),
  ];
  if (missing.length > 0)
    out.push(
      `<div class="warn">${codeList(missing, 'Missing from the IAM input (the principals concerned are incomplete)')}</div>`,
    );
  const other = src.issues.filter((i) => !cutShort.includes(i));
  if (other.length > 0)
    out.push(
      `<details><summary>Inputs skipped (${other.length})</summary><table><thead><tr><th>Input</th><th>Reason</th></tr></thead><tbody>${other
        .map((i) => `<tr><td>${esc(i.input)}</td><td>${esc(i.reason)}</td></tr>`)
        .join('')}</tbody></table></details>`,
    );
  return out.join('\n');
}

function rolesTable(lists: ReportLists): Generator<string> {
  return tableHtmlChunks(
    'roles',
    [
      'Principal',
      'Type',
      'Kind',
      'Granted',
      'Used',
      'Unused',
      'Used of granted',
      'Wildcards',
      'High-risk',
      'Recommendation',
      'Last used',
    ],
    mappedIndexed(lists.principals(), (r, i) => {
      const used = r.usedActions.length - r.usedNotGranted.length;
      return {
        cells: [
          {
            text: r.name,
            cls: 'name',
            html: `<a href="#${principalId(i)}" title="${esc(r.arn)}">${esc(r.name)}</a>${labelBadges(r.labels)}<br><span class="muted">${wrapArn(r.arn)}</span>`,
          },
          { text: r.type },
          { text: r.kind },
          { text: r.grantedActionCount, cls: 'num' },
          {
            text: r.usageKnown ? r.usedActions.length : 'unknown',
            sort: r.usageKnown ? r.usedActions.length : -1,
            cls: 'num',
          },
          {
            text: r.usageKnown ? r.unusedActionCount : 'unknown',
            sort: r.usageKnown ? r.unusedActionCount : -1,
            cls: 'num',
          },
          {
            text: '',
            sort: r.usageKnown && r.grantedActionCount > 0 ? used / r.grantedActionCount : -1,
            html: usageBar(r),
          },
          { text: r.wildcardGrants.length, cls: 'num' },
          { text: r.highRiskGrants.length, cls: 'num' },
          { text: r.recommendation.status },
          { text: r.lastUsed ?? '' },
        ],
      };
    }),
    lists.principalCount,
  );
}

function* mappedIndexed<T, U>(items: Iterable<T>, f: (item: T, i: number) => U): Generator<U> {
  let i = 0;
  for (const item of items) yield f(item, i++);
}

/** How many principals and findings carry the operator's labels: marked, still counted. */
function labelledNote(report: AccessReport): string {
  const text = labelledSummary(report);
  if (text === undefined) return '';
  const unmatched = report.summary.labelled?.unmatchedRules ?? [];
  return `<p id="labelled">Labelled: ${esc(text)}; they are counted in every total above.</p>${
    unmatched.length > 0 ? codeList(unmatched, 'Label rules that matched nothing') : ''
  }`;
}

/** The table of contents: a link to each section's heading. */
export function toc(sections: [string, string][]): string {
  return `<nav id="toc" aria-label="Contents"><h2>Contents</h2><ol>${sections
    .map(([id, title]) => `<li><a href="#${esc(id)}">${esc(title)}</a></li>`)
    .join('')}</ol></nav>`;
}

function postureShown(report: AccessReport): boolean {
  return report.gateways.some((g) => g.posture !== undefined) || report.tokenVault !== undefined;
}

/** A link to the AWS page that explains the fix (opened by the reader, never fetched). */
function docLink(checkId: string): string {
  const link = docLinkFor(checkId);
  return ` <a class="doc" href="${esc(link.url)}" rel="noopener noreferrer" target="_blank">${esc(link.title)}</a>`;
}

/** Notes shown for this many resources of a failed check; the rest are counted. */
const NOTE_RESOURCES = 5;

/** A failed check names the resources that failed it; a skipped one says why. */
function checkNote(check: AccessReport['checks'][number], resources: string[]): string {
  if (check.status !== 'fail' || resources.length === 0) return esc(check.reason ?? '');
  const unique = [...new Set(resources)];
  const shown = unique
    .slice(0, NOTE_RESOURCES)
    .map((r) => `<code>${wrapArn(r)}</code>`)
    .join(', ');
  const more = unique.length - NOTE_RESOURCES;
  return `${unique.length} resource(s): ${shown}${more > 0 ? ` and <a href="#sec-findings">${more} more</a>` : ''}`;
}

/** The page's head: the Content-Security-Policy that lets it load nothing, its style. */
export function pageHead(title: string): string {
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_STYLE}</style></head>`;
}

/** The page's end: the one inline script (sorting, filtering) the policy admits by hash. */
export const PAGE_END = `<script>${PAGE_SCRIPT}</script>
</body></html>
`;

/** A member account's page of an organization report: whose it is, and the way back. */
export interface AccountPage {
  account: { id: string; name: string };
  /** The organization summary, relative to this page (none when stored apart from it). */
  summaryHref?: string;
}

/**
 * The report as one self-contained HTML page: no external assets (a Content-Security-Policy
 * forbids loading any), inline CSS, one hashed inline script for sorting and filtering. With
 * `page`, it is one member's page of an organization report.
 */
export function renderHtml(report: AccessReport, page?: AccountPage): string {
  return textOf(htmlChunks(report, listsOf(report), page));
}

/** {@link renderHtml} as a stream of text, its principals and findings from `lists`. */
export function* htmlChunks(
  report: AccessReport,
  lists: ReportLists,
  page?: AccountPage,
): Generator<string> {
  const s = report.summary;
  const sevOrder = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
  const findings = tableHtmlChunks(
    'findings',
    ['Severity', 'Check', 'Resource', 'What to do'],
    mappedIndexed(lists.findings(), (f) => ({
      cells: [
        { text: f.severity, sort: sevOrder[f.severity], cls: `sev-${f.severity}` },
        { text: f.checkId },
        { text: f.resource, cls: 'name', html: `${wrapArn(f.resource)}${labelBadges(f.labels)}` },
        { text: f.message, html: `${wrapArn(f.message)}${docLink(f.checkId)}` },
      ],
    })),
    lists.findingCount,
  );
  // Each check's resources, once each, in the findings' order.
  const resourcesByCheck = new Map<string, Set<string>>();
  for (const f of lists.findings())
    resourcesByCheck.set(f.checkId, (resourcesByCheck.get(f.checkId) ?? new Set()).add(f.resource));
  const checks = tableHtml(
    'checks',
    ['Check', 'Status', 'Note'],
    report.checks.map((c) => ({
      cells: [
        { text: c.title },
        { text: c.status, cls: c.status },
        {
          text: c.reason ?? '',
          html: checkNote(c, [...(resourcesByCheck.get(c.checkId) ?? [])]),
        },
      ],
    })),
  );
  const gateways =
    report.gateways.length === 0
      ? '<p class="muted">No gateway inventory (offline run or no gateways).</p>'
      : tableHtml(
          'gateways',
          ['Gateway', 'Authorizer', 'Execution role', 'Targets'],
          report.gateways.map((g) => ({
            cells: [
              { text: g.gatewayId },
              { text: g.authorizerType ?? '' },
              { text: g.roleArn ?? '', cls: 'name', html: wrapArn(g.roleArn ?? '') },
              {
                text: g.targets
                  .map((t) => `${t.targetId} (${t.credentialProviderTypes.join(',') || 'none'})`)
                  .join(', '),
              },
            ],
          })),
        );
  const managers = tableHtml(
    'managers',
    ['Principal', 'Identified by', 'Management calls seen'],
    report.managers.map((m) => ({
      cells: [
        { text: m.arn, cls: 'name', html: `${wrapArn(m.arn)}${labelBadges(m.labels)}` },
        { text: m.sources.join(', ') },
        { text: m.managementActionsUsed.join(', ') },
      ],
    })),
  );
  const unmapped =
    report.sources.unmappedEvents.length === 0
      ? ''
      : `<h2 id="sec-unmapped">CloudTrail events not mapped to an IAM action</h2>\n${tableHtml(
          'unmapped',
          ['Event source', 'Event name', 'Count'],
          report.sources.unmappedEvents.map((u) => ({
            cells: [{ text: u.eventSource }, { text: u.eventName }, { text: u.count, cls: 'num' }],
          })),
        )}`;
  const sections: [string, string][] = [
    ['sec-summary', 'Summary'],
    ['sec-chart', 'Findings by check and severity'],
    ['sec-usage', 'Granted vs used'],
    ['sec-findings', `Findings (${lists.findingCount})`],
    ['sec-checks', 'Best-practice checks'],
    ['sec-roles', `Roles and principals (${lists.principalCount})`],
    ['sec-gateways', 'Gateways'],
    ...(postureShown(report) ? [['sec-posture', 'Gateway posture'] as [string, string]] : []),
    ['sec-managers', 'Gateway managers'],
    ['sec-principals', 'Per principal'],
    ...(report.sources.unmappedEvents.length > 0
      ? [['sec-unmapped', 'CloudTrail events not mapped'] as [string, string]]
      : []),
  ];
  const activity = report.sources.activity
    ? `${esc(report.sources.activity.kind)} (${esc(report.sources.activity.description)})`
    : 'none — used and unused actions are unknown';
  // An account name is written by the member's own administrators: text, escaped, never markup.
  const whose = page ? ` — ${page.account.name} (${page.account.id})` : '';
  yield `${pageHead(`gatewarden access report${whose} ${report.generatedAt.slice(0, 10)}`)}
<body>
${page ? `<p id="breadcrumb">${page.summaryHref === undefined ? 'Organization' : `<a href="${esc(page.summaryHref)}">Organization summary</a>`} › <span class="account-name">${esc(page.account.name)}</span> <code>${esc(page.account.id)}</code></p>\n` : ''}<h1 id="top">gatewarden access report${esc(whose)}</h1>
<p>Generated ${esc(report.generatedAt)} · window ${report.window.days} days · accounts ${esc(report.accountIds.join(', ') || 'unknown')}${report.region ? ` · region ${esc(report.region)}` : ''}</p>
<p class="muted">IAM: ${esc(report.sources.iam)} · inventory: ${esc(report.sources.inventory)} · activity: ${activity} · ${report.sources.eventsRead} events read, ${report.sources.eventsAttributed} attributed${report.sources.eventsOutOfScope ? `, ${report.sources.eventsOutOfScope} of callers outside the reported principals left out` : ''}</p>
${toc(sections)}
<h2 id="sec-summary">Summary</h2>
${inputNotes(report)}
<p><strong>${s.roles}</strong> roles, <strong>${s.principals}</strong> other principals, <strong>${s.gateways}</strong> gateways${s.skippedServiceLinkedRoles > 0 ? `, ${s.skippedServiceLinkedRoles} service-linked roles skipped` : ''} ·
findings: <span class="sev-critical">&nbsp;${s.findings.critical} critical&nbsp;</span> <span class="sev-high">&nbsp;${s.findings.high} high&nbsp;</span> <span class="sev-medium">&nbsp;${s.findings.medium} medium&nbsp;</span> <span class="sev-low">&nbsp;${s.findings.low} low&nbsp;</span></p>
${labelledNote(report)}
`;
  yield findingsChart(report, lists.findings());
  yield `
<h2 id="sec-usage">Granted vs used</h2>
`;
  yield usageChart(lists.principals());
  yield `
<h2 id="sec-findings">Findings</h2>
`;
  yield* findings;
  yield `
<h2 id="sec-checks">Best-practice checks</h2>
${checks}
<h2 id="sec-roles">Roles and principals</h2>
`;
  yield* rolesTable(lists);
  yield `
<h2 id="sec-gateways">Gateways</h2>
${gateways}
${postureHtml(report, esc, wrapArn, docLink)}
<h2 id="sec-managers">Gateway managers</h2>
${managers}
<h2 id="sec-principals">Per principal: which policy grants what, and what to do</h2>
<div id="principals">
`;
  yield* rowsOf(lists.principals(), (r, i) => principalSection(r, i));
  yield `
</div>
${unmapped}
${PAGE_END}`;
}
