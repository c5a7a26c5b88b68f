/** The form a key is read from: digits where `0` stands, these separators elsewhere. */
const FORM = '0000-00-00T00:00:00';
const DIGIT = FORM.charCodeAt(0);

/**
 * A number ordered as ISO-8601 times are ordered as strings, read from their first 19
 * characters: `2026-11-20T10:00:00Z` → 20261120100000. NaN when those characters are not in
 * that form. Two times whose keys are numbers and differ compare as their keys do; equal keys
 * (same second, perhaps different fractions) or NaN leave the strings to be compared.
 */
export function timeKey(time: string): number {
  if (time.length < FORM.length) return NaN;
  let key = 0;
  for (let i = 0; i < FORM.length; i++) {
    const c = time.charCodeAt(i);
    const expected = FORM.charCodeAt(i);
    if (expected !== DIGIT) {
      if (c !== expected) return NaN;
    } else {
      const digit = c - DIGIT;
      if (digit < 0 || digit > 9) return NaN;
      key = key * 10 + digit;
    }
  }
  return key;
}
