import {
  CloudTrailClient,
  GetQueryResultsCommand,
  LookupEventsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand as GetAthenaResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  athenaDaysQuery,
  athenaRowsToDays,
  athenaRowsToFacts,
  athenaUsageQuery,
  type AthenaPartitions,
  type AthenaRow,
  type AthenaTable,
} from '../reports/athenaQuery.js';
import { lakeDaysQuery, lakeRowsToDays, lakeTableId, lakeTimestamp } from '../reports/lakeQuery.js';
import type { Readable } from 'node:stream';
import {
  DEFAULT_FILE_CONCURRENCY,
  describeReadError,
  DIGEST_PATH,
  forEachConcurrent,
  LOG_FILE,
  parseLogText,
  readLogStream,
} from '../reports/logFiles.js';
import { inReportScope } from '../reports/callers.js';
import type { ActivitySource, ActivityWindow, ScanIssue, ScanProgress } from '../reports/usage.js';
import type { UsageCollector } from '../reports/UsageCollector.js';
import { clientConfig, s3PathStyle } from './clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /Throttl|TooManyRequests|RequestLimitExceeded|RateExceeded/i.test(name);
}

/**
 * Usage from CloudTrail LookupEvents: management events of the last 90 days, 50 per page,
 * kept only for the principals the report covers (LookupEvents filters by user name, which for
 * a role session is the session's name, so the filter runs on each event's caller instead).
 * LookupEvents allows 2 requests per second per account and region, so pages are paced and a
 * throttled page is retried with jittered backoff (beyond the SDK's own retries).
 */
export class LookupEventsActivitySource implements ActivitySource {
  readonly kind = 'lookup-events';
  readonly description = 'CloudTrail LookupEvents (management events)';

  constructor(
    private readonly cloudtrail: CloudTrailClient = new CloudTrailClient(clientConfig()),
    private readonly options: {
      minIntervalMs?: number;
      maxThrottleRetries?: number;
      /** Stop paging after this long (a Lambda has 15 minutes); the report says usage is partial. */
      budgetMs?: number;
    } = {},
  ) {}

  async collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }> {
    // 2 requests/s is the documented limit; an emulator without it may set the env to 0.
    const fromEnv = Number(process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS ?? '');
    const minInterval =
      this.options.minIntervalMs ??
      (Number.isFinite(fromEnv) && process.env.GATEWARDEN_LOOKUP_EVENTS_INTERVAL_MS
        ? fromEnv
        : 500);
    const maxRetries = this.options.maxThrottleRetries ?? 8;
    const issues: ScanIssue[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    let lastCall = 0;
    const stopAt = Date.now() + (this.options.budgetMs ?? 12 * 60_000);
    do {
      if (Date.now() > stopAt) {
        // Partial usage would make used actions look unused: say so where the report shows it.
        issues.push({
          input: 'CloudTrail LookupEvents',
          reason: `cut short after ${pages} pages (time budget): usage is partial; use --trail, --athena or --lake for this account`,
        });
        break;
      }
      let page;
      for (let attempt = 0; ; attempt++) {
        const wait = lastCall + minInterval - Date.now();
        if (wait > 0) await sleep(wait);
        lastCall = Date.now();
        try {
          page = await this.cloudtrail.send(
            new LookupEventsCommand({
              StartTime: window.from,
              EndTime: window.to,
              MaxResults: 50,
              NextToken: nextToken,
            }),
          );
          break;
        } catch (error) {
          if (!isThrottle(error) || attempt >= maxRetries) throw error;
          await sleep(Math.min(20_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2));
        }
      }
      for (const event of page.Events ?? []) {
        if (event.CloudTrailEvent === undefined) continue;
        try {
          const record: unknown = JSON.parse(event.CloudTrailEvent);
          // Only the principals the report covers are aggregated (AgentCore calls always).
          if (window.principals !== undefined && !inReportScope(record, window.principals))
            collector.skipOutOfScope(eventTimeOf(record));
          else collector.addRecord(record);
        } catch (error) {
          issues.push({ input: `event ${event.EventId ?? '?'}`, reason: describeReadError(error) });
        }
      }
      pages += 1;
      onProgress?.({ done: pages, unit: 'pages' });
      nextToken = page.NextToken;
    } while (nextToken);
    return { issues };
  }
}

/** A record's eventTime, when it has one. */
function eventTimeOf(record: unknown): string | undefined {
  const time = (record as { eventTime?: unknown } | null)?.eventTime;
  return typeof time === 'string' ? time : undefined;
}

/**
 * Usage from CloudTrail log files in S3 (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…`),
 * streamed and decompressed with bounded parallelism; only the days of the window are read.
 */
export class S3LogActivitySource implements ActivitySource {
  readonly kind = 's3';
  readonly description: string;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly s3: S3Client = new S3Client({
      ...clientConfig(),
      forcePathStyle: s3PathStyle(),
    }),
    private readonly concurrency = DEFAULT_FILE_CONCURRENCY,
  ) {
    this.description = `s3://${bucket}/${prefix}`;
  }

  /** `s3://bucket/prefix` → source. */
  static fromUrl(url: string, s3?: S3Client): S3LogActivitySource {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (match?.[1] === undefined) throw new Error(`not an s3://bucket/prefix URL: ${url}`);
    return new S3LogActivitySource(match[1], match[2] ?? '', s3);
  }

  async collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }> {
    const keys = await this.listKeys(window);
    const issues: ScanIssue[] = [];
    let done = 0;
    await forEachConcurrent(keys, this.concurrency, async (key) => {
      try {
        const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        const text = await readLogStream(
          object.Body as Readable,
          key.toLowerCase().endsWith('.gz'),
        );
        for (const record of parseLogText(text)) collector.addRecord(record);
      } catch (error) {
        issues.push({ input: `s3://${this.bucket}/${key}`, reason: describeReadError(error) });
      }
      done += 1;
      onProgress?.({ done, total: keys.length, unit: 'files' });
    });
    return { issues };
  }

  private async listKeys(window: ActivityWindow): Promise<string[]> {
    const from = window.from.toISOString().slice(0, 10);
    const to = window.to.toISOString().slice(0, 10);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (key === undefined || !LOG_FILE.test(key) || DIGEST_PATH.test(key)) continue;
        const day = /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
        const date = day === null ? undefined : `${day[1]}-${day[2]}-${day[3]}`;
        if (date !== undefined && (date < from || date > to)) continue;
        keys.push(key);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}

/**
 * Usage from CloudTrail Lake: one SQL query aggregates calls per principal and operation over
 * the window (the data never leaves Lake record by record), a second counts records per day
 * (whether the trail covers the window, as Athena's). Touched resources are not queried, so
 * recommendations keep the granted resources for these actions.
 */
export class LakeActivitySource implements ActivitySource {
  readonly kind = 'lake';
  readonly description: string;

  constructor(
    private readonly eventDataStore: string,
    private readonly cloudtrail: CloudTrailClient = new CloudTrailClient(clientConfig()),
    private readonly options: { pollMs?: number; timeoutMs?: number } = {},
  ) {
    if (!/^[A-Za-z0-9:/._-]+$/.test(eventDataStore)) {
      throw new Error('event data store must be an id or ARN');
    }
    this.description = `CloudTrail Lake ${eventDataStore}`;
  }

  /** The SQL sent to Lake (exported for tests and for people who want to run it by hand). */
  query(window: ActivityWindow): string {
    const id = lakeTableId(this.eventDataStore);
    const ts = lakeTimestamp;
    return [
      'SELECT userIdentity.type AS identityType, userIdentity.arn AS identityArn,',
      '  userIdentity.sessioncontext.sessionissuer.arn AS issuerArn, eventSource, eventName,',
      '  COUNT(*) AS calls, MAX(eventTime) AS lastSeen',
      `FROM ${id}`,
      `WHERE eventTime >= '${ts(window.from)}' AND eventTime <= '${ts(window.to)}'`,
      "  AND (errorCode IS NULL OR (errorCode NOT LIKE '%AccessDenied%' AND errorCode NOT LIKE '%Unauthorized%'))",
      'GROUP BY userIdentity.type, userIdentity.arn, userIdentity.sessioncontext.sessionissuer.arn, eventSource, eventName',
    ].join('\n');
  }

  /** The second query: records per day of the window (whether the trail covers it). */
  daysQuery(window: ActivityWindow): string {
    return lakeDaysQuery(this.eventDataStore, window);
  }

  async collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }> {
    let rows = 0;
    await runLakeQuery(
      this.cloudtrail,
      this.query(window),
      this.eventDataStore,
      (page) => {
        for (const cells of page) {
          const count = Number(cells.calls ?? '0');
          if (!cells.eventSource || !cells.eventName || !(count > 0)) continue;
          collector.addFact({
            identity: {
              ...(cells.identityType ? { type: cells.identityType } : {}),
              ...(cells.identityArn ? { arn: cells.identityArn } : {}),
              ...(cells.issuerArn ? { issuerArn: cells.issuerArn } : {}),
            },
            eventSource: cells.eventSource,
            eventName: cells.eventName,
            count,
            ...(cells.lastSeen ? { lastSeen: lakeTime(cells.lastSeen) } : {}),
          });
          rows += 1;
        }
        onProgress?.({ done: rows, unit: 'rows' });
      },
      this.options,
    );
    // A day count per day of the window: at most a hundred rows.
    await runLakeQuery(
      this.cloudtrail,
      this.daysQuery(window),
      this.eventDataStore,
      (page) => {
        for (const { day, count } of lakeRowsToDays(page)) collector.addDayCount(day, count);
      },
      this.options,
    );
    return { issues: [] };
  }
}

/**
 * Runs one CloudTrail Lake query: StartQuery, then GetQueryResults until the query is finished
 * and every page is read. Each page's rows go to `onPage` as column → text.
 */
export async function runLakeQuery(
  cloudtrail: CloudTrailClient,
  statement: string,
  eventDataStore: string,
  onPage: (rows: Record<string, string>[]) => void,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const started = await cloudtrail.send(new StartQueryCommand({ QueryStatement: statement }));
  const queryId = started.QueryId;
  if (queryId === undefined) throw new Error('CloudTrail Lake returned no query id');
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  let nextToken: string | undefined;
  for (;;) {
    const page = await cloudtrail.send(
      new GetQueryResultsCommand({
        QueryId: queryId,
        NextToken: nextToken,
        EventDataStore: eventDataStore,
      }),
    );
    const status = page.QueryStatus;
    if (status === 'QUEUED' || status === 'RUNNING') {
      if (Date.now() > deadline)
        throw new Error(`CloudTrail Lake query ${queryId} did not finish in time`);
      await sleep(options.pollMs ?? 2000);
      continue;
    }
    if (status !== 'FINISHED') {
      throw new Error(`CloudTrail Lake query ${queryId} ended ${status ?? 'without status'}`);
    }
    onPage(
      (page.QueryResultRows ?? []).map(
        (row) => Object.assign({}, ...row) as Record<string, string>,
      ),
    );
    nextToken = page.NextToken;
    if (!nextToken) return;
  }
}

/** Lake prints `2026-11-20 10:00:01.000`; reports use ISO 8601. */
export function lakeTime(value: string): string {
  return /^\d{4}-\d{2}-\d{2} /.test(value)
    ? `${value.replace(' ', 'T').replace(/(\.\d+)?$/, '')}Z`
    : value;
}

/**
 * Usage from Athena over the trail's S3 logs (a CloudTrail table with partition projection,
 * see `cloudTrailTableDdl`): one aggregating query scans only the window's days and returns
 * principal × operation × count × last seen. Touched resources are not queried, so
 * recommendations keep the granted resources for these actions (as with Lake).
 */
export class AthenaActivitySource implements ActivitySource {
  readonly kind = 'athena';
  readonly description: string;

  constructor(
    private readonly table: AthenaTable,
    private readonly options: {
      workgroup?: string;
      /** Results location when the workgroup does not enforce one (`s3://bucket/prefix/`). */
      outputLocation?: string;
      pollMs?: number;
      timeoutMs?: number;
      /**
       * Partitions to name besides the window's days: the organization's accounts the report
       * discovered (the central table projects them as `injected`), the trail's regions.
       */
      partitions?: AthenaPartitions;
    } = {},
    private readonly athena: AthenaClient = new AthenaClient(clientConfig()),
  ) {
    this.description = `Athena ${table.database}.${table.table}${options.workgroup ? ` (workgroup ${options.workgroup})` : ''}`;
  }

  /** The SQL sent to Athena (for tests and for people who want to run it by hand). */
  query(window: ActivityWindow): string {
    return athenaUsageQuery(this.table, window, this.options.partitions);
  }

  /** The second query: records per day of the window (whether the trail covers it). */
  daysQuery(window: ActivityWindow): string {
    return athenaDaysQuery(this.table, window, this.options.partitions);
  }

  async collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }> {
    let rows = 0;
    const options = { ...this.options, database: this.table.database };
    await runAthenaQuery(this.athena, this.query(window), options, (page, first) => {
      for (const fact of athenaRowsToFacts(page, first)) {
        collector.addFact(fact);
        rows += 1;
      }
      onProgress?.({ done: rows, unit: 'rows' });
    });
    // A day count per day of the window: at most a hundred rows, read from the same scan.
    await runAthenaQuery(this.athena, this.daysQuery(window), options, (page, first) => {
      for (const { day, count } of athenaRowsToDays(page, first)) collector.addDayCount(day, count);
    });
    return { issues: [] };
  }
}

/** Where and how long one Athena query runs. */
export interface AthenaQueryOptions {
  database: string;
  workgroup?: string;
  /** Results location when the workgroup does not enforce one (`s3://bucket/prefix/`). */
  outputLocation?: string;
  pollMs?: number;
  timeoutMs?: number;
}

/**
 * Runs one Athena query: StartQueryExecution, GetQueryExecution until it succeeded, then every
 * page of GetQueryResults to `onPage` (`first` marks the page whose first row is the header).
 */
export async function runAthenaQuery(
  athena: AthenaClient,
  query: string,
  options: AthenaQueryOptions,
  onPage: (rows: AthenaRow[], first: boolean) => void,
): Promise<void> {
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: query,
      QueryExecutionContext: { Database: options.database },
      ...(options.workgroup ? { WorkGroup: options.workgroup } : {}),
      ...(options.outputLocation
        ? { ResultConfiguration: { OutputLocation: options.outputLocation } }
        : {}),
    }),
  );
  const id = started.QueryExecutionId;
  if (id === undefined) throw new Error('Athena returned no query execution id');
  const deadline = Date.now() + (options.timeoutMs ?? 12 * 60_000);
  for (;;) {
    const execution = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = execution.QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new Error(`Athena query ${id} ended ${state}`);
    if (Date.now() > deadline) throw new Error(`Athena query ${id} did not finish in time`);
    await sleep(options.pollMs ?? 2000);
  }
  let nextToken: string | undefined;
  let first = true;
  do {
    const page = await athena.send(
      new GetAthenaResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: 1000 }),
    );
    // Athena returns the column names as the first row of the first page.
    onPage(page.ResultSet?.Rows ?? [], first);
    first = false;
    nextToken = page.NextToken;
  } while (nextToken);
}
