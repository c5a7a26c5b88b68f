/**
 * Splits a JSON object of the form `{ "A": [ … ], "B": [ … ], "k": v }` into its array elements
 * without holding the text whole: bytes go in chunk by chunk, each array element comes out on
 * its own (then handed to JSON.parse), tagged with the key of its array. Other keys' values
 * come out whole (they are small: `IsTruncated`, `Marker`). The scan is on bytes: every
 * structural character of JSON is ASCII and no byte of a multi-byte UTF-8 character is.
 */

/** One value read from the object: an element of a listed array, or another key's value. */
export interface ExportPart {
  key: string;
  /** The element's JSON text (an array element), or the whole value (another key). */
  text: string;
  /** Index of the element in its array; undefined for a key's whole value. */
  index?: number;
}

/** Why the text is not the object the scanner reads. */
export class ExportShapeError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

type State = 'start' | 'key' | 'keyText' | 'colon' | 'value' | 'element' | 'capture' | 'end';

/** Largest element buffered (a role with many inline policies is far smaller). */
export const MAX_PART_BYTES = 64 * 1024 * 1024;

export class ExportSectionScanner {
  private state: State = 'start';
  private key = '';
  private keyBytes: number[] = [];
  private inString = false;
  private escaped = false;
  private depth = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Whether the value being captured is an array element (vs. another key's value). */
  private inArray = false;
  private index = 0;
  private bom = 0;
  /** Every top-level key met so far (an empty array yields no part, but its key is here). */
  readonly keys = new Set<string>();

  /** @param arrays keys whose array values are split into elements */
  constructor(private readonly arrays: ReadonlySet<string>) {}

  /** Feeds one chunk; returns the parts it completed. */
  push(chunk: Buffer): ExportPart[] {
    const out: ExportPart[] = [];
    let start = -1; // where the value being captured starts in this chunk
    if (this.state === 'capture') start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      switch (this.state) {
        case 'start':
          if (this.bom < 3 && c === [0xef, 0xbb, 0xbf][this.bom]) {
            this.bom++;
            continue;
          }
          if (isSpace(c)) continue;
          if (c !== OPEN_BRACE) throw new ExportShapeError('expected a JSON object');
          this.state = 'key';
          continue;
        case 'key':
          if (isSpace(c) || c === COMMA) continue;
          if (c === CLOSE_BRACE) {
            this.state = 'end';
            continue;
          }
          if (c !== QUOTE) throw new ExportShapeError('expected a key');
          this.state = 'keyText';
          this.keyBytes = [];
          continue;
        case 'keyText':
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) {
            this.key = Buffer.from(this.keyBytes).toString('utf8');
            this.keys.add(this.key);
            this.state = 'colon';
            continue;
          }
          if (this.keyBytes.length < 256) this.keyBytes.push(c);
          continue;
        case 'colon':
          if (isSpace(c)) continue;
          if (c !== COLON) throw new ExportShapeError(`expected ':' after "${this.key}"`);
          this.state = 'value';
          continue;
        case 'value':
          if (isSpace(c)) continue;
          if (c === OPEN_BRACKET && this.arrays.has(this.key)) {
            this.state = 'element';
            this.index = 0;
            continue;
          }
          this.beginCapture(false);
          start = i;
          i--; // the first byte is part of the value
          continue;
        case 'element':
          if (isSpace(c) || c === COMMA) continue;
          if (c === CLOSE_BRACKET) {
            this.state = 'key';
            continue;
          }
          this.beginCapture(true);
          start = i;
          i--;
          continue;
        case 'capture': {
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === BACKSLASH) this.escaped = true;
            else if (c === QUOTE) this.inString = false;
            continue;
          }
          if (c === QUOTE) this.inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
          else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 0) {
            this.depth--;
            if (this.depth === 0) {
              this.finish(chunk.subarray(start, i + 1), out);
            }
          } else if (
            this.depth === 0 &&
            (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET)
          ) {
            // A scalar ends at the separator, which belongs to the container.
            this.finish(chunk.subarray(start, i), out);
            i--;
          }
          continue;
        }
        case 'end':
          if (!isSpace(c)) throw new ExportShapeError('text after the end of the object');
      }
    }
    if (this.state === 'capture' && start >= 0) this.keep(chunk.subarray(start));
    return out;
  }

  /** Checks the input ended where the object does. */
  end(): void {
    if (this.state === 'start') throw new ExportShapeError('expected a JSON object');
    if (this.state !== 'end')
      throw new ExportShapeError('truncated (the input ended before the object closed)');
  }

  private beginCapture(inArray: boolean): void {
    this.state = 'capture';
    this.inArray = inArray;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private keep(bytes: Buffer): void {
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > MAX_PART_BYTES)
      throw new ExportShapeError(
        `${this.key}${this.inArray ? ` element ${this.index}` : ''} is larger than ${MAX_PART_BYTES} bytes`,
      );
    // Copied: the caller reuses or drops its chunk.
    this.pending.push(Buffer.from(bytes));
  }

  private finish(tail: Buffer, out: ExportPart[]): void {
    const text =
      this.pending.length === 0
        ? tail.toString('utf8')
        : Buffer.concat([...this.pending, tail]).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.inArray) {
      out.push({ key: this.key, text, index: this.index++ });
      this.state = 'element';
    } else {
      out.push({ key: this.key, text });
      this.state = 'key';
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
