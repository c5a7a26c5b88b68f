/**
 * The demo's tool access lines: the gateway's tool table (who called which tool, how it ended)
 * and the recommended Cedar policy, from the `gatewarden tools` report. Tool names and
 * subjects come from data events: escaped for the terminal.
 */
import { TOOL_HEADER, toolRows } from '../../lib/tools/render/rows.js';
import type { ToolReport } from '../../lib/tools/report.js';
import { forTerminal } from '../../lib/shared/terminal.js';

/** A plain-text table: columns padded to their widest cell. */
function table(header: readonly string[], rows: readonly (string | number)[][]): string[] {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function toolAccessLines(
  report: ToolReport,
  gatewayId: string,
  cedarFile: string,
): string[] {
  const g = report.gateways.find((x) => x.gatewayId === gatewayId);
  const a = g?.access;
  if (g === undefined || a === undefined)
    return [`tools: gateway ${gatewayId}: no InvokeGateway data event`];
  const r = g.recommendation;
  const exposed = a.toolsExposed === null ? 'unknown' : String(a.toolsExposed.length);
  const lines = [
    `tools: gateway ${gatewayId}: ${a.toolsCalled.length} tool(s) called of ${exposed} exposed, by ${a.principals.length} principal(s) (${report.sources.inventory === 'api' ? 'tools read live' : 'tool list not read'})`,
    ...table(TOOL_HEADER, toolRows(g)).map((l) => `    ${l}`),
    `  recommended Cedar policy (${r?.policies.length ?? 0} validated, ${r?.rejected.length ?? 0} not offered), in ${cedarFile}:`,
    ...(r?.cedar ?? '')
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ];
  return lines.map((l) => forTerminal(l));
}
