import { severities, type Severity } from '../../detection/types.js';
import type { AccessReport, ReportFinding } from '../reportTypes.js';
import { esc } from './htmlPrincipal.js';

/** Bar colours by severity (the same hues as the severity badges, darker to read as bars). */
const COLOURS: Record<Severity, string> = {
  critical: '#a40e26',
  high: '#e5534b',
  medium: '#d4a72c',
  low: '#54aeff',
  info: '#8c959f',
};

/** Counts by severity, all zero. */
export function noFindings(): Record<Severity, number> {
  return Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
}

/** One bar of a severity chart: what it counts (`key`, a data attribute) and its label (HTML). */
export interface SeverityBar {
  key: string;
  labelHtml: string;
  counts: Record<Severity, number>;
}

const total = (r: Record<Severity, number>) => severities.reduce((n, s) => n + r[s], 0);

/**
 * Stacked severity bars as inline SVG, on one linear scale, most findings first. Each bar is
 * an SVG of its own that stretches to its row, so the chart fits a phone as well as a desktop
 * without scrolling sideways. `dataName` names the data attribute that carries each bar's key.
 */
export function severityChart(
  heading: string,
  dataName: 'check' | 'account',
  bars: readonly SeverityBar[],
): string {
  const rows = bars
    .filter((b) => total(b.counts) > 0)
    .sort((a, b) => total(b.counts) - total(a.counts) || a.key.localeCompare(b.key));
  const title = `<h2 id="sec-chart">${esc(heading)}</h2>`;
  if (rows.length === 0) return `${title}\n<p class="muted">No findings.</p>`;
  const max = Math.max(...rows.map((r) => total(r.counts)));
  const legend = severities
    .map(
      (s) =>
        `<span class="legend"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${COLOURS[s]}"/></svg> ${s}</span>`,
    )
    .join(' ');
  const html = rows
    .map(({ key, labelHtml, counts: r }) => {
      let x = 0;
      const rects = severities
        .filter((s) => r[s] > 0)
        .map((s) => {
          const rect = `<rect x="${x}" y="0" width="${r[s]}" height="1" fill="${COLOURS[s]}"><title>${r[s]} ${s}</title></rect>`;
          x += r[s];
          return rect;
        })
        .join('');
      const label = severities
        .filter((s) => r[s] > 0)
        .map((s) => `${r[s]} ${s}`)
        .join(', ');
      return `<div class="chart-row" data-${dataName}="${esc(key)}"><span class="chart-label">${labelHtml}</span><svg class="chart-bar" viewBox="0 0 ${max} 1" preserveAspectRatio="none" role="img" aria-label="${esc(`${key}: ${label}`)}">${rects}</svg><span class="chart-count">${total(r)}: ${esc(label)}</span></div>`;
    })
    .join('\n');
  return `${title}
<figure id="findings-chart"><figcaption>${legend}</figcaption>
${html}
</figure>`;
}

/**
 * Findings by check (the category) and severity: one stacked bar per check. `findings` may be
 * streamed (the large report reads them back from its spool).
 */
export function findingsChart(
  report: AccessReport,
  findings: Iterable<ReportFinding> = report.findings,
): string {
  const title = new Map(report.checks.map((c) => [c.checkId, c.title]));
  const counts = new Map<string, Record<Severity, number>>();
  for (const f of findings) {
    const row = counts.get(f.checkId) ?? noFindings();
    row[f.severity] += 1;
    counts.set(f.checkId, row);
  }
  return severityChart(
    'Findings by check and severity',
    'check',
    [...counts].map(([checkId, r]) => ({
      key: checkId,
      labelHtml: `${esc(title.get(checkId) ?? checkId)} <span class="muted">(${esc(checkId)})</span>`,
      counts: r,
    })),
  );
}
