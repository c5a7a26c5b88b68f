/**
 * botocore `pattern` constraints are Java regular expressions that must match the whole value
 * (`Matcher.matches()`). This turns one into an anchored JavaScript `RegExp` with the `u` flag,
 * translating the Java-only pieces that have an exact equivalent: leading inline flags
 * (`(?s)`, `(?i)`), `\A` / `\z`, POSIX classes (`\p{Alpha}`, `\p{Print}`, … — ASCII in Java),
 * Java's ASCII `\s`, escaped punctuation (`\:` is an error under `u`), a literal `-` beside a
 * class escape (`[\w-_]`) and a `}` that closes no quantifier. What still does not
 * compile — possessive quantifiers, class intersection `&&`, nested classes, `\Q…\E`, inline
 * flags mid-pattern, properties JavaScript lacks, a quantified `$` — is skipped: the value is not checked against
 * that pattern, and the pattern is counted in {@link skippedPatterns}.
 */

/** Java's `\s`: ASCII whitespace only (JavaScript's also matches Unicode spaces). */
const JAVA_SPACE = ' \\t\\n\\x0b\\f\\r';

/** Java's POSIX classes (US-ASCII), as the inside of a character class. */
const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7f',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e',
  Graph: '\\x21-\\x7e',
  Print: '\\x20-\\x7e',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1f\\x7f',
  XDigit: '0-9a-fA-F',
  Space: JAVA_SPACE,
};

/** Java binary properties spelled `\p{IsName}` whose JavaScript name differs. */
const IS_PROPERTIES: Record<string, string> = {
  Whitespace: 'White_Space',
  WhiteSpace: 'White_Space',
};

export class UnsupportedPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPatternError';
  }
}

const unsupported = (what: string): UnsupportedPatternError => new UnsupportedPatternError(what);

const hexEscape = (ch: string): string => {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** `\p{Name}` / `\P{Name}` in JavaScript terms, inside or outside a character class. */
function property(name: string, negated: boolean, inClass: boolean): string {
  const posix = POSIX[name];
  if (posix !== undefined) {
    if (!negated) return inClass ? posix : `[${posix}]`;
    if (inClass) throw unsupported(`negated POSIX class \\P{${name}} inside a class`);
    return `[^${posix}]`;
  }
  const jsName = name.startsWith('Is') ? (IS_PROPERTIES[name.slice(2)] ?? name.slice(2)) : name;
  return `\\${negated ? 'P' : 'p'}{${jsName}}`;
}

/** Translates a Java pattern's source; throws {@link UnsupportedPatternError} for what has no equivalent. */
export function translateJavaPattern(java: string): { source: string; flags: string } {
  let rest = java;
  let flags = 'u';
  const leading = /^\(\?([ims]+)\)/.exec(rest);
  if (leading?.[1]) {
    flags += leading[1];
    rest = rest.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  let inQuantifier = false;
  // Java reads `-` next to a class escape (`[\\w-_]`) as a literal; JavaScript's `u` mode refuses it.
  let afterClassEscape = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] ?? '';
    const previousWasClassEscape = afterClassEscape;
    afterClassEscape = false;
    if (ch === '-' && inClass) {
      const nextIsClassEscape = /^\\[wWdDsSpP]/.test(rest.slice(i + 1));
      out += previousWasClassEscape || nextIsClassEscape ? '\\x2d' : ch;
    } else if (ch === '\\') {
      const next = rest[i + 1];
      if (next === undefined) throw unsupported('trailing backslash');
      i++;
      if (next === 'p' || next === 'P') {
        const braced = /^\{([^}]+)\}/.exec(rest.slice(i + 1));
        const name = braced?.[1] ?? rest[i + 1] ?? '';
        i += braced ? braced[0].length : 1;
        out += property(name, next === 'P', inClass);
        afterClassEscape = true;
      } else if (next === 'A' && !inClass) {
        out += '^';
      } else if ((next === 'z' || next === 'Z') && !inClass) {
        out += '$';
      } else if (next === 's') {
        out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
        afterClassEscape = true;
      } else if (next === 'S' && !inClass) {
        out += `[^${JAVA_SPACE}]`;
      } else if ('QEGRXhHvV'.includes(next)) {
        throw unsupported(`\\${next}`);
      } else if (/[A-Za-z0-9]/.test(next)) {
        out += `\\${next}`;
        afterClassEscape = 'wWdDS'.includes(next);
      } else {
        out += hexEscape(next);
      }
    } else if (ch === '[') {
      if (inClass) throw unsupported('nested character class');
      inClass = true;
      out += ch;
      // A `]` right after `[` or `[^` is a literal in Java.
      const negation = rest[i + 1] === '^' ? '^' : '';
      if (rest[i + 1 + negation.length] === ']') {
        out += `${negation}\\x5d`;
        i += 1 + negation.length;
      }
    } else if (ch === ']' && inClass) {
      inClass = false;
      out += ch;
    } else if (ch === '{' && !inClass) {
      inQuantifier = true;
      out += ch;
    } else if (ch === '}' && !inClass) {
      // A `}` that closes no quantifier is a literal in Java.
      out += inQuantifier ? ch : '\\x7d';
      inQuantifier = false;
    } else if (ch === '&' && inClass && rest[i + 1] === '&') {
      throw unsupported('class intersection &&');
    } else if (ch === '(' && rest[i + 1] === '?' && /^[imsx-]+[):]/.test(rest.slice(i + 2))) {
      throw unsupported('inline flags inside the pattern');
    } else {
      out += ch;
    }
  }
  return { source: `^(?:${out})$`, flags };
}

const compiled = new Map<string, RegExp | undefined>();
const skipped = new Map<string, string>();

/**
 * The anchored RegExp of a botocore pattern, or undefined when it cannot be expressed in
 * JavaScript (then it is counted, and the caller skips the check). Cached per pattern.
 */
export function compilePattern(java: string): RegExp | undefined {
  if (compiled.has(java)) return compiled.get(java);
  let regex: RegExp | undefined;
  try {
    const { source, flags } = translateJavaPattern(java);
    regex = new RegExp(source, flags);
  } catch (error) {
    skipped.set(java, error instanceof Error ? error.message : String(error));
  }
  compiled.set(java, regex);
  return regex;
}

/** Patterns met so far that could not be compiled, with the reason. */
export function skippedPatterns(): Array<{ pattern: string; reason: string }> {
  return [...skipped].map(([pattern, reason]) => ({ pattern, reason }));
}
