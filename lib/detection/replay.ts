import type { DetectionConfig } from './config.js';
import { DetectionEngine } from './engine.js';
import { InputReadError } from './errors.js';
import { readItems, unwrapRecords, walkInputs } from './input.js';
import { memoryState } from './memoryStores.js';
import type { DetectionState } from './ports.js';
import { validateRecord } from './record.js';
import type { Finding } from './types.js';

const DAY_MS = 86_400_000;

/** Per-rule counts for the summary. */
export interface RuleTally {
  findings: number;
  dryRun: number;
  suppressed: number;
  deduplicated: number;
  errors: number;
}

export interface ReplaySummary {
  files: number;
  records: number;
  /** Records evaluated in learn-only mode (`--baseline-days`). */
  learned: number;
  malformed: number;
  /** CloudTrail Insights events, which are not API calls (not evaluated, not malformed). */
  skipped: number;
  findings: number;
  /** Inputs that could not be read at all (the CLI exits non-zero when there are any). */
  unreadable: { path: string; reason: string }[];
  perRule: Map<string, RuleTally>;
}

export interface ReplayProgress {
  filesDone: number;
  filesTotal: number;
  records: number;
  findings: number;
}

export interface ReplayOptions {
  paths: readonly string[];
  config: DetectionConfig;
  /** Train baselines/counters on the first N days (from the first record) without alerting. */
  baselineDays?: number;
  /** State ports; defaults to fresh in-memory stores. */
  state?: DetectionState;
  onFinding: (finding: Finding) => void;
  onWarning: (message: string) => void;
  onProgress?: (progress: ReplayProgress) => void;
}

/**
 * Runs the detection engine over CloudTrail files, exactly as the Lambda would over the same
 * events: files in sorted path order (CloudTrail's `YYYY/MM/DD` layout makes that time
 * order), one record at a time, never a whole file in memory.
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const engine = new DetectionEngine({
    config: options.config,
    state: options.state ?? memoryState(),
  });
  const summary: ReplaySummary = {
    files: 0,
    records: 0,
    learned: 0,
    malformed: 0,
    skipped: 0,
    findings: 0,
    unreadable: [],
    perRule: new Map(),
  };
  const tally = (ruleId: string): RuleTally => {
    let t = summary.perRule.get(ruleId);
    if (t === undefined) {
      t = { findings: 0, dryRun: 0, suppressed: 0, deduplicated: 0, errors: 0 };
      summary.perRule.set(ruleId, t);
    }
    return t;
  };
  for (const rule of engine.rules) tally(rule.id);

  const files: string[] = [];
  for (const path of options.paths) {
    try {
      for await (const file of walkInputs([path])) files.push(file);
    } catch (error) {
      summary.unreadable.push({ path, reason: reasonOf(error) });
      options.onWarning(reasonOf(error));
    }
  }

  let learnUntil: number | undefined;
  const baselineMs = (options.baselineDays ?? 0) * DAY_MS;
  for (const file of files) {
    let malformed = 0;
    let firstReason: string | undefined;
    try {
      for await (const batch of readItems(file)) {
        for (const item of batch) {
          if (!item.ok) {
            malformed++;
            firstReason ??= item.reason;
            continue;
          }
          for (const raw of unwrapRecords(item.value)) {
            if (isInsight(raw)) {
              // Insights events (CloudTrail-Insight/) describe API-rate anomalies, not calls.
              summary.skipped++;
              continue;
            }
            const validated = validateRecord(raw);
            if (!validated.ok) {
              malformed++;
              firstReason ??= validated.reason;
              continue;
            }
            const record = validated.record;
            const at = Date.parse(record.eventTime);
            learnUntil ??= at + baselineMs;
            const learnOnly = at < learnUntil;
            summary.records++;
            if (learnOnly) summary.learned++;
            if (summary.records % 10_000 === 0) {
              options.onProgress?.({
                filesDone: summary.files + summary.unreadable.length,
                filesTotal: files.length,
                records: summary.records,
                findings: summary.findings,
              });
            }
            const result = engine.canEvaluateSync
              ? engine.evaluateSync(record, { learnOnly })
              : await engine.evaluate(record, { learnOnly });
            for (const error of result.ruleErrors) tally(error.ruleId).errors++;
            for (const drop of result.dropped) {
              if (drop.reason === 'suppressed') tally(drop.ruleId).suppressed++;
              else tally(drop.ruleId).deduplicated++;
            }
            for (const finding of result.findings) {
              const t = tally(finding.ruleId);
              if (finding.dryRun) {
                t.dryRun++;
                continue;
              }
              t.findings++;
              summary.findings++;
              options.onFinding(finding);
            }
          }
        }
      }
      summary.files++;
    } catch (error) {
      summary.unreadable.push({ path: file, reason: reasonOf(error) });
      options.onWarning(reasonOf(error));
    }
    if (malformed > 0) {
      summary.malformed += malformed;
      options.onWarning(
        `${file}: skipped ${malformed} malformed record${malformed === 1 ? '' : 's'} (first: ${firstReason ?? 'unknown'})`,
      );
    }
    options.onProgress?.({
      filesDone: summary.files + summary.unreadable.length,
      filesTotal: files.length,
      records: summary.records,
      findings: summary.findings,
    });
  }
  return summary;
}

function isInsight(raw: unknown): boolean {
  return (
    raw !== null &&
    typeof raw === 'object' &&
    (raw as Record<string, unknown>).eventType === 'AwsCloudTrailInsight'
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof InputReadError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
