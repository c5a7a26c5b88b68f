/** One element read from an input: its decoded JSON value, or why it could not be decoded. */
export type InputItem = { ok: true; value: unknown } | { ok: false; reason: string };

/** Largest single element we buffer before declaring it malformed (CloudTrail: ≪ 1 MB). */
const MAX_ELEMENT_CHARS = 8 * 1024 * 1024;

const OPEN_BRACE = 123; // {
const CLOSE_BRACE = 125; // }
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]
const QUOTE = 34; // "
const BACKSLASH = 92; // \
const COMMA = 44; // ,
const NEWLINE = 10; // \n
const COLON = 58; // :

type Mode = 'detect' | 'array' | 'values' | 'skip' | 'done';

/** Longest key remembered while looking for a wrapper key (`Records`, `Events`, `Messages`). */
const KEY_CAPTURE = 16;

/**
 * Splits a JSON text stream into top-level elements without parsing it whole:
 * - `[ … ]`, and an object with a `Records`, `Events` or `Messages` array wherever that key
 *   comes among the object's keys: the elements of that array (the object's other keys are
 *   dropped: `NextToken`, export metadata);
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
  /** Key-watch at depth 1 of a top-level object: the last string seen, a wrapper key's ':'. */
  private capturing = false;
  private captured = '';
  private lastString: string | undefined;
  private awaitArray = false;
  /** Inside a wrapper object's array: after it closes, skip the object's remaining keys. */
  private wrapped = false;

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
    else if (this.mode === 'skip') this.scanSkip(chunk, out);
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
    if (trimmed.startsWith('[')) {
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
          if (this.wrapped) {
            // The rest of the wrapper object (keys after the array) holds no records.
            this.wrapped = false;
            this.mode = 'skip';
            this.depth = 1;
            this.scanSkip(text.slice(i + 1), out);
            return;
          }
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
          this.capturing = false;
          this.depth = 0;
          this.emit(text.slice(start, i), out);
          start = i + 1;
          continue;
        }
        this.stepInString(c);
        if (this.capturing) {
          if (!this.inString) {
            this.capturing = false;
            this.lastString = this.captured;
          } else if (this.captured.length <= KEY_CAPTURE) this.captured += text[i];
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        this.awaitArray = false;
        if (this.depth === 1) {
          this.capturing = true;
          this.captured = '';
        }
        continue;
      }
      if (c <= 32) continue; // whitespace keeps the key-watch state
      if (this.depth === 1 && c === COLON) {
        this.awaitArray = this.lastString !== undefined && isWrapperKey(this.lastString);
        this.lastString = undefined;
        continue;
      }
      if (c === OPEN_BRACKET && this.awaitArray && this.depth === 1) {
        // `"Records": [` inside a top-level object: stream its elements, drop the wrapper.
        this.pending = [];
        this.pendingChars = 0;
        this.awaitArray = false;
        this.wrapped = true;
        this.mode = 'array';
        this.depth = 0;
        this.scanArray(text.slice(i + 1), out);
        return;
      }
      this.awaitArray = false;
      this.lastString = undefined;
      if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth <= 0) {
          this.depth = 0;
          this.emit(text.slice(start, i + 1), out);
          start = i + 1;
        }
      }
    }
    this.keep(text.slice(start), out);
  }

  /** Skips the rest of a wrapper object after its record array, then reads values again. */
  private scanSkip(text: string, out: InputItem[]): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        this.stepInString(c);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.mode = 'values';
          this.scanValues(text.slice(i + 1), out);
          return;
        }
      }
    }
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

function isWrapperKey(key: string): boolean {
  return key === 'Records' || key === 'Events' || key === 'Messages';
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 32) return false;
  return true;
}
