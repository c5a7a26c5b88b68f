import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputReadError } from './errors.js';

/**
 * Streaming readers for every shape CloudTrail records come in:
 * - S3 delivery files `{"Records":[…]}`, plain or gzip (detected by magic bytes, not name);
 * - a JSON array of records or of EventBridge envelopes;
 * - JSON lines (one record or envelope per line), and concatenated / pretty-printed objects;
 * - EventBridge envelopes (`detail-type` + `detail`) anywhere above.
 *
 * Memory: nothing holds a whole file. `{"Records":[…]}` files and arrays are split into their
 * elements by a small scanner that tracks strings and nesting, so memory is bounded by the
 * largest single record (CloudTrail caps records well under 1 MB), not the file (tens of MB).
 */

/** One element read from an input: its decoded JSON value, or why it could not be decoded. */
export type InputItem = { ok: true; value: unknown } | { ok: false; reason: string };

/** Largest single element we buffer before declaring it malformed (CloudTrail: ≪ 1 MB). */
const MAX_ELEMENT_CHARS = 8 * 1024 * 1024;

/** Every file under the given paths (directories recursively), in sorted order. */
export async function* walkInputs(paths: readonly string[]): AsyncGenerator<string> {
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new InputReadError(`cannot read input ${path}: ${describe(error)}`, { cause: error });
    }
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
      yield* walkInputs(children);
    } else if (info.isFile()) {
      yield path;
    }
  }
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
    throw new InputReadError(`cannot read ${file}: ${describe(error)}`, { cause: error });
  }
  const rest = scanner.end();
  if (rest.length > 0) yield rest;
}

/**
 * The CloudTrail records inside one decoded element: an EventBridge envelope yields its
 * `detail`, a `{"Records":[…]}` object its records, a digest file nothing, anything else
 * itself (validation decides).
 */
export function unwrapRecords(value: unknown): unknown[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [value];
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.Records)) return o.Records;
  // CloudTrail digest files (CloudTrail-Digest/ beside the logs) hold hashes, not records.
  if ('digestStartTime' in o && 'digestEndTime' in o) return [];
  if ('detail' in o && ('detail-type' in o || 'source' in o)) return [o.detail];
  return [value];
}

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
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gzip = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const source: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (error) => source.destroy(error));
  source.setEncoding('utf8');
  return source;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

const OPEN_BRACE = 123; // {
const CLOSE_BRACE = 125; // }
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]
const QUOTE = 34; // "
const BACKSLASH = 92; // \
const COMMA = 44; // ,
const NEWLINE = 10; // \n

type Mode = 'detect' | 'array' | 'values' | 'done';

/**
 * Splits a JSON text stream into top-level elements without parsing it whole:
 * - `{"Records":[ … ]}` and `[ … ]`: the elements of that array;
 * - anything else: consecutive top-level values (JSON lines, concatenated objects).
 * Each element is handed to JSON.parse on its own; a broken one becomes `{ ok: false }`.
 * In value mode a newline at depth 0 ends a broken line, so one bad line cannot swallow the
 * rest of a JSON-lines file.
 */
export class JsonStreamScanner {
  private mode: Mode = 'detect';
  private head = '';
  private pending: string[] = [];
  private pendingChars = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elements = 0;

  /** Feeds a chunk; returns the elements completed by it. */
  push(chunk: string): InputItem[] {
    const out: InputItem[] = [];
    if (this.mode === 'detect') {
      this.head += chunk;
      const trimmed = this.head.replace(/^\uFEFF/, '').trimStart();
      if (trimmed.length < 32) return out; // too little to decide yet
      this.head = '';
      this.decide(trimmed, out);
    } else if (this.mode === 'array') this.scanArray(chunk, out);
    else if (this.mode === 'values') this.scanValues(chunk, out);
    return out;
  }

  /** Flushes what is left at end of input (a truncated element is reported). */
  end(): InputItem[] {
    const out: InputItem[] = [];
    if (this.mode === 'detect') {
      const trimmed = this.head.replace(/^\uFEFF/, '').trim();
      this.head = '';
      if (trimmed.length === 0) return out;
      this.decide(trimmed, out);
    }
    const rest = this.pending.join('');
    this.pending = [];
    if (this.mode === 'values' && !isBlank(rest)) out.push(this.parse(rest));
    if (this.mode === 'array') {
      out.push({
        ok: false,
        reason: `element ${this.elements + 1}: truncated (input ended before the array closed)`,
      });
    }
    this.mode = 'done';
    return out;
  }

  private decide(trimmed: string, out: InputItem[]): void {
    const records = /^\{\s*"Records"\s*:\s*\[/.exec(trimmed);
    if (records !== null) {
      this.mode = 'array';
      this.scanArray(trimmed.slice(records[0].length), out);
    } else if (trimmed.startsWith('[')) {
      this.mode = 'array';
      this.scanArray(trimmed.slice(1), out);
    } else {
      this.mode = 'values';
      this.scanValues(trimmed, out);
    }
  }

  /** One character inside a JSON string: tracks escapes and the closing quote. */
  private stepInString(c: number): void {
    if (this.escaped) this.escaped = false;
    else if (c === BACKSLASH) this.escaped = true;
    else if (c === QUOTE) this.inString = false;
  }

  private scanArray(text: string, out: InputItem[]): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        this.stepInString(c);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || (c === CLOSE_BRACKET && this.depth > 0)) this.depth--;
      else if (this.depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
        this.emit(text.slice(start, i), out);
        start = i + 1;
        if (c === CLOSE_BRACKET) {
          this.mode = 'done';
          return;
        }
      }
    }
    this.keep(text.slice(start), out);
  }

  private scanValues(text: string, out: InputItem[]): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (c === NEWLINE && !this.escaped) {
          // A raw newline cannot occur inside a JSON string: this line is broken.
          this.inString = false;
          this.depth = 0;
          this.emit(text.slice(start, i), out);
          start = i + 1;
        } else this.stepInString(c);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth <= 0) {
          this.depth = 0;
          this.emit(text.slice(start, i + 1), out);
          start = i + 1;
        }
      } else if (c === NEWLINE) {
        if (this.depth === 0) {
          this.emit(text.slice(start, i), out);
          start = i + 1;
        } else if (text.charCodeAt(i + 1) === OPEN_BRACE) {
          // An unindented '{' while still inside a value: JSON lines after a truncated line.
          this.depth = 0;
          this.emit(text.slice(start, i), out);
          start = i + 1;
        }
      }
    }
    this.keep(text.slice(start), out);
  }

  private keep(rest: string, out: InputItem[]): void {
    if (rest.length === 0) return;
    this.pending.push(rest);
    this.pendingChars += rest.length;
    if (this.pendingChars > MAX_ELEMENT_CHARS) {
      // Drop an element that cannot be a CloudTrail record instead of growing without bound.
      this.pending = [];
      this.pendingChars = 0;
      this.elements++;
      out.push({
        ok: false,
        reason: `element ${this.elements}: larger than ${MAX_ELEMENT_CHARS} characters`,
      });
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
    }
  }

  private emit(tail: string, out: InputItem[]): void {
    let text: string;
    if (this.pending.length === 0) text = tail;
    else {
      this.pending.push(tail);
      text = this.pending.join('');
      this.pending = [];
      this.pendingChars = 0;
    }
    if (isBlank(text)) return;
    out.push(this.parse(text));
  }

  private parse(text: string): InputItem {
    this.elements++;
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      const why = error instanceof SyntaxError ? 'invalid JSON' : 'unreadable';
      return { ok: false, reason: `element ${this.elements}: ${why}` };
    }
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 32) return false;
  return true;
}
