import { esc } from '../../reports/render/htmlPrincipal.js';
import { joined, rowsOf, textOf, type Piece } from '../../reports/render/reportLists.js';
import type { GatewayToolReport, ToolReport } from '../report.js';
import {
  accessCounts,
  gapRows,
  principalRowCount,
  principalRows,
  PRINCIPAL_HEADER,
  TOOL_HEADER,
  toolRows,
} from './rows.js';

function table(header: string[], rows: (string | number)[][]): string {
  return textOf(tableChunks(header, rows, rows.length));
}

/** {@link table} streamed: `count` rows from `rows`. */
function* tableChunks(
  header: string[],
  rows: Iterable<(string | number)[]>,
  count: number,
): Generator<string> {
  if (count === 0) {
    yield '<p><em>none</em></p>';
    return;
  }
  yield `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`;
  yield* rowsOf(rows, (r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`, '');
  yield '</tbody></table>';
}

const list = (items: readonly string[] | null): string =>
  items === null
    ? '<em>unknown (no tool list: pass --targets)</em>'
    : items.length === 0
      ? '<em>none</em>'
      : items.map((i) => `<code>${esc(i)}</code>`).join(', ');

/** One gateway's section, streamed: the principals table is written row by row. */
function* gatewaySection(g: GatewayToolReport): Generator<string> {
  const head = `<h2>Tool access — gateway ${esc(g.gatewayId)}</h2><p><code>${esc(g.gatewayArn)}</code></p>`;
  const a = g.access;
  if (!g.dataEvents || a === undefined) {
    yield `<section>${head}<p><strong>No InvokeGateway data event for this gateway</strong>: data events are not enabled for it (nothing is known about its tool use).</p></section>`;
    return;
  }
  const parts: Piece[] = [head, `<p>${accessCounts(a)}</p>`];
  const gaps = gapRows(g);
  if (gaps.length > 0)
    parts.push(
      '<h3>Data events not attributed (counted, not guessed)</h3>',
      table(['reason', 'events'], gaps),
    );
  parts.push('<h3>Tools</h3>', table(TOOL_HEADER, toolRows(g)));
  parts.push(
    '<h3>Principals</h3>',
    tableChunks(PRINCIPAL_HEADER, principalRows(g), principalRowCount(g)),
  );
  parts.push(
    '<ul>',
    `<li><strong>Tools nobody calls:</strong> ${list(a.toolsNobodyCalls)}</li>`,
    `<li><strong>Tools called only with errors:</strong> ${list(a.toolsCalledOnlyWithErrors)}</li>`,
    `<li><strong>Tools called but not exposed:</strong> ${list(a.toolsCalledNotExposed)}</li>`,
    `<li><strong>Principals calling no tool:</strong> ${list(a.principalsCallingNothing)}</li>`,
    ...a.targetsWithUnknownTools.map(
      (t) =>
        `<li>target <code>${esc(t.name || t.targetId)}</code>: tools unknown (${esc(t.reason)})</li>`,
    ),
    '</ul>',
    '<h3>Refusals by the policy engine</h3>',
    table(
      ['principal', 'tool', 'refusals'],
      a.policyRefusals.map((r) => [r.principal, r.tool, r.count]),
    ),
  );
  const r = g.recommendation;
  if (r !== undefined) {
    parts.push(`<h3>Recommended Cedar policies (${r.policies.length} validated with Cedar)</h3>`);
    parts.push(
      r.policies.length > 0
        ? `<pre><code>${esc(r.cedar)}</code></pre>`
        : '<p><em>no policy to recommend: no successful tool call</em></p>',
    );
    if (r.rejected.length > 0)
      parts.push(
        `<ul>${r.rejected.map((x) => `<li><strong>Not offered</strong> ${esc(x.id)} (${esc(x.group ?? x.effect)}): ${esc(x.reasons.join('; '))}</li>`).join('')}</ul>`,
      );
  }
  const d = g.deployed;
  if (d !== undefined)
    parts.push(
      `<h3>Deployed policy engine (mode ${esc(d.mode)})</h3><p><strong>Rollout:</strong> ${esc(d.rollout)}</p>`,
      table(
        ['policy', 'successful calls it allowed', 'never used', 'problem'],
        d.policies.map((p) => [
          p.name ?? p.policyId,
          p.observedCallsAllowed,
          p.neverUsed ? 'yes' : 'no',
          p.problem ?? '',
        ]),
      ),
      '<h4>Principals allowed tools they never call</h4>',
      table(
        ['principal', 'tools'],
        d.allowedNeverCalled.map((a) => [a.principal, a.tools.join(', ')]),
      ),
      `<h4>Deployed vs recommended: ${d.diff.deployedOnly} request(s) only deployed allows, ${d.diff.recommendedOnly} only the recommendation allows</h4>`,
      table(
        ['principal', 'tool', 'deployed'],
        d.diff.samples.map((x) => [x.principal, x.tool, x.deployed]),
      ),
    );
  yield '<section>';
  yield* joined(parts, '\n');
  yield '</section>';
}

/** The tool report as one self-contained HTML page (no script, nothing loaded). */
export function renderToolsHtml(report: ToolReport): string {
  return textOf(toolsHtmlChunks(report));
}

/** {@link renderToolsHtml} streamed, for writing a large report without holding it. */
export function* toolsHtmlChunks(report: ToolReport): Generator<string> {
  const s = report.sources;
  yield `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>gatewarden tool access report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}pre{background:#f6f6f6;padding:1rem;overflow:auto}</style>
</head><body>
<h1>Tool access report</h1>
<p>Generated ${esc(report.generatedAt)} from ${s.files} trail file(s): ${s.recordsRead} records, ${s.invokeEvents} InvokeGateway data events. Tool arguments are never read.</p>
${s.issues.length > 0 ? `<ul>${s.issues.map((i) => `<li>skipped ${esc(i.input)}: ${esc(i.reason)}</li>`).join('')}</ul>` : ''}
`;
  yield* joined(report.gateways.map(gatewaySection), '\n');
  yield '\n</body></html>\n';
}
