import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  DEFAULT_FILE_CONCURRENCY,
  describeReadError,
  forEachConcurrent,
  listLogFiles,
  parseLogText,
  readLogStream,
} from '../reports/logFiles.js';
import type { ScanIssue } from '../reports/usage.js';
import { ToolsInputError } from './errors.js';
import type { ToolUsageCollector } from './ToolUsageCollector.js';

/** The log files named by `--trail` paths: files as given, directories searched recursively. */
export async function trailFilesOf(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined)
      throw new ToolsInputError(`trail path ${path} does not exist`, { context: { path } });
    if (info.isDirectory()) files.push(...(await listLogFiles(path)));
    else files.push(path);
  }
  return [...new Set(files)];
}

/**
 * Feeds every record of the trail files (CloudTrail `.json`/`.json.gz`, JSON arrays or lines,
 * as the access report reads them) to the collector. A file that cannot be read is an issue,
 * reported by name and reason, never by content.
 */
export async function collectTrailFiles(
  files: readonly string[],
  collector: ToolUsageCollector,
  concurrency = DEFAULT_FILE_CONCURRENCY,
): Promise<{ issues: ScanIssue[] }> {
  const issues: ScanIssue[] = [];
  await forEachConcurrent(files, concurrency, async (file) => {
    try {
      const text = await readLogStream(createReadStream(file), file.toLowerCase().endsWith('.gz'));
      for (const record of parseLogText(text)) collector.addRecord(record);
    } catch (error) {
      issues.push({ input: file, reason: describeReadError(error) });
    }
  });
  return { issues };
}
