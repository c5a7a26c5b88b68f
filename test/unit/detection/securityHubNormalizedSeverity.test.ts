import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import { hidingUpdate } from '../../../lib/detection/rules/securityHubUpdates.js';
import { fixtureRecord } from './fixtureSupport.js';

/**
 * Attack on the Security Hub suppression rules: BatchUpdateFindings (and an automation rule's
 * FindingFieldsUpdate) take `Severity.Normalized`; without a `Label`, Security Hub derives the
 * label from it, and 0 is INFORMATIONAL. `{"Severity": {"Normalized": 0}}` therefore lowers
 * findings to informational as `{"Label": "INFORMATIONAL"}` does, without naming the label the
 * rules looked for.
 */
type Json = Record<string, unknown>;

const base = fixtureRecord(
  'securityHubFindingsSuppressedBatches.fixtures.json',
  'four calls of nine findings each within fifteen minutes (each under the per-call bulk threshold)',
);

const finding = (n: number) => ({
  Id: `arn:aws:securityhub:us-east-1:111122223333:subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.${n}/finding/${String(n).padStart(4, '0')}aaaa-1234-5678-9abc-def012345678`,
  ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
});

describe('Security Hub severity lowered through Normalized', () => {
  it('Normalized 0 without a label lowers to informational; with a label, the label decides', () => {
    expect(hidingUpdate({ Severity: { Normalized: 0 } })).toEqual({ kind: 'lowered' });
    expect(hidingUpdate({ Severity: { Normalized: 0, Label: 'HIGH' } })).toBeUndefined();
    expect(hidingUpdate({ Severity: { Normalized: 40 } })).toBeUndefined();
    expect(hidingUpdate({ Severity: { Product: 0 } })).toBeUndefined();
  });

  it('fifty findings lowered in one call through Normalized 0 are reported', async () => {
    const raw: Json = {
      ...base,
      eventID: 'normalized-zero',
      requestParameters: {
        FindingIdentifiers: Array.from({ length: 50 }, (_, i) => finding(i)),
        Severity: { Normalized: 0 },
      },
    };
    const parsed = validateRecord(raw);
    if (!parsed.ok) throw new Error(parsed.reason);
    const engine = new DetectionEngine({ state: memoryState() });
    const { findings } = await engine.evaluate(parsed.record);
    expect(findings.map((f) => f.ruleId)).toEqual(['securityhub-findings-suppressed']);
  });
});
