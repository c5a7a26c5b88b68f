import { createReadStream } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputReadError } from './errors.js';
import { JsonStreamScanner, type InputItem } from './JsonStreamScanner.js';

export { JsonStreamScanner, type InputItem };

/**
 * Streaming readers for every shape CloudTrail records come in:
 * - S3 delivery files `{"Records":[…]}`, plain or gzip (detected by magic bytes, not name),
 *   with `Records` anywhere among the object's keys;
 * - LookupEvents exports `{"Events":[{"CloudTrailEvent":"…"}]}` (the record is a JSON string);
 * - SQS messages (the Lambda event's `Records`, `receive-message`'s `Messages`) whose body is
 *   an EventBridge envelope;
 * - a JSON array of records or of EventBridge envelopes;
 * - JSON lines (one record or envelope per line), and concatenated / pretty-printed objects;
 * - EventBridge envelopes (`detail-type` + `detail`) anywhere above.
 *
 * Memory: nothing holds a whole file. `{"Records":[…]}` files and arrays are split into their
 * elements by a small scanner that tracks strings and nesting, so memory is bounded by the
 * largest single record (CloudTrail caps records well under 1 MB), not the file (tens of MB).
 */

export interface WalkOptions {
  /** Told about what is not followed (symlink loops, a directory reached twice). */
  onSkip?: (message: string) => void;
}

/**
 * Every file under the given paths (directories recursively), in sorted order. Symbolic links
 * are followed, but a link back to a directory being walked (a loop) is reported and skipped,
 * and a directory or file reached twice is read once.
 */
export async function* walkInputs(
  paths: readonly string[],
  options: WalkOptions = {},
): AsyncGenerator<string> {
  yield* walk(paths, options, new Set(), []);
}

async function* walk(
  paths: readonly string[],
  options: WalkOptions,
  seen: Set<string>,
  ancestors: readonly string[],
): AsyncGenerator<string> {
  for (const path of paths) {
    let info;
    let real: string;
    try {
      info = await stat(path);
      real = await realpath(path);
    } catch (error) {
      if ((await isLink(path)) && isLoopError(error)) {
        options.onSkip?.(`${path}: symlink loop, not followed`);
        continue;
      }
      throw new InputReadError(`cannot read input ${path}: ${describe(error)}`, { cause: error });
    }
    if (ancestors.includes(real)) {
      options.onSkip?.(`${path}: symlink loop (back to ${real}), not followed`);
      continue;
    }
    if (seen.has(real)) {
      options.onSkip?.(`${path}: already read as ${real}, skipped`);
      continue;
    }
    seen.add(real);
    if (info.isDirectory()) {
      let entries: string[];
      try {
        entries = (await readdir(path)).sort();
      } catch (error) {
        throw new InputReadError(`cannot list directory ${path}: ${describe(error)}`, {
          cause: error,
        });
      }
      const children = entries
        .filter((name) => !name.startsWith('.'))
        .map((name) => join(path, name));
      yield* walk(children, options, seen, [...ancestors, real]);
    } else if (info.isFile()) {
      yield path;
    }
  }
}

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

function isLoopError(error: unknown): boolean {
  return error !== null && typeof error === 'object' && 'code' in error && error.code === 'ELOOP';
}

/**
 * Reads one file as batches of decoded elements (envelopes and `Records` wrappers are not
 * unwrapped here; see {@link unwrapRecords}). Throws {@link InputReadError} when the file
 * cannot be opened or decompressed; a malformed element is yielded as `{ ok: false }`.
 */
export async function* readItems(file: string): AsyncGenerator<InputItem[]> {
  const stream = await openText(file);
  const scanner = new JsonStreamScanner();
  try {
    for await (const chunk of stream) {
      const items = scanner.push(chunk as string);
      if (items.length > 0) yield items;
    }
  } catch (error) {
    if (error instanceof InputReadError) throw error;
    const gzip = gzipProblem(error);
    if (gzip !== undefined) {
      throw new InputReadError(`${file}: not gzip / truncated (${gzip})`, { cause: error });
    }
    throw new InputReadError(`cannot read ${file}: ${describe(error)}`, { cause: error });
  }
  const rest = scanner.end();
  if (rest.length > 0) yield rest;
}

/**
 * The CloudTrail records inside one decoded element: an EventBridge envelope yields its
 * `detail`, a `{"Records":[…]}` object its records, a LookupEvents event its parsed
 * `CloudTrailEvent`, an SQS message its parsed body (unwrapped in turn), a digest file
 * nothing, anything else itself (validation decides).
 */
export function unwrapRecords(value: unknown, depth = 0): unknown[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [value];
  const o = value as Record<string, unknown>;
  // Wrappers nest a few levels at most (SQS message → envelope → record); stop a hostile input.
  if (depth > 4) return [value];
  for (const key of WRAPPER_KEYS) {
    const list = o[key];
    if (Array.isArray(list)) return list.flatMap((item) => unwrapRecords(item, depth + 1));
  }
  // CloudTrail digest files (CloudTrail-Digest/ beside the logs) hold hashes, not records.
  if ('digestStartTime' in o && 'digestEndTime' in o) return [];
  if ('detail' in o && ('detail-type' in o || 'source' in o)) return [o.detail];
  const embedded =
    typeof o.CloudTrailEvent === 'string'
      ? o.CloudTrailEvent
      : typeof o.body === 'string' && o.eventSource === 'aws:sqs'
        ? o.body
        : typeof o.Body === 'string' && 'MessageId' in o
          ? o.Body
          : undefined;
  if (embedded !== undefined) {
    try {
      return unwrapRecords(JSON.parse(embedded), depth + 1);
    } catch {
      return [{ unparseable: 'embedded JSON (CloudTrailEvent or message body) is not valid JSON' }];
    }
  }
  return [value];
}

/** Object keys whose array holds records or wrappers of records. */
const WRAPPER_KEYS = ['Records', 'Events', 'Messages'] as const;

/** Opens a file as UTF-8 text, gunzipping it when it starts with the gzip magic bytes. */
export async function openText(file: string): Promise<Readable> {
  let magic: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      magic = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new InputReadError(`cannot read ${file}: ${describe(error)}`, { cause: error });
  }
  const gzip = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip && /\.gz$/i.test(file)) {
    throw new InputReadError(`${file}: not gzip / truncated (no gzip header)`);
  }
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const source: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (error) => source.destroy(error));
  source.setEncoding('utf8');
  return source;
}

/** What a zlib error means for a reader, or undefined when it is not one. */
function gzipProblem(error: unknown): string | undefined {
  const code =
    error && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
      ? error.code
      : '';
  if (code === 'Z_BUF_ERROR') return 'the compressed data ends early';
  if (code === 'Z_DATA_ERROR') return 'the compressed data is corrupt';
  if (code.startsWith('Z_')) return 'the compressed data cannot be read';
  return undefined;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}
