import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { parseLabelRule } from '../../../lib/reports/labels.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport, streamReport, type ReportDeps } from '../../../lib/reports/report.js';
import { writeReportFiles } from '../../../lib/reports/reportFiles.js';
import { ReportSpool } from '../../../lib/reports/ReportSpool.js';
import { writeRealisticExport, type RealisticExport } from '../../support/realisticIamExport.js';

// The CLI writes the report as it is made (ReportSpool + streamed writers) so that 150,000
// roles fit in memory; what it writes must be what the in-memory renderers give, byte for byte.
const catalog = new IamDataCatalog();
let input: RealisticExport;
const now = new Date();

beforeAll(async () => {
  input = await writeRealisticExport(mkdtempSync(join(tmpdir(), 'streamed-report-')), {
    roles: 160,
    trailRecords: 1_500,
    // A trail that covers the 90-day window (usage known).
    trailDays: { last: now.toISOString().slice(0, 10), days: 91 },
  });
}, 60_000);

const options = {
  days: 90,
  labels: [
    parseLabelRule('arn:aws:iam::*:user/*=people'),
    parseLabelRule('arn:aws:iam::*:role/*gateway*=gateways'),
    parseLabelRule('arn:aws:iam::*:role/nothing-matches=none'),
  ],
};

function deps(withTrail: boolean): ReportDeps {
  return {
    iam: new AuthorizationDetailsFile(input.iam),
    catalog,
    now: () => now,
    ...(withTrail && input.trail !== undefined
      ? { activity: new DirectoryActivitySource(input.trail) }
      : {}),
  };
}

describe('streamed report files', () => {
  it.each([
    ['with a trail', true],
    ['without usage', false],
  ])(
    '%s: JSON, Markdown and HTML are byte-identical to the in-memory report',
    async (_, trail) => {
      // Prepare
      const whole = await generateReport(deps(trail), options);
      const out = mkdtempSync(join(tmpdir(), 'streamed-out-'));
      const spool = new ReportSpool();

      // Act
      try {
        const head = await streamReport(deps(trail), options, spool);
        writeReportFiles(head, spool, ['json', 'md', 'html'], out);
      } finally {
        spool.dispose();
      }

      // Assess
      expect(whole.roles.length).toBeGreaterThan(100);
      expect(whole.findings.length).toBeGreaterThan(100);
      expect(whole.summary.labelled?.principals).toBeGreaterThan(0);
      expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe(
        `${JSON.stringify(whole, null, 2)}\n`,
      );
      expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe(renderMarkdown(whole));
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe(renderHtml(whole));
    },
    120_000,
  );

  it('leaves no temporary file behind', async () => {
    // Prepare
    const parent = mkdtempSync(join(tmpdir(), 'streamed-spool-'));
    const spool = new ReportSpool(parent);

    // Act
    await streamReport(deps(true), options, spool);
    const during = readdirSync(parent);
    spool.dispose();

    // Assess
    expect(during).toHaveLength(1);
    expect(readdirSync(parent)).toEqual([]);
  }, 120_000);

  it('sorts findings that differ only in their message as the in-memory report does', () => {
    // Prepare
    const spool = new ReportSpool();
    const base = { checkId: 'high-risk-grant', severity: 'high' as const, resource: 'arn:r' };

    // Act
    for (const message of ['b second', 'a first', 'c third'])
      spool.finding({ ...base, id: message, message });
    spool.finding({ ...base, severity: 'critical', id: 'z', message: 'z' });
    spool.sortFindings();
    const order = [...spool.findings()].map((f) => f.message);
    spool.dispose();

    // Assess
    expect(order).toEqual(['z', 'a first', 'b second', 'c third']);
  });
});
