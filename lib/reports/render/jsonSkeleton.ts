/**
 * Streaming a long JSON document by cutting `JSON.stringify(skeleton, null, 2)` where markers
 * stand in for its long lists. A marker is a string, and a string of the document (an event
 * name, a subject, a file name: anyone who can write a trail record chooses them) equal to it
 * has the same JSON: each marker carries a random nonce, and a text where any marker is not
 * found exactly once is made again with another.
 */
import { randomUUID } from 'node:crypto';

/**
 * The text of `JSON.stringify(skeleton(marker), null, 2)` cut where the markers of `names`
 * stand, which must be in that order in the text (the order of the keys): names.length + 1
 * pieces.
 */
export function cutAtMarkers(
  skeleton: (marker: (name: string) => string) => unknown,
  names: readonly string[],
): string[] {
  for (let attempt = 0; attempt < 5; attempt++) {
    const nonce = randomUUID();
    const marker = (name: string): string => `\u0000${name}\u0000${nonce}`;
    let text = JSON.stringify(skeleton(marker), null, 2);
    const parts: string[] = [];
    for (const name of names) {
      const quoted = JSON.stringify(marker(name));
      const at = text.indexOf(quoted);
      if (at < 0 || text.indexOf(quoted, at + quoted.length) >= 0) break;
      parts.push(text.slice(0, at));
      text = text.slice(at + quoted.length);
    }
    if (parts.length < names.length) continue;
    parts.push(text);
    return parts;
  }
  throw new Error('no list marker found exactly once in the document');
}
