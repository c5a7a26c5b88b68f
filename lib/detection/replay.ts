import type { DetectionConfig } from './config.js';
import { DetectionEngine } from './engine.js';
import { safeReason } from '../shared/redact.js';
import { InputReadError } from './errors.js';
import { FindingGroups } from './grouping.js';
import { walkInputs } from './input.js';
import { memoryState } from './memoryStores.js';
import type { DetectionState } from './ports.js';
import { recordsInTimeOrder } from './timeOrder.js';
import type { Finding, Rule } from './types.js';

const DAY_MS = 86_400_000;

/** Per-rule counts for the summary. */
export interface RuleTally {
  findings: number;
  dryRun: number;
  suppressed: number;
  deduplicated: number;
  /** Findings folded into a burst's one alert. */
  grouped: number;
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
  /** Inputs as given (files or directories) that yielded no valid record at all. */
  emptyInputs: string[];
  /** Files that yielded no valid record (inside a directory, or given on their own). */
  emptyFiles: string[];
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
  /**
   * Train baselines/counters on the first N days (from the earliest record) without alerting;
   * 0 (the default) evaluates every record.
   */
  baselineDays?: number;
  /** Rules to run; defaults to every rule. */
  rules?: readonly Rule[];
  /** State ports; defaults to fresh in-memory stores. */
  state?: DetectionState;
  onFinding: (finding: Finding) => void;
  onWarning: (message: string) => void;
  onProgress?: (progress: ReplayProgress) => void;
}

/**
 * Runs the detection engine over CloudTrail files as the Lambda would over the same events:
 * one record at a time in event-time order across every file, whatever order the files are
 * named in or the records are written in (see `timeOrder.ts` for the merge and its memory).
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const engine = new DetectionEngine({
    config: options.config,
    state: options.state ?? memoryState(),
    ...(options.rules === undefined ? {} : { rules: options.rules }),
  });
  const summary: ReplaySummary = {
    files: 0,
    records: 0,
    learned: 0,
    malformed: 0,
    skipped: 0,
    findings: 0,
    unreadable: [],
    emptyInputs: [],
    emptyFiles: [],
    perRule: new Map(),
  };
  const tally = (ruleId: string): RuleTally => {
    let t = summary.perRule.get(ruleId);
    if (t === undefined) {
      t = { findings: 0, dryRun: 0, suppressed: 0, deduplicated: 0, grouped: 0, errors: 0 };
      summary.perRule.set(ruleId, t);
    }
    return t;
  };
  for (const rule of engine.rules) tally(rule.id);

  const files: string[] = [];
  // Which input each file came from, to tell an input that yielded nothing.
  const inputOf = new Map<string, string>();
  const recordsPerInput = new Map<string, number>();
  for (const path of options.paths) {
    recordsPerInput.set(path, 0);
    try {
      for await (const file of walkInputs([path], { onSkip: options.onWarning })) {
        if (inputOf.has(file)) continue;
        files.push(file);
        inputOf.set(file, path);
      }
    } catch (error) {
      summary.unreadable.push({ path, reason: reasonOf(error) });
      options.onWarning(reasonOf(error));
    }
  }

  // Learn-only is a window at the start of the stream, measured from its earliest record
  // (records arrive in event-time order, so that is the first one evaluated).
  const baselineMs = (options.baselineDays ?? 0) * DAY_MS;
  let learnUntil: number | undefined;
  let filesDone = 0;
  const progress = () =>
    options.onProgress?.({
      filesDone,
      filesTotal: files.length,
      records: summary.records,
      findings: summary.findings,
    });
  const ordered = recordsInTimeOrder(files, {
    onLoad: (load) => {
      if (load.error === undefined) summary.files++;
      else {
        summary.unreadable.push({ path: load.file, reason: reasonOf(load.error) });
        options.onWarning(reasonOf(load.error));
      }
      summary.skipped += load.insights;
      const input = inputOf.get(load.file);
      if (input !== undefined) {
        recordsPerInput.set(
          input,
          (recordsPerInput.get(input) ?? 0) + load.records + load.insights,
        );
      }
      if (load.records === 0 && load.insights === 0) summary.emptyFiles.push(load.file);
      if (load.malformed > 0) {
        summary.malformed += load.malformed;
        options.onWarning(
          `${load.file}: skipped ${load.malformed} malformed record${load.malformed === 1 ? '' : 's'} (first: ${load.firstReason ?? 'unknown'})`,
        );
      }
    },
    onDone: () => {
      filesDone++;
      progress();
    },
  });
  const groups = new FindingGroups((finding) => {
    const t = tally(finding.ruleId);
    if (finding.dryRun) {
      t.dryRun++;
      return;
    }
    t.findings++;
    summary.findings++;
    options.onFinding(finding);
  });
  for await (const record of ordered) {
    const at = Date.parse(record.eventTime);
    groups.advance(at);
    if (baselineMs > 0) learnUntil ??= at + baselineMs;
    const learnOnly = learnUntil !== undefined && at < learnUntil;
    summary.records++;
    if (learnOnly) summary.learned++;
    if (summary.records % 10_000 === 0) progress();
    const result = engine.canEvaluateSync
      ? engine.evaluateSync(record, { learnOnly })
      : await engine.evaluate(record, { learnOnly });
    for (const error of result.ruleErrors) tally(error.ruleId).errors++;
    for (const drop of result.dropped) {
      if (drop.reason === 'suppressed') tally(drop.ruleId).suppressed++;
      else if (drop.reason === 'grouped') tally(drop.ruleId).grouped++;
      else tally(drop.ruleId).deduplicated++;
    }
    groups.accept(result, (finding) => finding.dryRun !== true);
  }
  groups.flush();
  const unreadable = new Set(summary.unreadable.map((u) => u.path));
  for (const [input, records] of recordsPerInput) {
    if (records === 0 && !unreadable.has(input)) {
      summary.emptyInputs.push(input);
      options.onWarning(`${input}: no valid CloudTrail record`);
    }
  }
  return summary;
}

function reasonOf(error: unknown): string {
  if (error instanceof InputReadError) return error.message;
  return safeReason(error);
}
