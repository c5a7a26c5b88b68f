/**
 * The tool report's JSON, streamed: `JSON.stringify(report, null, 2)` and a newline, byte for
 * byte, with each gateway's principals written one at a time (a report over a large trail has
 * hundreds of thousands of caller × tool rows; as one string it was the peak of a run).
 */
import { cutAtMarkers } from '../../reports/render/jsonSkeleton.js';
import type { GatewayToolReport, ToolReport } from '../report.js';

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
  const parts = cutAtMarkers((marker) => {
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
  const [head = '', tail = ''] = cutAtMarkers(
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
