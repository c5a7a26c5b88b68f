import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
// The engine and its rules load in the action only: `detect --help` stays cheap.
import type { DetectionConfig } from '../../lib/detection/config.js';
import type { ReplayProgress, ReplaySummary } from '../../lib/detection/replay.js';
import type { Finding } from '../../lib/detection/types.js';
import { redact } from '../../lib/shared/redact.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import type { RegisterCommand } from './index.js';

type Format = 'jsonl' | 'table';

interface DetectCliOptions {
  config?: string;
  format: Format;
  baselineDays: number;
  progress: boolean;
  strict: boolean;
}

function format(value: string): Format {
  if (value !== 'jsonl' && value !== 'table')
    throw new InvalidArgumentError('must be jsonl or table');
  return value;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 365) {
    throw new InvalidArgumentError('must be a whole number of days, 0–365');
  }
  return n;
}

/** The stable jsonl line for a finding (identifiers only; redacted once more on the way out). */
export function findingLine(finding: Finding): Record<string, unknown> {
  return redact({
    ruleId: finding.ruleId,
    severity: finding.severity,
    title: finding.title,
    eventId: finding.eventId,
    eventName: finding.eventName,
    eventSource: finding.eventSource,
    eventTime: finding.eventTime,
    principal: finding.principal,
    principalType: finding.principalType,
    sourceIp: finding.sourceIp,
    accountId: finding.accountId,
    awsRegion: finding.awsRegion,
    resource: finding.resource,
    ...(finding.group === undefined
      ? {}
      : {
          count: finding.group.count,
          resources: finding.group.resources,
          lastEventTime: finding.group.lastEventTime,
        }),
    tactic: finding.tactic,
    technique: finding.technique,
    summary: finding.summary,
    runbook: finding.runbook,
    findingId: finding.findingId,
  });
}

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** One table line; a record's principal, address and summary are the record writer's text. */
export function tableRow(finding: Finding): string {
  const line = findingLine(finding);
  const cell = (value: unknown): string => forTerminal(String(value));
  return [
    pad(cell(line.severity), 8),
    pad(cell(line.eventTime), 20),
    pad(cell(line.ruleId), 36),
    pad(cell(line.sourceIp ?? '-'), 15),
    cell(line.summary),
  ].join(' ');
}

async function loadConfig(file: string | undefined): Promise<DetectionConfig> {
  const { deployedRotators, parseDetectionConfig, parseDetectionConfigJson } =
    await import('../../lib/detection/config.js');
  const config =
    file === undefined
      ? parseDetectionConfig({})
      : parseDetectionConfigJson(await readText(file), file);
  // As the detect function: the stage's rotator roles (stack outputs in the env), by ARN.
  config.rotatorPrincipals.push(...deployedRotators(process.env));
  return config;
}

async function readText(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
    throw new Error(`cannot read config ${file}${code ? `: ${code}` : ''}`);
  }
  return text;
}

/** Per-rule summary for stderr: rules that fired or dropped something, then totals. */
export function renderSummary(summary: ReplaySummary): string {
  const lines = [
    `${pad('rule', 36)} ${'findings'.padStart(8)} ${'dry-run'.padStart(8)} ${'suppr.'.padStart(8)} ${'dedup'.padStart(8)} ${'grouped'.padStart(8)}`,
  ];
  const rows = [...summary.perRule.entries()].sort(
    (a, b) => b[1].findings - a[1].findings || a[0].localeCompare(b[0]),
  );
  let silent = 0;
  for (const [ruleId, t] of rows) {
    if (t.findings + t.dryRun + t.suppressed + t.deduplicated + t.grouped + t.errors === 0) {
      silent++;
      continue;
    }
    lines.push(
      `${pad(ruleId, 36)} ${String(t.findings).padStart(8)} ${String(t.dryRun).padStart(8)} ${String(t.suppressed).padStart(8)} ${String(t.deduplicated).padStart(8)} ${String(t.grouped).padStart(8)}${t.errors > 0 ? `  (${t.errors} rule errors)` : ''}`,
    );
  }
  if (silent > 0) lines.push(`(${silent} rules without findings)`);
  lines.push(
    `${summary.files} files, ${summary.records} records (${summary.learned} learned only), ${summary.malformed} malformed skipped, ${summary.skipped > 0 ? `${summary.skipped} Insights events ignored, ` : ''}${summary.findings} findings${summary.unreadable.length > 0 ? `, ${summary.unreadable.length} inputs unreadable` : ''}`,
  );
  const nothing = nothingFound(summary);
  if (nothing !== undefined) lines.push(nothing);
  return `${lines.join('\n')}\n`;
}

/** One line saying why a replay raised no finding, or undefined when it raised some. */
export function nothingFound(summary: ReplaySummary): string | undefined {
  if (summary.findings > 0) return undefined;
  const evaluated = summary.records - summary.learned;
  if (summary.records === 0) return 'no findings: the input held no CloudTrail record to evaluate';
  let held = 0;
  for (const t of summary.perRule.values())
    held += t.dryRun + t.suppressed + t.deduplicated + t.grouped;
  const why = [
    ...(summary.learned > 0
      ? [`${summary.learned} record(s) only trained baselines, --baseline-days`]
      : []),
    ...(held > 0
      ? [`${held} matches were held back by dry-run rules, suppressions, deduplication or grouping`]
      : []),
  ];
  return `no findings: no rule fired on the ${evaluated} record(s) evaluated${why.length > 0 ? ` (${why.join('; ')})` : ''}`;
}

function progressBar(stream: NodeJS.WriteStream): (p: ReplayProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 150 && p.filesDone < p.filesTotal) return;
    last = now;
    const width = 24;
    const ratio = p.filesTotal === 0 ? 1 : p.filesDone / p.filesTotal;
    const filled = Math.round(ratio * width);
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.filesDone}/${p.filesTotal} files, ${p.records} records, ${p.findings} findings`,
    );
    if (p.filesDone >= p.filesTotal) stream.write('\n');
  };
}

/** `gatewarden detect`: replay CloudTrail files through the detection engine. */
export const registerDetect: RegisterCommand = (program: Command) => {
  program
    .command('detect')
    .description(
      'Replay CloudTrail records (S3 delivery files .json/.json.gz, JSON arrays, JSON lines, EventBridge envelopes) through the detection rules',
    )
    .argument('<paths...>', 'files or directories (read recursively)')
    .option(
      '--config <file>',
      'detection configuration (JSON, schema in lib/detection/config.ts). Without it: the rotator is any role matching *gatewarden*rotat*; gateway roles match *gateway* or *agentcore*, or are learned from the stream (trusted by bedrock-agentcore.amazonaws.com, or the roleArn of a gateway); only the record’s own account is trusted',
    )
    .option('--format <format>', 'jsonl | table', format, 'jsonl' as Format)
    .option(
      '--baseline-days <n>',
      'train baselines on the first N days (from the earliest record) without alerting; 0 alerts on every record',
      days,
      0,
    )
    .option(
      '--strict',
      'exit 1 also when any file (not only an input as given) yields no valid record or holds a malformed record',
      false,
    )
    .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
    .action(async (paths: string[], options: DetectCliOptions) => {
      const config = await loadConfig(options.config);
      const out = process.stdout;
      const err = process.stderr;
      if (options.format === 'table') {
        out.write(
          `${pad('SEVERITY', 8)} ${pad('TIME', 20)} ${pad('RULE', 36)} ${pad('SOURCE IP', 15)} SUMMARY\n`,
        );
      }
      const { replay } = await import('../../lib/detection/replay.js');
      const summary = await replay({
        paths,
        config,
        baselineDays: options.baselineDays,
        onFinding: (finding) =>
          out.write(
            options.format === 'jsonl'
              ? `${forTerminal(JSON.stringify(findingLine(finding)))}\n`
              : `${tableRow(finding)}\n`,
          ),
        onWarning: (message) => err.write(`warning: ${forTerminal(message)}\n`),
        ...(options.progress && err.isTTY ? { onProgress: progressBar(err) } : {}),
      });
      err.write(forTerminal(renderSummary(summary), { lines: true }));
      // An input that yields nothing is not a silent success: a wrong path, a file of another
      // kind, an export in a shape this reader does not know.
      const strictFailure =
        options.strict && (summary.emptyFiles.length > 0 || summary.malformed > 0);
      if (strictFailure) {
        for (const file of summary.emptyFiles) {
          err.write(`error: ${forTerminal(file)}: no valid CloudTrail record (--strict)\n`);
        }
      }
      if (summary.unreadable.length > 0 || summary.emptyInputs.length > 0 || strictFailure) {
        process.exitCode = 1;
      }
    });
};
