/**
 * The files a tool report is written as: `tools.json`, `tools.md`, `tools.html` and, per
 * gateway with a recommendation, `<gatewayId>.cedar` plus the same policies in JSON. One list
 * for the CLI's directory (each file streamed to disk) and the scheduled report's bucket (each
 * file one string).
 */
import { join } from 'node:path';
import { textOf } from '../reports/render/reportLists.js';
import { writeTextStream } from '../shared/writeTextStream.js';
import { toolsHtmlChunks } from './render/html.js';
import { toolsJsonChunks } from './render/json.js';
import { toolsMarkdownChunks } from './render/markdown.js';
import type { ToolReport } from './report.js';

export type ToolFormat = 'json' | 'md' | 'html' | 'cedar';
export const TOOL_FORMATS: readonly ToolFormat[] = ['json', 'md', 'html', 'cedar'];

export interface ToolFile {
  name: string;
  body: string;
  contentType: string;
}

/** A file of the report, its text made piece by piece when `chunks` is called. */
export interface ToolFileStream {
  name: string;
  contentType: string;
  chunks(): Iterable<string>;
}

/** A file name from a gateway id (ids are `[\w-]`; anything else is replaced). */
export const gatewayFileName = (id: string): string =>
  id.replace(/[^\w-]/g, '_').slice(0, 100) || 'gateway';

/** The report's files in `formats`, each rendered only when its chunks are read. */
export function toolReportStreams(
  report: ToolReport,
  formats: readonly ToolFormat[] = TOOL_FORMATS,
): ToolFileStream[] {
  const files: ToolFileStream[] = [];
  if (formats.includes('json'))
    files.push({
      name: 'tools.json',
      chunks: () => toolsJsonChunks(report),
      contentType: 'application/json',
    });
  if (formats.includes('md'))
    files.push({
      name: 'tools.md',
      chunks: () => toolsMarkdownChunks(report),
      contentType: 'text/markdown; charset=utf-8',
    });
  if (formats.includes('html'))
    files.push({
      name: 'tools.html',
      chunks: () => toolsHtmlChunks(report),
      contentType: 'text/html; charset=utf-8',
    });
  if (formats.includes('cedar'))
    for (const g of report.gateways) {
      const r = g.recommendation;
      if (r === undefined) continue;
      const base = gatewayFileName(g.gatewayId);
      files.push({
        name: `${base}.cedar`,
        chunks: () => [r.cedar],
        contentType: 'text/plain; charset=utf-8',
      });
      files.push({
        name: `${base}.json`,
        chunks: () => [
          `${JSON.stringify({ gatewayArn: r.gatewayArn, principalTypes: r.principalTypes, policies: r.policies, rejected: r.rejected, schema: r.schema }, null, 2)}\n`,
        ],
        contentType: 'application/json',
      });
    }
  return files;
}

/** The report's files, each as one string (for a bucket; a directory gets them streamed). */
export function toolReportFiles(
  report: ToolReport,
  formats: readonly ToolFormat[] = TOOL_FORMATS,
): ToolFile[] {
  return toolReportStreams(report, formats).map((f) => ({
    name: f.name,
    body: textOf(f.chunks()),
    contentType: f.contentType,
  }));
}

/**
 * Writes the report's files into `dir` one after another, each streamed to disk (no file is
 * ever one string in memory); resolves with the names written.
 */
export async function writeToolReportFiles(
  report: ToolReport,
  dir: string,
  formats: readonly ToolFormat[] = TOOL_FORMATS,
): Promise<string[]> {
  const written: string[] = [];
  for (const file of toolReportStreams(report, formats)) {
    await writeTextStream(join(dir, file.name), file.chunks());
    written.push(file.name);
  }
  return written;
}
