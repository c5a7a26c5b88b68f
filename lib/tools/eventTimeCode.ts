/**
 * CloudTrail's `eventTime` (`2026-11-01T03:04:05Z`) as a number that sorts as the text does,
 * so first and last seen of millions of calls fit in a Float64Array instead of retained strings.
 * Any other text (fractions, offsets, junk) has no code and is compared as text.
 */

/** The code of an empty time: nothing seen. */
export const NO_TIME = 0;
/** The code of a time that is not in CloudTrail's form: compare and keep it as text. */
export const TEXT_TIME = -1;

/** Positions of the separators in `YYYY-MM-DDTHH:MM:SSZ`. */
const SEPARATORS: readonly (readonly [number, number])[] = [
  [4, 0x2d], // -
  [7, 0x2d], // -
  [10, 0x54], // T
  [13, 0x3a], // :
  [16, 0x3a], // :
  [19, 0x5a], // Z
];

/**
 * `YYYYMMDDhhmmss` as a number (> 0) for a time in CloudTrail's form; `NO_TIME` for '';
 * `TEXT_TIME` for anything else. Among times in that form, digits sit at the same places
 * between the same separators, so comparing codes is comparing the texts.
 */
export function eventTimeCode(time: string): number {
  if (time.length !== 20) return time === '' ? NO_TIME : TEXT_TIME;
  let code = 0;
  let separator = 0;
  for (let i = 0; i < 20; i++) {
    const c = time.charCodeAt(i);
    const sep = SEPARATORS[separator];
    if (sep !== undefined && sep[0] === i) {
      if (c !== sep[1]) return TEXT_TIME;
      separator += 1;
    } else if (c >= 0x30 && c <= 0x39) code = code * 10 + (c - 0x30);
    else return TEXT_TIME;
  }
  // 0000-00-00T00:00:00Z would collide with NO_TIME: keep it as text.
  return code === 0 ? TEXT_TIME : code;
}

const TEMPLATE = '0000-00-00T00:00:00Z';
/** Where each of the 14 digits goes in the text, last digit first. */
const DIGIT_AT = [18, 17, 15, 14, 12, 11, 9, 8, 6, 5, 3, 2, 1, 0];

/**
 * The text of a code from `eventTimeCode` (> 0), exactly as it was read: one flat string
 * (a template literal would leave a rope of a dozen pieces per time for the report to keep).
 */
export function eventTimeText(code: number): string {
  const chars: number[] = [];
  for (let i = 0; i < TEMPLATE.length; i++) chars.push(TEMPLATE.charCodeAt(i));
  let rest = code;
  for (const at of DIGIT_AT) {
    chars[at] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return String.fromCharCode(...chars);
}
