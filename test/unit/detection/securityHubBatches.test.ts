import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { fixtureRecord } from './fixtureSupport.js';

/**
 * Issue 20, security tooling blinded: a bulk suppression of Security Hub findings cut into calls
 * of nine (one under the per-call threshold of securityhub-findings-suppressed) is counted
 * across calls, per principal, by the distinct findings closed.
 */
type Json = Record<string, unknown>;

const BATCHES = 'securityhub-findings-suppressed-batches';
const PER_CALL = 'securityhub-findings-suppressed';

const base = fixtureRecord(
  'securityHubFindingsSuppressedBatches.fixtures.json',
  'four calls of nine findings each within fifteen minutes (each under the per-call bulk threshold)',
);

const finding = (n: number) => ({
  Id: `arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.${n}/finding/${String(n).padStart(4, '0')}aaaa-1234-5678-9abc-def012345678`,
  ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
});

/** A BatchUpdateFindings suppressing findings `from`…`from + size - 1`, `minute` past 10:00. */
function suppress(call: number, minute: number, from: number, size: number): CloudTrailRecord {
  const raw: Json = {
    ...base,
    eventID: `batch-${call}`,
    eventTime: `2026-11-20T10:${String(minute).padStart(2, '0')}:30Z`,
    requestParameters: {
      FindingIdentifiers: Array.from({ length: size }, (_, i) => finding(from + i)),
      Workflow: { Status: 'SUPPRESSED' },
    },
  };
  const result = validateRecord(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

async function findingsOf(records: CloudTrailRecord[]): Promise<Finding[]> {
  const engine = new DetectionEngine({ state: memoryState() });
  const all: Finding[] = [];
  for (const record of records) all.push(...(await engine.evaluate(record)).findings);
  return all;
}

const ruleIds = (findings: Finding[]) => findings.map((f) => f.ruleId);

describe('Security Hub findings suppressed in small batches', () => {
  it('five calls of nine findings in fifteen minutes give one finding', async () => {
    // Prepare
    const calls = [0, 1, 2, 3, 4].map((i) => suppress(i, i * 3, i * 9, 9));
    // Act
    const findings = await findingsOf(calls);
    // Assess
    expect(ruleIds(findings)).toEqual([BATCHES]);
    expect(findings[0]).toMatchObject({ severity: 'medium', eventId: 'batch-3' });
  });

  it('counts the same calls delivered out of order', async () => {
    const calls = [0, 1, 2, 3, 4].map((i) => suppress(i, i * 3, i * 9, 9)).reverse();
    expect(ruleIds(await findingsOf(calls))).toEqual([BATCHES]);
  });

  it('a window straddled by the calls is still seen (the offset series)', async () => {
    // 10:08:30 … 10:20:30: the 10:00 and 10:15 windows each hold only part of them.
    const calls = [0, 1, 2, 3, 4].map((i) => suppress(i, 8 + i * 3, i * 9, 9));
    expect(ruleIds(await findingsOf(calls))).toEqual([BATCHES]);
  });

  it('the same nine findings closed over and over count nine', async () => {
    const calls = [0, 1, 2, 3, 4, 5, 6].map((i) => suppress(i, i * 2, 0, 9));
    expect(await findingsOf(calls)).toEqual([]);
  });

  it('a call of ten or more is the per-call rule’s alone, not counted twice', async () => {
    const calls = [suppress(0, 0, 0, 9), suppress(1, 2, 9, 9), suppress(2, 4, 100, 40)];
    expect(ruleIds(await findingsOf(calls))).toEqual([PER_CALL]);
  });

  /** The record as made by `role`, in a session named `session`. */
  const madeBy = (record: CloudTrailRecord, role: string, session: string): CloudTrailRecord => ({
    ...record,
    userIdentity: {
      ...record.userIdentity,
      arn: `arn:aws:sts::111122223333:assumed-role/${role}/${session}`,
      sessionContext: {
        ...record.userIdentity.sessionContext,
        sessionIssuer: {
          ...record.userIdentity.sessionContext?.sessionIssuer,
          arn: `arn:aws:iam::111122223333:role/${role}`,
          userName: role,
        },
      },
    },
  });

  it('counts each role apart', async () => {
    const calls = [0, 1, 2, 3].map((i) => suppress(i, i * 3, i * 9, 9));
    const mixed = calls.map((record, i) =>
      i % 2 === 0 ? record : madeBy(record, 'security-analyst', 'carol@example.com'),
    );
    expect(await findingsOf(mixed)).toEqual([]);
  });

  it('counts one role’s sessions together (a new session name per call does not split it)', async () => {
    const calls = [0, 1, 2, 3].map((i) =>
      madeBy(suppress(i, i * 3, i * 9, 9), 'developer', `botocore-session-${i}`),
    );
    expect(ruleIds(await findingsOf(calls))).toEqual([BATCHES]);
  });
});
