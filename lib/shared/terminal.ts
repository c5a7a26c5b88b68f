/**
 * The one way text that gatewarden did not write reaches a terminal. Secret documents, tags,
 * CloudTrail records, IAM exports and replies from remote systems can hold characters a
 * terminal acts on instead of showing: ESC and CSI sequences that move the cursor, erase a
 * line or rewrite what was printed; carriage returns that overwrite it; bidirectional controls
 * that reorder it (`https://evil.example` shown as something else); invisible characters that
 * hide a difference between two values. An operator deciding from what the CLI shows must see
 * every character, so each of these is replaced by a visible `\uXXXX` escape.
 *
 * The escape is also a JSON escape, and JSON.stringify only leaves such characters raw inside
 * strings: a JSON document passed through here is still the same JSON document.
 */

/**
 * C0 controls (line break and tab handled by the caller's choice), DEL and C1 controls, the
 * soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width and directional marks,
 * line and paragraph separators, bidi embeddings, overrides and isolates, invisible operators,
 * the byte-order mark, interlinear annotations, and the invisible tag characters.
 */
const UNSAFE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF\uFFF9-\uFFFB]|[\u{E0000}-\u{E007F}]/gu;
const BREAKS = /[\t\n]/g;

export interface TerminalOptions {
  /**
   * Keep line breaks and tabs as they are: for output gatewarden laid out in lines (a report,
   * a JSON document). Single values (a URL, a name, a reason) leave it off, so a value cannot
   * start a line of its own that looks like gatewarden's.
   */
  lines?: boolean;
}

/** `text` with every character a terminal would act on, or that is invisible, escaped. */
export function forTerminal(text: string, options: TerminalOptions = {}): string {
  const escaped = text.replace(UNSAFE, escape);
  return options.lines ? escaped : escaped.replace(BREAKS, escape);
}

/** True when {@link forTerminal} would change `text` (single-value rules). */
export function hasHiddenCharacters(text: string): boolean {
  return forTerminal(text) !== text;
}

function escape(character: string): string {
  let out = '';
  for (let i = 0; i < character.length; i++) {
    out += `\\u${character.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}
