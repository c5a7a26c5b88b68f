/**
 * The organization report's HTML: a summary page over the accounts (each with its findings by
 * severity, the unreadable ones with their reason, links to each account's page) and one page
 * per member, the single-account page with the account named and a link back. Account names
 * come from the members' own administrators: text, never markup.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOrganizationOutput } from '../../../cli/commands/reportOrganization.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import {
  organizationReport,
  type MemberAccount,
  type MemberOutcome,
} from '../../../lib/reports/organization.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import {
  organizationPages,
  renderOrganizationHtml,
  SUMMARY_FINDINGS,
} from '../../../lib/reports/render/htmlOrganization.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const HOSTILE = '<img src=x onerror=alert(1)>*pay*';
const orders: MemberAccount = { id: '111122223333', name: 'orders', status: 'ACTIVE' };
const hostile: MemberAccount = { id: '222233334444', name: HOSTILE, status: 'ACTIVE' };
const broken: MemberAccount = { id: '999988887777', name: 'sandbox', status: 'ACTIVE' };

let report: AccessReport;
let members: MemberOutcome<AccessReport>[];

beforeAll(async () => {
  report = await generateReport({
    iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
    activity: new DirectoryActivitySource(`${fixtures}trail`),
    catalog: new IamDataCatalog(),
    now: () => new Date('2026-11-28T00:00:00Z'),
  });
  members = [
    { account: orders, ok: true, value: report, ms: 1 },
    { account: hostile, ok: true, value: report, ms: 1 },
    { account: broken, ok: false, reason: 'AccessDenied <b>', ms: 1 },
  ];
}, 60_000);

const summary = () => organizationReport(members, new Date('2026-11-28T01:00:00Z'));
const page = (path: string) => organizationPages(summary(), members).find((p) => p.path === path);

describe('the organization summary page', () => {
  it('lists every account with its findings by severity, linking the reported ones', () => {
    // Act
    const html = renderOrganizationHtml(summary());

    // Assess
    const rows = [...html.matchAll(/<table id="accounts"[^]*?<\/table>/g)][0]?.[0] ?? '';
    const lines = [...rows.matchAll(/<tr><td[^]*?<\/tr>/g)].map((m) => m[0]);
    expect(lines).toHaveLength(3);
    const cell = (line: string, i: number) =>
      [...line.matchAll(/<td[^>]*>([^]*?)<\/td>/g)].map((m) => m[1])[i];
    const expected = ['critical', 'high', 'medium', 'low', 'info'].map((sev) =>
      String(report.findings.filter((f) => f.severity === sev).length),
    );
    for (const line of lines.slice(0, 2)) {
      expect([3, 4, 5, 6, 7].map((i) => cell(line, i))).toEqual(expected);
      expect(cell(line, 8)).toBe(String(report.findings.length));
    }
    expect(report.findings.length).toBeGreaterThan(0);
    expect(lines[0]).toContain('href="111122223333/report.html"');
    expect(lines[1]).toContain('href="222233334444/report.html"');
    // The unreadable account: its reason, no link (it has no page), unknown rather than zero.
    expect(lines[2]).not.toContain('href=');
    expect(lines[2]).toContain('not readable: AccessDenied &#60;b&#62;');
    expect(cell(lines[2] ?? '', 3)).toBe('unknown');
  });

  it('keeps the most severe findings when there are too many for one page, and says so', () => {
    // Prepare: enough accounts that their findings pass the summary's limit.
    const many: MemberOutcome<AccessReport>[] = Array.from(
      { length: Math.ceil(SUMMARY_FINDINGS / report.findings.length) + 1 },
      (_, i) => ({
        account: { id: String(100000000000 + i), name: `m${i}`, status: 'ACTIVE' },
        ok: true,
        value: report,
        ms: 1,
      }),
    );
    const all = many.length * report.findings.length;

    // Act
    const html = renderOrganizationHtml(organizationReport(many, new Date()));

    // Assess
    const table = /<table id="findings"[^]*?<\/table>/.exec(html)?.[0] ?? '';
    expect([...table.matchAll(/<tr><td/g)]).toHaveLength(SUMMARY_FINDINGS);
    expect(html).toContain(`The ${SUMMARY_FINDINGS} most severe of ${all} findings`);
    const worst = report.findings.filter((f) => f.severity === 'critical').length * many.length;
    expect([...table.matchAll(/class="sev-critical"/g)]).toHaveLength(
      Math.min(worst, SUMMARY_FINDINGS),
    );
  });

  it('says which accounts could not be read, before any number', () => {
    const html = renderOrganizationHtml(summary());
    const warning = /<div class="warn" id="not-readable">[^]*?<\/div>/.exec(html)?.[0] ?? '';
    expect(warning).toContain('999988887777');
    expect(warning).toContain('sandbox');
    expect(html.indexOf('id="not-readable"')).toBeLessThan(html.indexOf('id="findings-chart"'));
  });

  it('charts each reported account’s findings by severity, its bar as long as its count', () => {
    const html = renderOrganizationHtml(summary());
    const bars = [
      ...html.matchAll(/<div class="chart-row" data-account="(\d+)">[^]*?<\/svg>/g),
    ].map((m) => [
      m[1],
      [...m[0].matchAll(/<rect [^>]*width="(\d+)"/g)].reduce((n, r) => n + Number(r[1]), 0),
    ]);
    expect(bars).toEqual([
      [orders.id, report.findings.length],
      [hostile.id, report.findings.length],
    ]);
  });

  it('lists the most severe findings, each naming its account, and has contents naming its headings', () => {
    const html = renderOrganizationHtml(summary());
    const table = /<table id="findings"[^]*?<\/table>/.exec(html)?.[0] ?? '';
    const rows = [...table.matchAll(/<tr><td[^>]*class="sev-(\w+)"/g)].map((m) => m[1]);
    const all = 2 * report.findings.length;
    expect(rows).toHaveLength(Math.min(all, SUMMARY_FINDINGS));
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    expect(rows).toEqual([...rows].sort((a, b) => order.indexOf(a ?? '') - order.indexOf(b ?? '')));
    expect(table).toContain('<code>111122223333</code>');
    const toc = /<nav id="toc"[^]*?<\/nav>/.exec(html)?.[0] ?? '';
    const targets = [...toc.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(targets).toHaveLength(4);
    for (const id of targets) expect(html).toMatch(new RegExp(`<h2 id="${id}"`));
  });

  it('shows a hostile account name as text on every page, never as markup', () => {
    const pages = organizationPages(summary(), members);
    for (const { html } of pages) {
      expect(html).not.toContain('<img');
      expect(html).not.toMatch(/src=["']?http/);
    }
    expect(page('organization.html')?.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(page('222233334444/report.html')?.html).toContain(
      '&#60;img src=x onerror=alert(1)&#62;',
    );
  });
});

describe('an account’s page', () => {
  it('is the single-account report, naming the account and linking back to the summary', () => {
    // Act
    const html = page('111122223333/report.html')?.html ?? '';

    // Assess
    expect(html).toContain('<a href="../organization.html">Organization summary</a>');
    expect(html).toContain('<h1 id="top">gatewarden access report — orders (111122223333)</h1>');
    const findingsOf = (h: string) => /<table id="findings"[^]*?<\/table>/.exec(h)?.[0];
    expect(findingsOf(html)).toBe(findingsOf(renderHtml(report)));
  });

  it('exists for each reported account only', () => {
    expect(organizationPages(summary(), members).map((p) => p.path)).toEqual([
      'organization.html',
      '111122223333/report.html',
      '222233334444/report.html',
    ]);
  });

  it('loads nothing from anywhere: the same Content-Security-Policy as the account report', () => {
    const csp = (h: string) =>
      /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(h)?.[1];
    for (const { html } of organizationPages(summary(), members)) {
      expect(csp(html)).toBe(csp(renderHtml(report)));
      expect(csp(html)).toMatch(/^default-src &#39;none&#39;/);
    }
  });
});

describe('gatewarden report --organization --out', () => {
  it('writes the summary and each read account’s page beside their JSON', async () => {
    // Prepare
    const out = await mkdtemp(join(tmpdir(), 'gw-org-out-'));

    // Act
    await writeOrganizationOutput(out, summary(), members);

    // Assess
    expect((await readdir(out)).sort()).toEqual([
      '111122223333',
      '222233334444',
      'organization.html',
      'organization.json',
    ]);
    expect((await readdir(join(out, orders.id))).sort()).toEqual(['report.html', 'report.json']);
    const html = await readFile(join(out, 'organization.html'), 'utf8');
    for (const href of html.matchAll(/href="(\d{12}\/report\.html)"/g)) {
      const target = await readFile(join(out, href[1] ?? ''), 'utf8');
      expect(target).toContain('href="../organization.html"');
    }
  });
});
