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

/**
 * Findings by check (the category) and severity, as inline SVG: one stacked bar per check, on
 * one linear scale, most findings first. Each bar is an SVG of its own that stretches to its
 * row, so the chart fits a phone as well as a desktop without scrolling sideways.
 */
export function findingsChart(
  report: AccessReport,
  findings: Iterable<ReportFinding> = report.findings,
): string {
  const title = new Map(report.checks.map((c) => [c.checkId, c.title]));
  const counts = new Map<string, Record<Severity, number>>();
  for (const f of findings) {
    const row =
      counts.get(f.checkId) ??
      (Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>);
    row[f.severity] += 1;
    counts.set(f.checkId, row);
  }
  const total = (r: Record<Severity, number>) => severities.reduce((n, s) => n + r[s], 0);
  const rows = [...counts].sort((a, b) => total(b[1]) - total(a[1]) || a[0].localeCompare(b[0]));
  const heading = '<h2 id="sec-chart">Findings by check and severity</h2>';
  if (rows.length === 0) return `${heading}\n<p class="muted">No findings.</p>`;
  const max = Math.max(...rows.map(([, r]) => total(r)));
  const legend = severities
    .map(
      (s) =>
        `<span class="legend"><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${COLOURS[s]}"/></svg> ${s}</span>`,
    )
    .join(' ');
  const bars = rows
    .map(([checkId, r]) => {
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
      return `<div class="chart-row" data-check="${esc(checkId)}"><span class="chart-label">${esc(title.get(checkId) ?? checkId)} <span class="muted">(${esc(checkId)})</span></span><svg class="chart-bar" viewBox="0 0 ${max} 1" preserveAspectRatio="none" role="img" aria-label="${esc(`${checkId}: ${label}`)}">${rects}</svg><span class="chart-count">${total(r)}: ${esc(label)}</span></div>`;
    })
    .join('\n');
  return `${heading}
<figure id="findings-chart"><figcaption>${legend}</figcaption>
${bars}
</figure>`;
}
