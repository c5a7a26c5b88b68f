import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { generateReport } from '../../../lib/reports/report.js';

const CHROMIUM = '/usr/bin/chromium';
const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;

/** Debian's chromium, installed here when missing (as the CI runner does). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'],
    {
      stdio: 'inherit',
      timeout: 600_000,
    },
  );
}

describe('report HTML in headless Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    ensureChromium();
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
      activity: new DirectoryActivitySource(`${fixtures}trail`),
      catalog: new IamDataCatalog(),
      now: () => new Date('2026-11-28T00:00:00Z'),
    });
    file = join(await mkdtemp(join(tmpdir(), 'gw-html-')), 'report.html');
    await writeFile(file, renderHtml(report));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders with no console errors, no network requests, the tables and the chart; headers sort', async () => {
    // Prepare
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });

    // Act
    await page.goto(`file://${file}`);

    // Assess: self-contained, and it rendered.
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    for (const id of ['findings', 'checks', 'roles', 'managers']) {
      expect(await page.locator(`#${id} tbody tr`).count()).toBeGreaterThan(0);
    }
    expect(await page.locator('svg[role=img] rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#roles').isVisible()).toBe(true);

    // Sorting: click "Granted" → ascending numerically, again → descending.
    const granted = () =>
      page
        .locator('#roles tbody tr td:nth-child(4)')
        .allTextContents()
        .then((t) => t.map(Number));
    const header = page.locator('#roles th', { hasText: 'Granted' });
    await header.click();
    const ascending = await granted();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    await header.click();
    const descending = await granted();
    expect(descending).toEqual([...ascending].sort((a, b) => b - a));
    expect(descending[0]).toBe(22091);

    // Severity sorts by rank, not alphabetically.
    await page.locator('#findings th', { hasText: 'Severity' }).click();
    const severities = await page.locator('#findings tbody tr td:first-child').allTextContents();
    expect(severities[0]).toBe('critical');
    expect(severities[severities.length - 1]).toBe('info');
    expect(problems).toEqual([]);
  });
});
