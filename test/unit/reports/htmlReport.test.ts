/**
 * The HTML report's structure, without a browser: contents, chart, wrapped ARNs, the checks'
 * notes, and documentation links that are links only (the layout itself is checked in
 * headless Chromium by test/integration/reports/htmlLayout.test.ts).
 */
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { CHECKS } from '../../../lib/reports/checks.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { POSTURE_CHECK_TITLES } from '../../../lib/reports/postureChecks.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { esc, wrapArn } from '../../../lib/reports/render/htmlPrincipal.js';
import { docLinkFor, LINKED_CHECKS } from '../../../lib/reports/render/remediationLinks.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;

let report: AccessReport;
let html: string;

beforeAll(async () => {
  report = await generateReport({
    iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
    activity: new DirectoryActivitySource(`${fixtures}trail`),
    catalog: new IamDataCatalog(),
    now: () => new Date('2026-11-28T00:00:00Z'),
  });
  html = renderHtml(report);
}, 60_000);

describe('HTML report', () => {
  it('wraps an ARN after each / and : and nowhere else', () => {
    expect(wrapArn('arn:aws:iam::111122223333:role/a/b<x>')).toBe(
      'arn:<wbr>aws:<wbr>iam:<wbr>:<wbr>111122223333:<wbr>role/<wbr>a/<wbr>b&#60;x&#62;',
    );
  });

  it('has a table of contents whose every link names a heading of the page', () => {
    const toc = /<nav id="toc"[^]*?<\/nav>/.exec(html)?.[0] ?? '';
    const targets = [...toc.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThanOrEqual(9);
    for (const id of targets) expect(html).toMatch(new RegExp(`<h2 id="${id}"`));
  });

  it('charts every check with findings, its bar as long as its count', () => {
    const counts = new Map<string, number>();
    for (const f of report.findings) counts.set(f.checkId, (counts.get(f.checkId) ?? 0) + 1);
    const rows = [
      ...html.matchAll(/<div class="chart-row" data-check="([^"]+)">[^]*?<\/svg>/g),
    ].map((m) => [
      m[1],
      [...m[0].matchAll(/<rect [^>]*width="(\d+)"/g)].reduce((n, r) => n + Number(r[1]), 0),
    ]);
    expect(counts.size).toBeGreaterThan(1);
    expect(new Map(rows as [string, number][])).toEqual(counts);
  });

  it('names the resources of each failed check in its note', () => {
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    for (const check of failed) {
      const row = new RegExp(
        `<tr><td>${esc(check.title).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>[^]*?</tr>`,
      ).exec(html.replace(/<wbr>/g, ''))?.[0];
      const first = report.findings.find((f) => f.checkId === check.checkId)?.resource ?? '';
      expect(row).toContain(first.replace(/&/g, '&#38;'));
    }
  });

  it('links each finding to AWS documentation, and loads nothing from anywhere', () => {
    const links = [...html.matchAll(/<a class="doc" href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(report.findings.length);
    expect(links.every((l) => l?.startsWith('https://docs.aws.amazon.com/'))).toBe(true);
    // Only <a href> may hold a URL: no src, no stylesheet, no CSS url().
    expect(html).not.toMatch(/\ssrc="?https?:/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/,
    );
  });

  it('has a page of its own for each check but the gateway posture ones', () => {
    const own = Object.keys(CHECKS).filter((id) => !(id in POSTURE_CHECK_TITLES));
    expect(own.filter((id) => !LINKED_CHECKS.includes(id))).toEqual([]);
    for (const id of Object.keys(POSTURE_CHECK_TITLES))
      expect(docLinkFor(id).url).toContain('bedrock-agentcore');
  });
});
