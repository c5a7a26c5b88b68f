import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { launchChromium } from '../../support/chromium.js';
import { dailyRecords } from '../../support/dailyRecords.js';
import { LARGE_ACCOUNT, largeRoleName, writeLargeExport } from '../../support/largeIamExport.js';

/**
 * The HTML report in a real headless Chromium (the build `@sparticuz/chromium` ships inside its
 * npm package, unpacked to the temp folder: nothing to install but `npm ci`): a large
 * export (520 roles) loads without errors or network requests, its tables sort and filter,
 * and what it shows is honest (linear bars, "usage unknown", full names, per-role grants).
 */
const ROLES = 520;

async function open(browser: Browser, file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request ${r.url()}`);
  });
  await page.goto(`file://${file}`);
  return { page, problems };
}

describe('report HTML in headless Chromium (520 roles)', () => {
  let browser: Browser;
  let withUsage: string;
  let withoutUsage: string;
  let report: AccessReport;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-html-'));
    const input = await writeLargeExport(dir, ROLES);
    // Records every day of the window besides the roles' calls: the trail covers it.
    await writeFile(
      join(input.trail, 'daily.json'),
      JSON.stringify({ Records: dailyRecords(LARGE_ACCOUNT, '2026-08-30', '2026-11-27') }),
    );
    const now = () => new Date('2026-11-28T00:00:00Z');
    const deps = {
      iam: new AuthorizationDetailsFile(input.iam),
      catalog: new IamDataCatalog(),
      now,
    };
    report = await generateReport({ ...deps, activity: new DirectoryActivitySource(input.trail) });
    withUsage = join(dir, 'with-usage.html');
    await writeFile(withUsage, renderHtml(report));
    withoutUsage = join(dir, 'without-usage.html');
    await writeFile(withoutUsage, renderHtml(await generateReport(deps)));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads self-contained, with every role, the skipped and missing inputs said', async () => {
    // Act
    const started = Date.now();
    const { page, problems } = await open(browser, withUsage);
    const loadMs = Date.now() - started;

    // Assess
    expect(report.roles).toHaveLength(ROLES - 1);
    expect(await page.locator('#roles tbody tr').count()).toBe(ROLES - 1);
    expect(await page.locator('#roles-count').textContent()).toBe(
      `${ROLES - 1} of ${ROLES - 1} shown`,
    );
    expect(await page.locator('details.role').count()).toBe(ROLES - 1);
    expect(loadMs).toBeLessThan(15_000);
    await expect(page.locator('body').textContent()).resolves.toContain(
      'Skipped 1 AWS service-linked role(s)',
    );
    expect(await page.locator('.warn', { hasText: 'boundary' }).first().textContent()).toContain(
      'policy/NotExported',
    );
    expect(problems).toEqual([]);
  });

  it('sorts numerically and by severity rank', async () => {
    // Prepare
    const { page, problems } = await open(browser, withUsage);
    const granted = async () =>
      (await page.locator('#roles tbody tr td:nth-child(4)').allTextContents()).map(Number);
    // The 4th column; its accessible name changes with the sort arrow.
    const header = page.locator('#roles thead th').nth(3);

    // Act
    await header.click();
    const ascending = await granted();
    await header.click();
    const descending = await granted();
    await page.locator('#findings').getByRole('columnheader', { name: 'Severity' }).click();
    const severities = await page.locator('#findings tbody tr td:first-child').allTextContents();

    // Assess
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect(descending).toEqual([...ascending].reverse());
    expect(descending[0]).toBeGreaterThan(20_000);
    expect(await page.locator('#roles tbody tr').first().textContent()).toContain('svc-1');
    expect(severities.length).toBeGreaterThan(0);
    const rank = ['critical', 'high', 'medium', 'low', 'info'];
    const ranks = severities.map((s) => rank.indexOf(s));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(problems).toEqual([]);
  });

  it('filters rows by every typed word and says how many are shown', async () => {
    // Prepare
    const { page, problems } = await open(browser, withUsage);
    const filter = page.locator('input[data-filter=roles]');
    const longNamed = Array.from({ length: ROLES }, (_, i) => i).filter((i) => i % 25 === 8);

    // Act
    await filter.fill('very-long-name');
    const visible = await page.locator('#roles tbody tr:not([hidden])').count();
    const count = await page.locator('#roles-count').textContent();
    await filter.fill('very-long-name execution');
    const both = await page.locator('#roles tbody tr:not([hidden])').count();
    await filter.fill('');
    const cleared = await page.locator('#roles tbody tr:not([hidden])').count();

    // Assess
    expect(visible).toBe(longNamed.length);
    expect(count).toBe(`${longNamed.length} of ${ROLES - 1} shown`);
    expect(both).toBe(longNamed.filter((i) => i % 4 === 0).length);
    expect(cleared).toBe(ROLES - 1);
    expect(problems).toEqual([]);
  });

  it('shows full names, linear bars, and per role which policy grants what', async () => {
    // Prepare
    const { page, problems } = await open(browser, withUsage);
    const longName = largeRoleName(58);

    // Assess: the full name, not an ellipsis.
    expect(await page.locator('#chart').textContent()).toContain(largeRoleName(8));
    expect(await page.locator('#roles').textContent()).toContain(longName);
    // Linear: the admin role used 1 of ~22,000 actions, its green bar is under 1% wide.
    const adminRow = page.locator('#chart tbody tr', { hasText: 'svc-1' }).first();
    const barWidth = await adminRow
      .locator('.bar')
      .evaluate((e) => e.getBoundingClientRect().width);
    const usedWidth = await adminRow
      .locator('.bar > span')
      .evaluate((e) => e.getBoundingClientRect().width);
    expect(barWidth).toBeGreaterThan(50);
    expect(usedWidth / barWidth).toBeLessThan(0.01);
    expect(await adminRow.locator('.bar-label').textContent()).toMatch(/^1 \/ \d{5} \(<0\.1%\)$/);

    // Act: open one role's view.
    // The role table links each name to its section.
    const sectionOf = async (name: string) =>
      page.locator(
        (await page
          .locator('#roles a')
          .filter({ hasText: new RegExp(`^${name}$`) })
          .getAttribute('href')) ?? 'none',
      );
    const section = await sectionOf(longName);
    expect(await section.getAttribute('open')).toBeNull();
    await section.locator(':scope > summary').click();

    // Assess: which policy grants what, the used count per statement, the recommendation.
    const grants = section.locator('table.grants tbody tr');
    expect(await grants.count()).toBe(3);
    expect(await grants.first().textContent()).toContain('inline:inline-58');
    expect(await section.locator('table.grants').isVisible()).toBe(true);
    expect(await section.locator('.validation').first().textContent()).toMatch(/Valid \(grammar/);
    expect(await section.locator('details.diff').count()).toBe(1);
    expect(await section.locator('table.kept').textContent()).toContain('s3:GetObject');
    // The admin's unused list (22,000 actions) is collapsed behind its count.
    const admin = await sectionOf('svc-1');
    await admin.locator(':scope > summary').click();
    const unused = admin.locator('details.long', { hasText: 'Unused' });
    expect(await unused.locator('summary').textContent()).toMatch(/^Unused \(\d+\)$/);
    expect(await unused.getAttribute('open')).toBeNull();
    // An idle role says so and gets no policy.
    const idle = await sectionOf(largeRoleName(15));
    await idle.locator(':scope > summary').click();
    expect(await idle.locator('.warn.idle').textContent()).toContain('Idle: no call in the window');
    expect(problems).toEqual([]);
  });

  it('without a usage source shows "usage unknown", never 0/N bars', async () => {
    // Act
    const { page, problems } = await open(browser, withoutUsage);

    // Assess
    expect(await page.locator('#usage-unknown').isVisible()).toBe(true);
    expect(await page.locator('#chart .bar.unknown').count()).toBe(40);
    expect(await page.locator('.bar:not(.unknown)').count()).toBe(0);
    expect(await page.locator('#chart').textContent()).not.toMatch(/\b0 \/ \d+/);
    const usedColumn = await page.locator('#roles tbody tr td:nth-child(5)').allTextContents();
    expect(new Set(usedColumn)).toEqual(new Set(['unknown']));
    expect(problems).toEqual([]);
  });
});
