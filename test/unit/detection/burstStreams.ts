import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAlertSink, type Alert } from '../../../lib/alerts/alert.js';
import { flushBursts, type FlushResult } from '../../../lib/detection/bursts.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import {
  MemoryDeadLetterQueue,
  processBatch,
  type BatchResult,
} from '../../../lib/detection/process.js';
import type { BurstStore, DetectionState } from '../../../lib/detection/ports.js';
import { allRules } from '../../../lib/detection/registry.js';
import { replay } from '../../../lib/detection/replay.js';
import type { Finding } from '../../../lib/detection/types.js';
import { envelope } from './deployedFixtures.js';
import { fixtureRecord } from './fixtureSupport.js';

/** Streams with bursts, and the live and replay paths over them, for unit and local-stack tests. */

type Json = Record<string, unknown>;

const fixture = fixtureRecord;

const sourceOf = (record: Json): string => `aws.${String(record.eventSource).split('.')[0]}`;

/** `count` DeleteSecret calls by one principal, 50 ms apart from `start`, on distinct secrets. */
export function deleteBurst(count: number, start: string, tag: string): Json[] {
  const base = fixture('secretDeletedOrPolicy.fixtures.json', 'gateway secret deleted');
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) => {
    const arn = `arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden/${tag}-${i}/api-key/p-${i}-Ab12Cd`;
    return {
      ...base,
      eventID: `${tag}-delete-${String(i).padStart(3, '0')}`,
      eventTime: new Date(t0 + i * 50).toISOString(),
      requestParameters: { secretId: arn, recoveryWindowInDays: 7 },
      responseElements: { aRN: arn, deletionDate: 'Nov 27, 2026 10:15:00 AM' },
    };
  });
}

/** `count` UpdateGateway calls by the deployer on distinct gateways, `stepSeconds` apart. */
export function updateBurst(count: number, start: string, tag: string, stepSeconds = 5): Json[] {
  const base = fixture('gatewayModified.fixtures.json', 'UpdateGateway by the deployer');
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) => ({
    ...base,
    eventID: `${tag}-update-${i}`,
    eventTime: new Date(t0 + i * stepSeconds * 1000).toISOString(),
    requestParameters: {
      ...(base.requestParameters as Json),
      gatewayIdentifier: `gw-${tag}-${i}`,
    },
  }));
}

/** Bursts of two rules, a second delete burst after the first one's window, one lone update. */
export function mixedStream(): Json[] {
  return [
    ...deleteBurst(17, '2026-11-20T10:15:00.000Z', 'first'),
    ...updateBurst(10, '2026-11-20T10:15:02.000Z', 'gw'),
    ...deleteBurst(7, '2026-11-20T10:25:00.000Z', 'second'),
    ...updateBurst(1, '2026-11-20T11:40:00.000Z', 'lone'),
  ].sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
}

/** The time (ms) after which every burst of `records` is past its window and the grace. */
export function pastEveryWindow(records: Json[], graceSeconds = 600): number {
  const last = Math.max(...records.map((r) => Date.parse(String(r.eventTime))));
  return last + 3_600_000 + graceSeconds * 1000;
}

export async function replayFindings(records: Json[]): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bursts-'));
  writeFileSync(join(dir, 'stream.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
  const findings: Finding[] = [];
  await replay({
    paths: [dir],
    config: parseDetectionConfig({}),
    onFinding: (f) => findings.push(f),
    onWarning: () => undefined,
  });
  return findings;
}

export interface LiveRun {
  sink: MemoryAlertSink;
  process(records: Json[]): Promise<BatchResult>;
  flush(nowMs: number, sinkOverride?: MemoryAlertSink): Promise<FlushResult>;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The detect function's path (processBatch, then the scheduled flush) over given state. */
export function liveRun(state: DetectionState, bursts: BurstStore): LiveRun {
  const config = parseDetectionConfig({});
  const sink = new MemoryAlertSink();
  const engine = new DetectionEngine({ config, state, rules: allRules });
  return {
    sink,
    process: (records) =>
      processBatch(
        records.map((r, i) => ({
          itemId: `m-${i}`,
          body: JSON.stringify(envelope(r, { source: sourceOf(r) })),
        })),
        {
          engine,
          rules: allRules,
          dedup: state.dedup,
          remediation: config.remediation,
          sinks: [sink],
          deadLetters: new MemoryDeadLetterQueue(),
          bursts,
          logger: silent,
        },
      ),
    flush: (nowMs, sinkOverride) =>
      flushBursts({ bursts, sinks: [sinkOverride ?? sink], logger: silent, now: () => nowMs }),
  };
}

/** What a burst says, live or replayed: rule, count, resources, last event, first event. */
export function tallyOf(finding: Finding) {
  return {
    ruleId: finding.ruleId,
    count: finding.group?.count ?? 1,
    resources: finding.group?.resources ?? [],
    lastEventTime: finding.group?.lastEventTime ?? finding.eventTime,
    firstEventId: finding.eventId,
  };
}

export function findingOf(alert: Alert): Finding {
  return alert.detail as unknown as Finding;
}

/** Replay's grouped findings, sorted, as tallies. */
export function sortedTallies(findings: Finding[]) {
  return findings
    .filter((f) => (f.group?.count ?? 1) > 1)
    .map(tallyOf)
    .sort((a, b) => a.firstEventId.localeCompare(b.firstEventId));
}
