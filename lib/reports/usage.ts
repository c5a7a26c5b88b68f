import type { UsageCollector } from './UsageCollector.js';

/** The time window of a report. */
export interface ActivityWindow {
  from: Date;
  to: Date;
  /**
   * {@link principalKey}s of the principals the report covers. A source that must page through
   * every event (LookupEvents) may leave other callers out: see {@link inReportScope}.
   */
  principals?: ReadonlySet<string>;
}

/** Progress of a scan, for a progress bar. */
export interface ScanProgress {
  done: number;
  total?: number;
  unit: 'files' | 'pages' | 'rows' | 'MB';
}

/** A problem with one input (a file that is not CloudTrail JSON, …): reported, not fatal. */
export interface ScanIssue {
  input: string;
  reason: string;
}

/**
 * Where usage comes from: CloudTrail LookupEvents, log files in S3, CloudTrail Lake, or a
 * local directory. Each feeds the collector every record of the window it can see.
 */
export interface ActivitySource {
  readonly kind: 'lookup-events' | 's3' | 'lake' | 'athena' | 'directory' | 'memory';
  /** Human-readable origin (bucket/prefix, directory, event data store) without secrets. */
  readonly description: string;
  collect(
    window: ActivityWindow,
    collector: UsageCollector,
    onProgress?: (progress: ScanProgress) => void,
  ): Promise<{ issues: ScanIssue[] }>;
}

/** Activity held in memory (unit tests, replaying captured records). */
export class MemoryActivitySource implements ActivitySource {
  readonly kind = 'memory';
  readonly description = 'in-memory records';
  constructor(private readonly records: readonly unknown[]) {}
  async collect(
    _window: ActivityWindow,
    collector: UsageCollector,
  ): Promise<{ issues: ScanIssue[] }> {
    for (const record of this.records) collector.addRecord(record);
    return { issues: [] };
  }
}
