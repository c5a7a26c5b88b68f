import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { htmlChunks } from './render/html.js';
import { jsonChunks } from './render/json.js';
import { markdownChunks } from './render/markdown.js';
import type { ReportLists } from './render/reportLists.js';
import type { AccessReport } from './reportTypes.js';

export type ReportFormat = 'json' | 'md' | 'html';

/** The report in `format` as a stream of text, its principals and findings from `lists`. */
export function reportChunks(
  format: ReportFormat,
  report: AccessReport,
  lists: ReportLists,
): Generator<string> {
  if (format === 'json') return jsonChunks(report, lists);
  return format === 'md' ? markdownChunks(report, lists) : htmlChunks(report, lists);
}

const BUFFER = 1 << 20;

/** Writes `chunks` to `path` through a buffer: the file is never one string in memory. */
export function writeChunks(path: string, chunks: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      const buffer = Buffer.from(pending.join(''));
      let written = 0;
      while (written < buffer.length)
        written += writeSync(fd, buffer, written, buffer.length - written);
      pending = [];
      size = 0;
    };
    for (const chunk of chunks) {
      pending.push(chunk);
      size += chunk.length;
      if (size >= BUFFER) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

/** Writes `report.<format>` into `dir` for each format. */
export function writeReportFiles(
  report: AccessReport,
  lists: ReportLists,
  formats: readonly ReportFormat[],
  dir: string,
): void {
  for (const format of formats)
    writeChunks(join(dir, `report.${format}`), reportChunks(format, report, lists));
}
