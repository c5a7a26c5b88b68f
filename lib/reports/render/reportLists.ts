import type { AccessReport, PrincipalReport, ReportFinding } from '../reportTypes.js';

/**
 * The long lists of a report, which a report of a large account cannot hold in memory: each
 * call iterates afresh (from memory, or from files written while the report was made).
 */
export interface ReportLists {
  /** Roles, then other principals, in the report's order. */
  principals(): Iterable<PrincipalReport>;
  principalCount: number;
  /** Findings in the report's order. */
  findings(): Iterable<ReportFinding>;
  findingCount: number;
}

/** The lists of a report held in memory. */
export function listsOf(report: AccessReport): ReportLists {
  return {
    principals: () => [...report.roles, ...report.principals],
    principalCount: report.roles.length + report.principals.length,
    findings: () => report.findings,
    findingCount: report.findings.length,
  };
}

/** A rendered document: text pieces, some of them streams of pieces. */
export type Piece = string | Iterable<string>;

/** The pieces one after another with `separator` between them (what `join` does, streamed). */
export function* joined(pieces: Iterable<Piece>, separator: string): Generator<string> {
  let first = true;
  for (const piece of pieces) {
    if (!first) yield separator;
    first = false;
    if (typeof piece === 'string') yield piece;
    else yield* piece;
  }
}

/** The whole text of a stream of pieces. */
export function textOf(chunks: Iterable<string>): string {
  let text = '';
  for (const chunk of chunks) text += chunk;
  return text;
}

/**
 * `items` mapped through `row`, each preceded by `separator` but the first: the body of a table
 * whose rows are joined, streamed.
 */
export function* rowsOf<T>(
  items: Iterable<T>,
  row: (item: T, index: number) => string,
  separator = '\n',
): Generator<string> {
  let i = 0;
  for (const item of items) {
    if (i > 0) yield separator;
    yield row(item, i);
    i += 1;
  }
}
