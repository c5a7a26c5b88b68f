import type { AccessReport } from '../reportTypes.js';
import type { ReportLists } from './reportLists.js';

/** Stands in for a list in the report's skeleton; JSON escapes NUL, so no text can match it. */
const marker = (name: string) => `\u0000${name}\u0000`;

/** One element of a top-level list, as `JSON.stringify(report, null, 2)` indents it. */
const element = (value: unknown) =>
  `    ${JSON.stringify(value, null, 2).replace(/\n/g, '\n    ')}`;

/** A top-level list, streamed, as `JSON.stringify(report, null, 2)` writes it. */
function* list(items: Iterable<unknown>): Generator<string> {
  let first = true;
  for (const item of items) {
    yield `${first ? '[\n' : ',\n'}${element(item)}`;
    first = false;
  }
  yield first ? '[]' : '\n  ]';
}

/**
 * `JSON.stringify(report, null, 2)` and a newline, byte for byte, with the principals and
 * findings streamed from `lists` (one pass over each).
 */
export function* jsonChunks(report: AccessReport, lists: ReportLists): Generator<string> {
  const names = ['roles', 'principals', 'findings'] as const;
  let text = `${JSON.stringify(
    {
      ...report,
      roles: marker('roles'),
      principals: marker('principals'),
      findings: marker('findings'),
    },
    null,
    2,
  )}\n`;
  const parts: string[] = [];
  for (const name of names) {
    const quoted = JSON.stringify(marker(name));
    const at = text.indexOf(quoted);
    parts.push(text.slice(0, at));
    text = text.slice(at + quoted.length);
  }
  parts.push(text);
  // Roles come first in `principals()`, then the others: one pass writes both lists.
  const principals = lists.principals()[Symbol.iterator]();
  let next = principals.next();
  function* whileRoles(wanted: boolean): Generator<unknown> {
    while (!next.done && (next.value.type === 'role') === wanted) {
      yield next.value;
      next = principals.next();
    }
  }
  yield parts[0] ?? '';
  yield* list(whileRoles(true));
  yield parts[1] ?? '';
  yield* list(whileRoles(false));
  if (!next.done) throw new Error('a role came after the other principals');
  yield parts[2] ?? '';
  yield* list(lists.findings());
  yield parts[3] ?? '';
}
