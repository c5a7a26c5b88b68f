/**
 * The files a tool report is written as: `tools.json`, `tools.md`, `tools.html` and, per
 * gateway with a recommendation, `<gatewayId>.cedar` plus the same policies in JSON. One list
 * for the CLI's directory and the scheduled report's bucket.
 */
import { renderToolsHtml } from './render/html.js';
import { renderToolsMarkdown } from './render/markdown.js';
import type { ToolReport } from './report.js';

export type ToolFormat = 'json' | 'md' | 'html' | 'cedar';
export const TOOL_FORMATS: readonly ToolFormat[] = ['json', 'md', 'html', 'cedar'];

export interface ToolFile {
  name: string;
  body: string;
  contentType: string;
}

/** A file name from a gateway id (ids are `[\w-]`; anything else is replaced). */
export const gatewayFileName = (id: string): string =>
  id.replace(/[^\w-]/g, '_').slice(0, 100) || 'gateway';

export function toolReportFiles(
  report: ToolReport,
  formats: readonly ToolFormat[] = TOOL_FORMATS,
): ToolFile[] {
  const files: ToolFile[] = [];
  if (formats.includes('json'))
    files.push({
      name: 'tools.json',
      body: `${JSON.stringify(report, null, 2)}\n`,
      contentType: 'application/json',
    });
  if (formats.includes('md'))
    files.push({
      name: 'tools.md',
      body: renderToolsMarkdown(report),
      contentType: 'text/markdown; charset=utf-8',
    });
  if (formats.includes('html'))
    files.push({
      name: 'tools.html',
      body: renderToolsHtml(report),
      contentType: 'text/html; charset=utf-8',
    });
  if (formats.includes('cedar'))
    for (const g of report.gateways) {
      const r = g.recommendation;
      if (r === undefined) continue;
      const base = gatewayFileName(g.gatewayId);
      files.push({
        name: `${base}.cedar`,
        body: r.cedar,
        contentType: 'text/plain; charset=utf-8',
      });
      files.push({
        name: `${base}.json`,
        body: `${JSON.stringify({ gatewayArn: r.gatewayArn, principalTypes: r.principalTypes, policies: r.policies, rejected: r.rejected, schema: r.schema }, null, 2)}\n`,
        contentType: 'application/json',
      });
    }
  return files;
}
