import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { writeOrganizationOutput } from '../../../cli/commands/reportOrganization.js';
import { organizationReport, type MemberOutcome } from '../../../lib/reports/organization.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { launchChromium } from '../../support/chromium.js';
import { REALISTIC_ACCOUNT, writeRealisticExport } from '../../support/realisticIamExport.js';

/**
 * The HTML report's layout in headless Chromium, at a desktop width (1440 px) and a phone width
 * (390 px), for a large realistic account (1,500 roles, the mix of realisticIamExport.ts, with
 * CloudTrail usage): no horizontal scroll of the page, the table of contents resolves, the
 * findings chart is there as inline SVG, ARNs wrap between their parts, and nothing is fetched.
 */
const ROLES = 1_500;
const WIDTHS = [1440, 390];

describe('report HTML layout in headless Chromium (1,500 realistic roles)', () => {
  let browser: Browser;
  let file: string;
  let report: AccessReport;
  let organizationDir: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-html-layout-'));
    // A trail that covers the report's 90-day window (2026-08-30 → 2026-11-28).
    const input = await writeRealisticExport(dir, {
      roles: ROLES,
      trailRecords: 6_000,
      trailDays: { last: '2026-11-27', days: 90 },
    });
    report = await generateReport({
      iam: new AuthorizationDetailsFile(input.iam),
      activity: new DirectoryActivitySource(input.trail ?? ''),
      catalog: new IamDataCatalog(),
      now: () => new Date('2026-11-28T00:00:00Z'),
    });
    file = join(dir, 'report.html');
    await writeFile(file, renderHtml(report));
    // The organization's pages: six members with this account's report (names as long as
    // Organizations allows, with no space to break at) and one that could not be read.
    const members: MemberOutcome<AccessReport>[] = Array.from({ length: 6 }, (_, i) => ({
      account: {
        id: String(100000000000 + i),
        name: `member-${i}-${'x'.repeat(41)}`,
        status: 'ACTIVE',
      },
      ok: true,
      value: report,
      ms: 1,
    }));
    members.push({
      account: { id: '999999999999', name: 'unreadable', status: 'ACTIVE' },
      ok: false,
      reason: `AccessDenied: not authorized to perform sts:AssumeRole on arn:aws:iam::999999999999:role/${'r'.repeat(60)}`,
      ms: 1,
    });
    organizationDir = join(dir, 'organization');
    await mkdir(organizationDir);
    await writeOrganizationOutput(
      organizationDir,
      organizationReport(members, new Date('2026-11-28T01:00:00Z')),
      members,
    );
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(width: number, path = file): Promise<{ page: Page; fetched: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const fetched: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) fetched.push(r.url());
    });
    await page.goto(`file://${path}`);
    return { page, fetched };
  }

  // Evaluated in the page (strings: this project's TypeScript has no DOM types).
  const overflow = (page: Page) =>
    page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })',
    );

  it.each(WIDTHS)(
    'at %i px the page never scrolls sideways, even with sections open',
    async (width) => {
      // Prepare
      const { page, fetched } = await open(width);

      // Act: as loaded, then with 200 <details> open (principals, long lists, policies).
      const closed = await overflow(page);
      await page.evaluate(
        "document.querySelectorAll('details').forEach((d, i) => { if (i < 200) d.open = true; })",
      );
      const opened = await overflow(page);

      // Assess
      expect(closed.innerWidth).toBe(width);
      expect(closed.scrollWidth).toBeLessThanOrEqual(closed.innerWidth);
      expect(opened.scrollWidth).toBeLessThanOrEqual(opened.innerWidth);
      expect(fetched).toEqual([]);
    },
  );

  it('every table-of-contents link resolves to a heading, and following one scrolls there', async () => {
    // Prepare
    const { page, fetched } = await open(1440);

    // Act
    const targets = await page.evaluate<{ id: string; found: string | null }[]>(
      "[...document.querySelectorAll('#toc a')].map((a) => { const id = a.getAttribute('href').slice(1); const e = document.getElementById(id); return { id, found: e ? e.tagName : null }; })",
    );
    await page.locator('#toc a[href="#sec-checks"]').click();
    const top = await page.locator('#sec-checks').evaluate((e) => e.getBoundingClientRect().top);

    // Assess
    expect(targets.length).toBeGreaterThanOrEqual(9);
    expect(targets.filter((t) => t.found !== 'H2')).toEqual([]);
    expect(Math.abs(top)).toBeLessThan(5);
    expect(fetched).toEqual([]);
  });

  it('charts findings by check and severity in inline SVG, one bar per check with findings', async () => {
    // Prepare
    const { page, fetched } = await open(390);
    const expected = new Map<string, number>();
    for (const f of report.findings) expected.set(f.checkId, (expected.get(f.checkId) ?? 0) + 1);

    // Act
    const rows = await page.$$eval('#findings-chart .chart-row', (list) =>
      list.map((row) => ({
        check: row.getAttribute('data-check'),
        total: [...row.querySelectorAll('svg.chart-bar rect')].reduce(
          (n, r) => n + Number(r.getAttribute('width')),
          0,
        ),
        width: row.querySelector('svg.chart-bar')?.getBoundingClientRect().width ?? 0,
      })),
    );

    // Assess
    expect(report.findings.length).toBeGreaterThan(100);
    expect(new Map(rows.map((r) => [r.check, r.total]))).toEqual(expected);
    expect(rows.every((r) => r.width > 0)).toBe(true);
    expect(fetched).toEqual([]);
  });

  it('wraps ARNs after / and :, names the resources of failed checks, links fixes to AWS docs', async () => {
    // Prepare
    const { page, fetched } = await open(390);
    const failed = report.checks.find((c) => c.checkId === 'high-risk-grant');
    const resource = report.findings.find((f) => f.checkId === 'high-risk-grant')?.resource;

    // Act
    const arnHtml = await page.locator('#roles tbody tr .muted').first().innerHTML();
    const note = await page
      .locator('#checks tbody tr', { hasText: failed?.title ?? 'none' })
      .locator('td')
      .nth(2)
      .textContent();
    const links = await page.$$eval('#findings a.doc', (list) =>
      list.map((a) => a.getAttribute('href') ?? ''),
    );

    // Assess
    expect(arnHtml).toMatch(
      new RegExp(`^arn:<wbr>aws:<wbr>iam:<wbr>:<wbr>${REALISTIC_ACCOUNT}:<wbr>role/<wbr>`),
    );
    expect(failed?.status).toBe('fail');
    expect(note).toContain(resource);
    expect(note).toMatch(/and \d+ more/);
    expect(links.length).toBe(report.findings.length);
    expect(links.every((href) => href.startsWith('https://docs.aws.amazon.com/'))).toBe(true);
    expect(fetched).toEqual([]);
  });

  describe('the organization’s pages', () => {
    it.each(WIDTHS)(
      'at %i px neither the summary nor an account page scrolls sideways',
      async (width) => {
        for (const path of ['organization.html', '100000000000/report.html']) {
          // Act
          const { page, fetched } = await open(width, join(organizationDir, path));
          const size = await overflow(page);

          // Assess
          expect(size.scrollWidth).toBeLessThanOrEqual(size.innerWidth);
          expect(fetched).toEqual([]);
        }
      },
    );

    it('the summary’s contents resolve, its chart has a bar per read account, its links reach each account and back', async () => {
      // Prepare
      const { page, fetched } = await open(1440, join(organizationDir, 'organization.html'));

      // Act
      const targets = await page.evaluate<{ id: string; found: string | null }[]>(
        "[...document.querySelectorAll('#toc a')].map((a) => { const id = a.getAttribute('href').slice(1); const e = document.getElementById(id); return { id, found: e ? e.tagName : null }; })",
      );
      const bars = await page.$$eval('#findings-chart .chart-row', (list) =>
        list.map((row) => row.getAttribute('data-account')),
      );
      const unreadable = await page.locator('#not-readable').textContent();
      await page.locator('#accounts a', { hasText: 'member-3-' }).click();
      await page.waitForURL(/100000000003\/report\.html$/);
      const heading = await page.locator('h1').textContent();
      await page.locator('#breadcrumb a').click();
      await page.waitForURL(/organization\.html$/);

      // Assess
      expect(targets).toHaveLength(4);
      expect(targets.filter((t) => t.found !== 'H2')).toEqual([]);
      expect(bars).toHaveLength(6);
      expect(unreadable).toContain('999999999999');
      expect(heading).toContain('(100000000003)');
      expect(fetched).toEqual([]);
      await page.close();
    });
  });
});
