/**
 * Tool usage aggregated where the data is: one SQL query over InvokeGateway data events, on
 * Athena (the CloudTrail table the access report already queries, partition projection) or on
 * CloudTrail Lake (same Trino dialect, another schema). It groups by gateway, caller, kept
 * claims, method, tool, target id and outcome, and returns counts with first and last seen, so
 * a few thousand rows reach the report instead of millions of records.
 *
 * The query decodes nothing that the trail-file reader decides: each caller-written field
 * (claims, method, tool name, target id, status code) comes back as its raw JSON text, and
 * `AggregatedToolUsage` hands it to the same reader (`readInvokeFields`). Only two things are
 * decided in SQL, because grouping by them would multiply the rows: whether the response body
 * holds a JSON-RPC error, and whether its message names a policy (the reader's own pattern).
 *
 * Nothing a caller writes is ever put into the SQL: the statement is built from constants, the
 * window's dates, identifiers validated here (table, event data store, claim names) and the
 * day partitions of `athenaWindowPredicates`.
 */
import {
  athenaFrom,
  athenaWindowPredicates,
  type AthenaPartitions,
  type AthenaRow,
  type AthenaTable,
} from '../reports/athenaQuery.js';
import type { ActivityWindow } from '../reports/usage.js';
import { ToolsInputError } from './errors.js';
import {
  AGENTCORE_SOURCE,
  GATEWAY_RESOURCE_TYPE,
  INVOKE_EVENT_NAMES,
  keptClaimNames,
  MAX_BODY_CHARS,
  POLICY_DENIAL,
} from './invokeRecord.js';

/** One group of data events as the query returns it; JSON fields still raw. */
export interface ToolUsageRow {
  gatewayArn?: string;
  /** `additionalEventData.jwt.claims` is an object (else the caller is the IAM identity). */
  claimsObject: boolean;
  /** Parsed JSON values: `sub`, then the kept claims in the order of the claim names. */
  sub?: unknown;
  claims: unknown[];
  /** `userIdentity.type` and `.arn`, only where there are no claims (AWS_IAM gateways). */
  identityType?: string;
  identityArn?: string;
  /** `userIdentity.accountId` is `anonymous` (a refused bearer token). */
  anonymous: boolean;
  method?: unknown;
  tool?: unknown;
  targetId?: unknown;
  statusCode?: unknown;
  /** A JSON-RPC error object in the response body, and whether its message names a policy. */
  errorKind?: 'policy' | 'other';
  calls: number;
  firstSeen: string;
  lastSeen: string;
}

/** A JWT claim name as `--principal-claim` admits it; it becomes a JSON path in the SQL. */
const CLAIM_NAME = /^[A-Za-z0-9_:.-]{1,64}$/;
/** The id part of an event data store ARN (a UUID, or a name of these characters). */
const EVENT_DATA_STORE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The claim names a query extracts (`sub` apart); refuses any that is not a plain name. */
export function queryClaimNames(keptClaims: readonly string[]): string[] {
  const names = keptClaimNames(keptClaims);
  const bad = names.find((name) => !CLAIM_NAME.test(name));
  if (bad !== undefined)
    throw new ToolsInputError(`not a JWT claim name: ${JSON.stringify(bad).slice(0, 80)}`);
  return names;
}

/** The query's columns, in order; `claim_<n>` is the n-th kept claim. */
export function toolUsageColumns(claimCount: number): string[] {
  return [
    'gateway_arn',
    'claims_object',
    'sub',
    ...Array.from({ length: claimCount }, (_, i) => `claim_${i}`),
    'identity_type',
    'identity_arn',
    'anonymous',
    'method',
    'tool',
    'target_id',
    'status_code',
    'error_kind',
    'calls',
    'first_seen',
    'last_seen',
  ];
}

/** Where each raw field is in one schema: SQL expressions of JSON type or of JSON text. */
interface Schema {
  /** `additionalEventData.jwt.claims`, JSON. */
  claims: string;
  /** `additionalEventData.targetId`, JSON text. */
  targetId: string;
  /** `requestParameters.body` as a JSON object (parsed when logged as text), JSON. */
  requestBody: string;
  /** `responseElements.statusCode`, JSON text. */
  statusCode: string;
  /** `responseElements.body`, as `requestBody`. */
  responseBody: string;
}

/** A body logged as text is parsed only when the reader would parse it (size, leading `{`). */
const parsedText = (text: string): string =>
  `CASE WHEN length(${text}) <= ${MAX_BODY_CHARS} AND substr(${text}, 1, 1) = '{' THEN try(json_parse(${text})) END`;

/** Athena: the CloudTrail table keeps these columns as strings of JSON. */
const embeddedBody = (column: string): string => {
  const text = `json_extract_scalar(${column}, '$.body')`;
  return `(CASE WHEN ${text} IS NULL THEN json_extract(${column}, '$.body') ELSE ${parsedText(text)} END)`;
};

const ATHENA: Schema = {
  claims: "json_extract(additionaleventdata, '$.jwt.claims')",
  targetId: "json_format(json_extract(additionaleventdata, '$.targetId'))",
  requestBody: embeddedBody('requestparameters'),
  statusCode: "json_format(json_extract(responseelements, '$.statusCode'))",
  responseBody: embeddedBody('responseelements'),
};

/**
 * CloudTrail Lake: requestParameters, responseElements and additionalEventData are
 * `map<string,string>`; a nested value is its JSON text, a top-level string is the string
 * itself (cast to JSON so that every raw column is JSON text).
 */
const LAKE: Schema = {
  claims: "json_extract(element_at(additionaleventdata, 'jwt'), '$.claims')",
  targetId: "json_format(CAST(element_at(additionaleventdata, 'targetId') AS JSON))",
  requestBody: `(${parsedText("element_at(requestparameters, 'body')")})`,
  statusCode: "json_format(CAST(element_at(responseelements, 'statusCode') AS JSON))",
  responseBody: `(${parsedText("element_at(responseelements, 'body')")})`,
};

/** The SQL pattern of the reader's policy-denial test (a constant, checked to hold no quote). */
function policyPattern(): string {
  const source = POLICY_DENIAL.source;
  if (source.includes("'") || !POLICY_DENIAL.flags.includes('i'))
    throw new Error('POLICY_DENIAL cannot be written into SQL');
  return `(?i)${source}`;
}

function selectList(schema: Schema, claimNames: readonly string[]): string[] {
  const raw = (doc: string, path: string) => `json_format(json_extract(${doc}, '${path}'))`;
  const claimsObject = `json_format(${schema.claims}) LIKE '{%'`;
  const error = `json_extract(${schema.responseBody}, '$.error')`;
  const expressions = [
    `element_at(filter(resources, r -> r.type = '${GATEWAY_RESOURCE_TYPE}' AND r.arn <> ''), 1).arn`,
    `CASE WHEN ${claimsObject} THEN 'object' END`,
    raw(schema.claims, '$.sub'),
    ...claimNames.map((name) => raw(schema.claims, `$["${name}"]`)),
    `CASE WHEN NOT coalesce(${claimsObject}, false) THEN useridentity.type END`,
    `CASE WHEN NOT coalesce(${claimsObject}, false) THEN useridentity.arn END`,
    "CASE WHEN useridentity.accountid = 'anonymous' THEN 'anonymous' END",
    raw(schema.requestBody, '$.method'),
    raw(schema.requestBody, '$.params.name'),
    schema.targetId,
    schema.statusCode,
    `CASE WHEN json_format(${error}) LIKE '{%' THEN (CASE WHEN regexp_like(coalesce(json_extract_scalar(${error}, '$.message'), ''), '${policyPattern()}') THEN 'policy' ELSE 'other' END) END`,
    'count(*)',
    'min(eventtime)',
    'max(eventtime)',
  ];
  const columns = toolUsageColumns(claimNames.length);
  return expressions.map(
    (e, i) => `  ${e} AS ${columns[i] ?? ''}${i < expressions.length - 1 ? ',' : ''}`,
  );
}

const invokeFilter = (): string =>
  `  AND eventsource = '${AGENTCORE_SOURCE}' AND eventname IN (${[...INVOKE_EVENT_NAMES].map((n) => `'${n}'`).join(', ')})`;

/** Every column but the three aggregates, by position. */
const groupBy = (claimCount: number): string =>
  `GROUP BY ${Array.from({ length: toolUsageColumns(claimCount).length - 3 }, (_, i) => i + 1).join(', ')}`;

/**
 * The Athena query: the window's day partitions (and named accounts and regions) as the access
 * report's query bounds them, then InvokeGateway data events only.
 */
export function athenaToolUsageQuery(
  table: AthenaTable,
  window: ActivityWindow,
  claimNames: readonly string[],
  partitions: AthenaPartitions = {},
): string {
  const names = queryClaimNames(claimNames);
  return [
    'SELECT',
    ...selectList(ATHENA, names),
    athenaFrom(table),
    ...athenaWindowPredicates(window, partitions),
    invokeFilter(),
    groupBy(names.length),
  ].join('\n');
}

/** `2026-11-20 10:00:01`: how Lake compares its `eventTime` timestamps. */
const lakeTimestamp = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

/** The id a Lake query names as its table: an id, or the last part of the store's ARN. */
export function eventDataStoreId(value: string): string {
  const id = value.split('/').pop() ?? '';
  if (!EVENT_DATA_STORE_ID.test(id) || !/^[A-Za-z0-9:/._-]+$/.test(value))
    throw new ToolsInputError('the event data store must be an id or ARN');
  return id;
}

/** The CloudTrail Lake query (same columns) over an event data store. */
export function lakeToolUsageQuery(
  eventDataStore: string,
  window: ActivityWindow,
  claimNames: readonly string[],
): string {
  const names = queryClaimNames(claimNames);
  return [
    'SELECT',
    ...selectList(LAKE, names),
    `FROM ${eventDataStoreId(eventDataStore)}`,
    `WHERE eventtime >= '${lakeTimestamp(window.from)}' AND eventtime <= '${lakeTimestamp(window.to)}'`,
    invokeFilter(),
    groupBy(names.length),
  ].join('\n');
}

/** A raw JSON column: its value, or undefined (NULL, or text that is not JSON). */
function json(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const optional = (text: string | undefined): string | undefined =>
  text === undefined || text === '' ? undefined : text;

/**
 * One result row, its cells looked up by column name, as a {@link ToolUsageRow}; undefined for
 * a row without a positive count. `time` turns the engine's timestamps into ISO 8601.
 */
export function toolUsageRow(
  cell: (column: string) => string | undefined,
  claimCount: number,
  time: (value: string) => string = (value) => value,
): ToolUsageRow | undefined {
  const calls = Number(cell('calls') ?? '');
  if (!Number.isSafeInteger(calls) || calls <= 0) return undefined;
  const errorKind = cell('error_kind');
  const row: ToolUsageRow = {
    claimsObject: cell('claims_object') === 'object',
    sub: json(cell('sub')),
    claims: Array.from({ length: claimCount }, (_, i) => json(cell(`claim_${i}`))),
    anonymous: cell('anonymous') === 'anonymous',
    method: json(cell('method')),
    tool: json(cell('tool')),
    targetId: json(cell('target_id')),
    statusCode: json(cell('status_code')),
    calls,
    firstSeen: time(cell('first_seen') ?? ''),
    lastSeen: time(cell('last_seen') ?? ''),
  };
  const gatewayArn = optional(cell('gateway_arn'));
  if (gatewayArn !== undefined) row.gatewayArn = gatewayArn;
  const identityType = optional(cell('identity_type'));
  if (identityType !== undefined) row.identityType = identityType;
  const identityArn = optional(cell('identity_arn'));
  if (identityArn !== undefined) row.identityArn = identityArn;
  if (errorKind === 'policy' || errorKind === 'other') row.errorKind = errorKind;
  return row;
}

/**
 * Athena result rows (`Data[].VarCharValue`, the header row first on the first page) as
 * {@link ToolUsageRow}s; a header that is not the query's columns is refused.
 */
export function athenaToolUsageRows(
  rows: readonly AthenaRow[],
  claimCount: number,
  withHeader: boolean,
): ToolUsageRow[] {
  const columns = toolUsageColumns(claimCount);
  if (withHeader) {
    const header = (rows[0]?.Data ?? []).map((d) => d.VarCharValue ?? '');
    if (header.join(',') !== columns.join(','))
      throw new ToolsInputError(
        `Athena returned ${header.length} columns, not those of the tool usage query (${columns.length})`,
      );
  }
  const out: ToolUsageRow[] = [];
  for (const r of withHeader ? rows.slice(1) : rows) {
    const index = new Map(columns.map((c, i) => [c, r.Data?.[i]?.VarCharValue]));
    const row = toolUsageRow((c) => index.get(c), claimCount);
    if (row !== undefined) out.push(row);
  }
  return out;
}
