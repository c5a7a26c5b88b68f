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
 * Controls (C0 but line break and tab, which the caller's choice handles; DEL; C1), format
 * characters (soft hyphen, directional marks, embeddings, overrides and isolates, zero-width
 * characters, invisible operators, the byte-order mark, interlinear annotations, tag
 * characters, the deprecated U+206A–U+206F), line and paragraph separators, every other
 * default-ignorable code point (variation selectors, Hangul fillers, the combining grapheme
 * joiner, Khmer invisible vowels: each renders as nothing or a blank), lone surrogates, and
 * spaces other than U+0020 (a no-break or ideographic space hides a difference between two
 * values). By Unicode property, so the list follows the Unicode version of the runtime.
 */
const UNSAFE =
  /(?![\t\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Cs}]|(?! )\p{Zs}/gu;
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
