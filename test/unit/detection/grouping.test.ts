import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import {
  MemoryDeadLetterQueue,
  processBatch,
  type ProcessDeps,
} from '../../../lib/detection/process.js';
import { allRules } from '../../../lib/detection/registry.js';
import { burstFinding } from '../../../lib/detection/grouping.js';
import { replay } from '../../../lib/detection/replay.js';
import type { Finding, Rule } from '../../../lib/detection/types.js';
import { envelope } from './deployedFixtures.js';
import { fixtureRecord } from './fixtureSupport.js';

/** Bursts of one rule by one principal within a window become one alert with a count. */

type Json = Record<string, unknown>;

const fixture = fixtureRecord;

/** 17 DeleteSecret calls by one principal within one second (a script emptying an account). */
function deleteBurst(): Json[] {
  const base = fixture('secretDeletedOrPolicy.fixtures.json', 'gateway secret deleted');
  return Array.from({ length: 17 }, (_, i) => {
    const arn = `arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden/gw-${i}/api-key/p-${i}-Ab12Cd`;
    return {
      ...base,
      eventID: `delete-${String(i).padStart(2, '0')}`,
      eventTime: `2026-11-20T10:15:00.${String(i * 50).padStart(3, '0')}Z`,
      requestParameters: { secretId: arn, recoveryWindowInDays: 7 },
      responseElements: { aRN: arn, deletionDate: 'Nov 27, 2026 10:15:00 AM' },
    };
  });
}

async function replayRecords(records: Json[], rules?: readonly Rule[]) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-group-'));
  writeFileSync(join(dir, 'burst.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
  const findings: Finding[] = [];
  const summary = await replay({
    paths: [dir],
    config: parseDetectionConfig({}),
    onFinding: (f) => findings.push(f),
    onWarning: () => undefined,
    ...(rules === undefined ? {} : { rules }),
  });
  return { findings, summary };
}

describe('grouping bursts', () => {
  it('17 DeleteSecret findings in one second are one alert with the count and the first resources (replay)', async () => {
    // Act
    const { findings, summary } = await replayRecords(deleteBurst());
    // Assess
    const deletes = findings.filter((f) => f.ruleId === 'secret-deleted-or-policy-changed');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.group).toMatchObject({
      count: 17,
      lastEventTime: '2026-11-20T10:15:00.800Z',
    });
    expect(deletes[0]?.group?.resources).toHaveLength(5);
    expect(deletes[0]?.summary).toContain('and 16 more by the same principal');
    expect(summary.perRule.get('secret-deleted-or-policy-changed')?.grouped).toBe(16);
  });

  it('the live function sends one alert for the burst and counts the rest as grouped', async () => {
    // Prepare
    const config = parseDetectionConfig({});
    const sink = new MemoryAlertSink();
    const deps: ProcessDeps = {
      engine: new DetectionEngine({ config, state: memoryState(), rules: allRules }),
      remediation: config.remediation,
      sinks: [sink],
      deadLetters: new MemoryDeadLetterQueue(),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    };
    const items = deleteBurst().map((r, i) => ({
      itemId: `m-${i}`,
      body: JSON.stringify(envelope(r, { source: 'aws.secretsmanager' })),
    }));
    // Act
    const result = await processBatch(items, deps);
    // Assess
    const deletes = sink.alerts.filter(
      (a) => a.attributes?.ruleId === 'secret-deleted-or-policy-changed',
    );
    expect(deletes).toHaveLength(1);
    expect(result.counts.grouped).toBe(16);
  });

  it('groups low and medium findings by default: one principal updating ten gateways in a minute', async () => {
    // Prepare
    const base = fixture('gatewayModified.fixtures.json', 'UpdateGateway by the deployer');
    const updates = Array.from({ length: 10 }, (_, i) => ({
      ...base,
      eventID: `update-${i}`,
      eventTime: `2026-11-20T10:15:${String(i * 5).padStart(2, '0')}Z`,
      requestParameters: {
        ...(base.requestParameters as Json),
        gatewayIdentifier: `gw-burst-${i}`,
      },
    }));
    // Act
    const grouped = await replayRecords(updates);
    const ungrouped = await replayRecords(
      updates,
      allRules.map((r) => (r.id === 'gateway-modified' ? { ...r, group: false as const } : r)),
    );
    // Assess
    const modified = (fs: Finding[]) => fs.filter((f) => f.ruleId === 'gateway-modified');
    expect(modified(grouped.findings)).toHaveLength(1);
    expect(modified(grouped.findings)[0]?.group?.count).toBe(10);
    expect(modified(ungrouped.findings)).toHaveLength(10);
  });

  it('a burst after the window is a new alert', async () => {
    const burst = deleteBurst();
    // Other secrets: the same ones again would be duplicates within the rule's hour.
    const later = deleteBurst().map((r, i) => {
      const arn = `arn:aws:secretsmanager:us-east-1:111122223333:secret:gatewarden/later-${i}/k-Ab12Cd`;
      return {
        ...r,
        eventID: `later-${i}`,
        eventTime: `2026-11-20T10:25:00.${String(i * 50).padStart(3, '0')}Z`,
        requestParameters: { secretId: arn, recoveryWindowInDays: 7 },
        responseElements: { aRN: arn },
      };
    });
    const { findings } = await replayRecords([...burst, ...later]);
    const deletes = findings.filter((f) => f.ruleId === 'secret-deleted-or-policy-changed');
    expect(deletes.map((f) => f.group?.count)).toEqual([17, 17]);
  });
});

describe('burst summary text', () => {
  const first = {
    schemaVersion: 1,
    findingId: 'f-1',
    ruleId: 'secret-deleted-or-policy-changed',
    title: 'Gateway secret deleted',
    severity: 'high',
    tactic: 'Impact',
    technique: 'T1485 Data Destruction',
    summary: 'gateway secret gw-0 deleted by deployer',
    runbook: 'restore it',
    eventId: 'e-1',
    eventName: 'DeleteSecret',
    eventSource: 'secretsmanager.amazonaws.com',
    eventTime: '2026-11-20T10:15:00.000Z',
    principal: 'arn:aws:iam::111122223333:user/deployer',
    resource: 'gw-0',
  } satisfies Finding;

  it('lists the other resources after "and N more", not the headline one again', async () => {
    // Act
    const finding = burstFinding(first, {
      count: 3,
      resources: ['gw-0', 'gw-1', 'gw-2'],
      lastEventTime: '2026-11-20T10:15:01.000Z',
      windowSeconds: 300,
    });
    // Assess
    expect(finding.summary).toBe(
      'gateway secret gw-0 deleted by deployer (and 2 more by the same principal within 300 s: gw-1, gw-2)',
    );
    // The group's data still names every resource it saw, the first included.
    expect(finding.group?.resources).toEqual(['gw-0', 'gw-1', 'gw-2']);
  });

  it('marks a list cut at the cap with an ellipsis, and a burst on the headline resource alone with none', () => {
    // Act
    const cut = burstFinding(first, {
      count: 17,
      resources: ['gw-0', 'gw-1', 'gw-2', 'gw-3', 'gw-4'],
      lastEventTime: '2026-11-20T10:15:01.000Z',
      windowSeconds: 300,
    });
    const same = burstFinding(first, {
      count: 4,
      resources: ['gw-0'],
      lastEventTime: '2026-11-20T10:15:01.000Z',
      windowSeconds: 300,
    });
    // Assess
    expect(cut.summary).toContain(
      'and 16 more by the same principal within 300 s: gw-1, gw-2, gw-3, gw-4, …)',
    );
    expect(same.summary).toBe(
      'gateway secret gw-0 deleted by deployer (and 3 more by the same principal within 300 s, on the same resource)',
    );
  });

  it('the replayed burst of 17 deletes does not repeat its headline secret', async () => {
    // Act
    const { findings } = await replayRecords(deleteBurst());
    // Assess
    const summary = findings.find((f) => f.ruleId === 'secret-deleted-or-policy-changed')?.summary;
    const listed = summary?.split('more by the same principal')[1] ?? '';
    expect(listed).not.toContain('gw-0/');
    expect(listed).toContain('gw-1/');
  });
});
