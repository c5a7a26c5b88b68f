import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ReportInputError } from './errors.js';
import type { ActivitySource, ActivityWindow, ScanIssue, ScanProgress } from './usage.js';
import type { UsageCollector } from './UsageCollector.js';

/** Files a CloudTrail log directory may hold. */
export const LOG_FILE = /\.json(\.gz)?$/i;

/** Integrity digests CloudTrail writes beside the logs (`AWSLogs/<account>/CloudTrail-Digest/`). */
export const DIGEST_PATH = /(^|\/)CloudTrail-Digest\//;

/** Files read at once: enough to keep gunzip (libuv pool) and the parser busy, bounded memory. */
export const DEFAULT_FILE_CONCURRENCY = 8;

/**
 * Reads a (possibly gzip) stream to text. Decompression is streamed; the JSON of one log file
 * is parsed whole (CloudTrail delivers files of at most a few MB), so memory stays bounded by
 * the number of files read at once.
 */
export async function readLogStream(stream: Readable, gzip: boolean): Promise<string> {
  const source = gzip ? stream.pipe(createGunzip()) : stream;
  if (gzip) stream.on('error', (error) => source.destroy(error));
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The records of one log file: CloudTrail's `{"Records":[…]}`, a JSON array of records, or
 * JSON lines (one record per line, as exported from Lake or Athena).
 */
export function parseLogText(text: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return asArray(JSON.parse(trimmed));
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed !== null && typeof parsed === 'object' && 'Records' in parsed) {
      return asArray((parsed as { Records: unknown }).Records);
    }
    if (parsed !== null && typeof parsed === 'object' && 'eventName' in parsed) return [parsed];
    // Digest files (integrity validation) sit beside the logs and hold no events.
    if (parsed !== null && typeof parsed === 'object' && 'digestStartTime' in parsed) return [];
    throw new Error('no "Records" array');
  } catch (error) {
    if (trimmed.includes('\n')) {
      return trimmed
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    }
    throw error;
  }
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new Error('"Records" is not an array');
  return value;
}

/** Runs `work` over `items` with at most `limit` in flight; resolves when all are done. */
export async function forEachConcurrent<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

/** Every log file under a directory, recursively, in a stable order. */
export async function listLogFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && LOG_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !DIGEST_PATH.test(path))
    .sort();
}

/** Activity from a local directory of CloudTrail log files (`.json` and `.json.gz`). */
export class DirectoryActivitySource implements ActivitySource {
  readonly kind = 'directory';
  readonly description: string;

  constructor(
    private readonly dir: string,
    private readonly concurrency = DEFAULT_FILE_CONCURRENCY,
  ) {
    this.description = `directory ${dir}`;
  }

  async collect(
    _window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }> {
    const info = await stat(this.dir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new ReportInputError(`trail directory ${this.dir} does not exist`, {
        context: { dir: this.dir },
      });
    const files = await listLogFiles(this.dir);
    const before = collector.stats.eventsRead;
    const issues: ScanIssue[] = [];
    let done = 0;
    await forEachConcurrent(files, this.concurrency, async (file) => {
      try {
        const text = await readLogStream(
          createReadStream(file),
          file.toLowerCase().endsWith('.gz'),
        );
        for (const record of parseLogText(text)) collector.addRecord(record);
      } catch (error) {
        issues.push({ input: file, reason: describeReadError(error) });
      }
      done += 1;
      onProgress?.({ done, total: files.length, unit: 'files' });
    });
    // No record at all is a wrong folder, not an account that used nothing.
    if (collector.stats.eventsRead === before) {
      throw new ReportInputError(
        `trail directory ${this.dir} holds no CloudTrail record (${files.length} log files, ${issues.length} unreadable)`,
        { context: { dir: this.dir } },
      );
    }
    return { issues };
  }
}

/**
 * Why a log file could not be read, without echoing its content: V8's JSON errors quote the
 * text around the fault, and a log line is not ours to print.
 */
export function describeReadError(error: unknown): string {
  if (error instanceof SyntaxError) return 'not valid JSON (expected CloudTrail {"Records":[...]})';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return 'not valid gzip';
  if (typeof code === 'string') return `cannot read (${code})`;
  return error instanceof Error ? error.message.slice(0, 200) : 'cannot read';
}
