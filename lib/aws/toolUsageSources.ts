/**
 * Tool usage aggregated on Athena or CloudTrail Lake (lib/tools/toolUsageQuery.ts has the SQL
 * and the row mapping): the same query exchange the access report's usage sources run.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { AthenaPartitions, AthenaTable } from '../reports/athenaQuery.js';
import type { ActivityWindow, ScanIssue } from '../reports/usage.js';
import type { AggregatedToolUsage } from '../tools/AggregatedToolUsage.js';
import type { ToolUsageSource } from '../tools/toolUsage.js';
import {
  athenaToolUsageQuery,
  athenaToolUsageRows,
  eventDataStoreId,
  lakeToolUsageQuery,
  toolUsageRow,
} from '../tools/toolUsageQuery.js';
import { lakeTime, runAthenaQuery, runLakeQuery } from './activitySources.js';
import { clientConfig } from './clients.js';

export interface AthenaToolUsageOptions {
  workgroup?: string;
  /** Results location when the workgroup does not enforce one (`s3://bucket/prefix/`). */
  outputLocation?: string;
  partitions?: AthenaPartitions;
  pollMs?: number;
  timeoutMs?: number;
}

/** InvokeGateway data events aggregated by one Athena query over the CloudTrail table. */
export class AthenaToolUsageSource implements ToolUsageSource {
  readonly kind = 'athena';
  readonly description: string;

  constructor(
    private readonly table: AthenaTable,
    private readonly options: AthenaToolUsageOptions = {},
    private readonly athena: AthenaClient = new AthenaClient(clientConfig()),
  ) {
    this.description = `Athena ${table.database}.${table.table}${options.workgroup ? ` (workgroup ${options.workgroup})` : ''}`;
  }

  query(window: ActivityWindow, claimNames: readonly string[]): string {
    return athenaToolUsageQuery(this.table, window, claimNames, this.options.partitions);
  }

  async collect(
    window: ActivityWindow,
    usage: AggregatedToolUsage,
  ): Promise<{ issues: ScanIssue[] }> {
    const claimCount = usage.claimNames.length;
    await runAthenaQuery(
      this.athena,
      this.query(window, usage.claimNames),
      { ...this.options, database: this.table.database },
      (rows, first) => {
        for (const row of athenaToolUsageRows(rows, claimCount, first)) usage.addRow(row);
      },
    );
    return { issues: [] };
  }
}

/** InvokeGateway data events aggregated by one CloudTrail Lake query on an event data store. */
export class LakeToolUsageSource implements ToolUsageSource {
  readonly kind = 'lake';
  readonly description: string;

  constructor(
    private readonly eventDataStore: string,
    private readonly cloudtrail: CloudTrailClient = new CloudTrailClient(clientConfig()),
    private readonly options: { pollMs?: number; timeoutMs?: number } = {},
  ) {
    eventDataStoreId(eventDataStore);
    this.description = `CloudTrail Lake ${eventDataStore}`;
  }

  query(window: ActivityWindow, claimNames: readonly string[]): string {
    return lakeToolUsageQuery(this.eventDataStore, window, claimNames);
  }

  async collect(
    window: ActivityWindow,
    usage: AggregatedToolUsage,
  ): Promise<{ issues: ScanIssue[] }> {
    const claimCount = usage.claimNames.length;
    await runLakeQuery(
      this.cloudtrail,
      this.query(window, usage.claimNames),
      this.eventDataStore,
      (rows) => {
        for (const cells of rows) {
          const row = toolUsageRow((column) => cells[column], claimCount, lakeTime);
          if (row !== undefined) usage.addRow(row);
        }
      },
      this.options,
    );
    return { issues: [] };
  }
}
