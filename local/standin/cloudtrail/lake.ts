/**
 * CloudTrail Lake queries: `StartQuery` and `GetQueryResults`, which moto does not serve.
 * TEST/DEMO STAND-IN — it runs no SQL. Like moto's Athena results queue, each `StartQuery`
 * takes the next result seeded through `POST /_gatewarden/cloudtrail/lake/query-results` (none
 * seeded: no rows); the statement is kept for tests (`GET /_gatewarden/cloudtrail/lake/queries`).
 * The exchange is Lake's: the first `GetQueryResults` of a query says RUNNING, the next ones
 * FINISHED with the rows in pages (`NextToken`), each row a list of `{column: text}` cells.
 */
import { randomUUID } from 'node:crypto';
import type { StandinContext, StandinRoute } from '../context.js';
import { awsJson, awsJsonError, restJson, restJsonError, StandinError } from '../http.js';

type Row = Record<string, string>[];

interface SeededResult {
  rows: Row[];
  /** Rows per page (default 1000, Lake's largest page). */
  pageSize?: number;
}

interface Query {
  id: string;
  statement: string;
  result: SeededResult;
  polls: number;
}

interface LakeState {
  queue: SeededResult[];
  queries: Map<string, Query>;
}

const LAKE_STATE = 'cloudtrail-lake';
const lakeOf = (context: StandinContext): LakeState =>
  context.state(LAKE_STATE, () => ({ queue: [], queries: new Map() }));

const TARGET = 'CloudTrail_20131101.';

export const lakeStartQueryRoute: StandinRoute = {
  name: 'cloudtrail:StartQuery',
  model: 'cloudtrail',
  matches: (request) => request.aws.target === `${TARGET}StartQuery`,
  handle(request, context) {
    const statement = request.aws.params.QueryStatement;
    if (typeof statement !== 'string' || statement === '')
      return Promise.resolve(
        awsJsonError(
          new StandinError(400, 'InvalidQueryStatementException', 'QueryStatement is required'),
        ),
      );
    const lake = lakeOf(context);
    const query: Query = {
      id: randomUUID(),
      statement,
      result: lake.queue.shift() ?? { rows: [] },
      polls: 0,
    };
    lake.queries.set(query.id, query);
    return Promise.resolve(awsJson({ QueryId: query.id }));
  },
};

export const lakeGetQueryResultsRoute: StandinRoute = {
  name: 'cloudtrail:GetQueryResults',
  model: 'cloudtrail',
  matches: (request) => request.aws.target === `${TARGET}GetQueryResults`,
  handle(request, context) {
    const params = request.aws.params;
    const query = lakeOf(context).queries.get(String(params.QueryId ?? ''));
    if (query === undefined)
      return Promise.resolve(
        awsJsonError(new StandinError(400, 'QueryIdNotFoundException', 'no such query')),
      );
    query.polls += 1;
    if (query.polls === 1) return Promise.resolve(awsJson({ QueryStatus: 'RUNNING' }));
    const size = query.result.pageSize ?? 1000;
    const token =
      typeof params.NextToken === 'string' ? /^page-(\d+)$/.exec(params.NextToken) : null;
    const start = token === null ? 0 : Number(token[1]);
    if (params.NextToken !== undefined && token === null)
      return Promise.resolve(
        awsJsonError(new StandinError(400, 'InvalidNextTokenException', 'bad token')),
      );
    const rows = query.result.rows.slice(start, start + size);
    const next = start + size < query.result.rows.length ? `page-${start + size}` : undefined;
    return Promise.resolve(
      awsJson({
        QueryStatus: 'FINISHED',
        QueryStatistics: { ResultsCount: rows.length, TotalResultsCount: query.result.rows.length },
        QueryResultRows: rows,
        ...(next !== undefined ? { NextToken: next } : {}),
      }),
    );
  },
};

/**
 * `POST /_gatewarden/cloudtrail/lake/query-results` queues results (`{"results":[{"rows":
 * [[{"col":"text"},…],…],"pageSize":n}]}`); `GET …/lake/queries` lists the statements received.
 */
export const lakeAdminRoute: StandinRoute = {
  name: 'admin:cloudtrail-lake',
  recordInCloudTrail: false,
  matches: (request) => request.path.startsWith('/_gatewarden/cloudtrail/lake/'),
  handle(request, context) {
    const lake = lakeOf(context);
    if (request.method === 'GET' && request.path === '/_gatewarden/cloudtrail/lake/queries')
      return Promise.resolve(
        restJson(200, {
          queries: [...lake.queries.values()].map((q) => ({
            queryId: q.id,
            statement: q.statement,
          })),
        }),
      );
    if (request.method !== 'POST' || request.path !== '/_gatewarden/cloudtrail/lake/query-results')
      return Promise.resolve(restJsonError(new StandinError(404, 'NotFound', 'no such route')));
    let body: { results?: unknown };
    try {
      body = JSON.parse(request.body.toString('utf8')) as { results?: unknown };
    } catch {
      return Promise.resolve(
        restJsonError(new StandinError(400, 'ValidationException', 'body is not JSON')),
      );
    }
    const results = Array.isArray(body.results) ? (body.results as SeededResult[]) : undefined;
    if (results === undefined || !results.every((r) => Array.isArray(r.rows)))
      return Promise.resolve(
        restJsonError(new StandinError(400, 'ValidationException', 'results[].rows is required')),
      );
    lake.queue.push(...results);
    return Promise.resolve(restJson(201, { queued: results.length }));
  },
};
