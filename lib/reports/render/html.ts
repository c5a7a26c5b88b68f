import { createHash } from 'node:crypto';
import type { AccessReport, PrincipalReport } from '../reportTypes.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Click a header to sort its table; numbers sort numerically (data-sort), the rest as text. */
const SORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, index) {
    th.tabIndex = 0;
    function sort() {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index], y = b.cells[index];
        var xv = x.getAttribute('data-sort') || x.textContent, yv = y.getAttribute('data-sort') || y.textContent;
        var xn = parseFloat(xv), yn = parseFloat(yv);
        var cmp = (!isNaN(xn) && !isNaN(yn)) ? xn - yn : xv.localeCompare(yv);
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
  });
});
`;

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24;max-width:1400px}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}
td.num{text-align:right}
.sev-critical{color:#fff;background:#a40e26}.sev-high{background:#ffcecb}.sev-medium{background:#fff1b8}
.sev-low{background:#ddf4ff}.sev-info{background:#f6f8fa}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}.skipped{color:#6e7781}
code,pre{font-family:ui-monospace,monospace;font-size:12px}pre{background:#f6f8fa;padding:.5rem;overflow:auto}
details{margin:.3rem 0}.muted{color:#6e7781}
`;

function tableHtml(
  id: string,
  header: string[],
  rows: {
    cells: { text: string | number; sort?: string | number; cls?: string; html?: string }[];
  }[],
): string {
  const head = header.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.cells
          .map(
            (c) =>
              `<td${c.sort === undefined ? '' : ` data-sort="${esc(c.sort)}"`}${c.cls ? ` class="${esc(c.cls)}"` : ''}>${c.html ?? esc(c.text)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table id="${esc(id)}" class="sortable"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Granted vs used per role, log scale (an admin role has 20,000 actions, a tight one 3). */
export function chartSvg(roles: PrincipalReport[]): string {
  const shown = [...roles].sort((a, b) => b.grantedActionCount - a.grantedActionCount).slice(0, 40);
  if (shown.length === 0) return '';
  const rowH = 22;
  const labelW = 260;
  const barW = 560;
  const max = Math.log10(Math.max(10, ...shown.map((r) => r.grantedActionCount)) + 1);
  const scale = (n: number) => (Math.log10(n + 1) / max) * barW;
  const height = shown.length * rowH + 30;
  const bars = shown
    .map((r, i) => {
      const y = i * rowH + 20;
      const used = r.usedActions.length - r.usedNotGranted.length;
      return `<g><title>${esc(r.arn)}: ${r.grantedActionCount} granted, ${r.usageKnown ? used : 'unknown'} used</title>
<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" font-size="12">${esc(r.name.length > 38 ? `${r.name.slice(0, 37)}…` : r.name)}</text>
<rect x="${labelW}" y="${y + 2}" width="${scale(r.grantedActionCount).toFixed(1)}" height="16" fill="#d0d7de"/>
<rect x="${labelW}" y="${y + 6}" width="${scale(used).toFixed(1)}" height="8" fill="#1a7f37"/>
<text x="${labelW + scale(r.grantedActionCount) + 4}" y="${y + 14}" font-size="11" fill="#57606a">${used}/${r.grantedActionCount}</text></g>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Granted versus used actions per role" width="${labelW + barW + 80}" height="${height}" viewBox="0 0 ${labelW + barW + 80} ${height}">
<text x="${labelW}" y="12" font-size="12"><tspan fill="#8c959f">■ granted</tspan> <tspan fill="#1a7f37">■ used</tspan> (log scale)</text>
${bars}
</svg>`;
}

/**
 * The report as one self-contained HTML page: no external assets (a Content-Security-Policy
 * forbids loading any), inline CSS, a hashed inline script for sortable tables, an SVG chart.
 */
export function renderHtml(report: AccessReport): string {
  const s = report.summary;
  const all = [...report.roles, ...report.principals];
  const scriptHash = createHash('sha256').update(SORT_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:`;
  const sevOrder = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
  const findings = tableHtml(
    'findings',
    ['Severity', 'Check', 'Resource', 'What to do'],
    report.findings.map((f) => ({
      cells: [
        { text: f.severity, sort: sevOrder[f.severity], cls: `sev-${f.severity}` },
        { text: f.checkId },
        { text: f.resource },
        { text: f.message },
      ],
    })),
  );
  const checks = tableHtml(
    'checks',
    ['Check', 'Status', 'Note'],
    report.checks.map((c) => ({
      cells: [{ text: c.title }, { text: c.status, cls: c.status }, { text: c.reason ?? '' }],
    })),
  );
  const roles = tableHtml(
    'roles',
    [
      'Principal',
      'Type',
      'Kind',
      'Granted',
      'Used',
      'Unused',
      'Wildcards',
      'High-risk',
      'Last used',
    ],
    all.map((r) => ({
      cells: [
        { text: r.arn },
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
        { text: r.wildcardGrants.length, cls: 'num' },
        { text: r.highRiskGrants.length, cls: 'num' },
        { text: r.lastUsed ?? '' },
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
              { text: g.roleArn ?? '' },
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
        { text: m.arn },
        { text: m.sources.join(', ') },
        { text: m.managementActionsUsed.join(', ') },
      ],
    })),
  );
  const details = all
    .filter((r) => r.recommendedPolicy !== null && (r.kind !== 'other' || r.unusedActionCount > 0))
    .map(
      (r) =>
        `<details><summary><code>${esc(r.arn)}</code> — recommended policy (${r.usedActions.length} used of ${r.grantedActionCount} granted)</summary><pre>${esc(JSON.stringify(r.recommendedPolicy, null, 2))}</pre></details>`,
    )
    .join('\n');
  const activity = report.sources.activity
    ? `${esc(report.sources.activity.kind)} (${esc(report.sources.activity.description)})`
    : 'none — used and unused actions are unknown';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gatewarden access report ${esc(report.generatedAt.slice(0, 10))}</title>
<style>${STYLE}</style></head>
<body>
<h1>gatewarden access report</h1>
<p>Generated ${esc(report.generatedAt)} · window ${report.window.days} days · accounts ${esc(report.accountIds.join(', ') || 'unknown')}${report.region ? ` · region ${esc(report.region)}` : ''}</p>
<p class="muted">IAM: ${esc(report.sources.iam)} · inventory: ${esc(report.sources.inventory)} · activity: ${activity} · ${report.sources.eventsRead} events read, ${report.sources.eventsAttributed} attributed</p>
<p><strong>${s.roles}</strong> roles, <strong>${s.principals}</strong> other principals, <strong>${s.gateways}</strong> gateways ·
findings: <span class="sev-critical">&nbsp;${s.findings.critical} critical&nbsp;</span> <span class="sev-high">&nbsp;${s.findings.high} high&nbsp;</span> <span class="sev-medium">&nbsp;${s.findings.medium} medium&nbsp;</span> <span class="sev-low">&nbsp;${s.findings.low} low&nbsp;</span></p>
<h2>Granted vs used</h2>
${chartSvg(all)}
<h2>Findings</h2>
${findings}
<h2>Best-practice checks</h2>
${checks}
<h2>Roles and principals</h2>
${roles}
<h2>Gateways</h2>
${gateways}
<h2>Gateway managers</h2>
${managers}
<h2>Recommended policies</h2>
${details || '<p class="muted">None (no activity source, or nothing to narrow).</p>'}
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}
