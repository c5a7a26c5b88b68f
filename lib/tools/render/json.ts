/**
 * The tool report's JSON, streamed: `JSON.stringify(report, null, 2)` and a newline, byte for
 * byte, with each gateway's principals written one at a time (a report over a large trail has
 * hundreds of thousands of caller × tool rows; as one string it was the peak of a run).
 */
import { randomUUID } from 'node:crypto';
import type { GatewayToolReport, ToolReport } from '../report.js';

/**
 * `JSON.stringify(skeleton(marker), null, 2)` cut where the markers of `names` stand, in the
 * order they appear in the text (the order of the keys). A marker is a string, and a string in
 * the report (a subject, a tool, a file name) equal to it would have the same JSON: each marker
 * carries a random nonce, and a text where a marker is not found exactly once is made again
 * with another.
 */
function around(
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
  throw new Error('no list marker found exactly once in the report');
}

/** `text` (JSON over several lines) as it is nested at `indent`. */
const indented = (text: string, indent: string): string => text.replace(/\n/g, `\n${indent}`);

/**
 * A list whose closing bracket is at `indent`, streamed as `JSON.stringify(…, null, 2)` writes
 * it: each element on its own lines, two spaces further in.
 */
function* list(items: Iterable<unknown>, indent: string): Generator<string> {
  const inner = `${indent}  `;
  let first = true;
  for (const item of items) {
    yield `${first ? '[' : ','}\n${inner}${indented(JSON.stringify(item, null, 2), inner)}`;
    first = false;
  }
  yield first ? '[]' : `\n${indent}]`;
}

/** The lists of a gateway's access section that grow with the trail: one element at a time. */
const STREAMED = ['principals', 'policyRefusals'] as const;

/** One gateway nested at `indent`, its long lists one element at a time. */
function* gateway(g: GatewayToolReport, indent: string): Generator<string> {
  const access = g.access;
  if (access === undefined) {
    yield indented(JSON.stringify(g, null, 2), indent);
    return;
  }
  // Key order decides which list comes first in the text.
  const names = Object.keys(access).filter((k) => (STREAMED as readonly string[]).includes(k));
  const parts = around((marker) => {
    const skeleton: Record<string, unknown> = { ...access };
    for (const name of STREAMED) skeleton[name] = marker(name);
    return { ...g, access: skeleton };
  }, names);
  for (const [i, name] of names.entries()) {
    yield indented(parts[i] ?? '', indent);
    // The gateway's keys are two spaces in, access's four: its lists close at four.
    yield* list(access[name as (typeof STREAMED)[number]], `${indent}    `);
  }
  yield indented(parts[names.length] ?? '', indent);
}

/** `JSON.stringify(report, null, 2)` and a newline, streamed gateway by gateway, row by row. */
export function* toolsJsonChunks(report: ToolReport): Generator<string> {
  const [head = '', tail = ''] = around(
    (marker) => ({ ...report, gateways: marker('gateways') }),
    ['gateways'],
  );
  yield head;
  const inner = '    ';
  let first = true;
  for (const g of report.gateways) {
    yield `${first ? '[' : ','}\n${inner}`;
    yield* gateway(g, inner);
    first = false;
  }
  yield first ? '[]' : '\n  ]';
  yield `${tail}\n`;
}
