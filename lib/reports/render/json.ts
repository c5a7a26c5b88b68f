import type { AccessReport } from '../reportTypes.js';
import { cutAtMarkers } from './jsonSkeleton.js';
import type { ReportLists } from './reportLists.js';

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
  const parts = cutAtMarkers(
    (marker) => ({
      ...report,
      roles: marker('roles'),
      principals: marker('principals'),
      findings: marker('findings'),
    }),
    ['roles', 'principals', 'findings'],
  );
  parts[parts.length - 1] = `${parts.at(-1) ?? ''}\n`;
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
