import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDetectionState } from '../../../lib/aws/detectionState.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { testClientConfig } from '../../support/localStack.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import { loadFixtures } from '../../unit/detection/fixtureSupport.js';
import { requireLocalStack } from './stack.js';

/**
 * Issue 20, security tooling blinded, on the state the detect function really keeps (DynamoDB
 * on the local stack): findings counted across calls by distinct id, and partial filter and
 * automation-rule updates read against the last known state, whichever Lambda instance saw the
 * earlier record (a fresh engine per record, as after a cold start).
 */
const casesOf = (ruleId: string) =>
  loadFixtures().find((file) => file.ruleId === ruleId)?.cases ?? [];

const CASES = [
  'securityhub-findings-suppressed-batches',
  'securityhub-automation-rule-suppresses',
  'guardduty-disabled',
  'macie-findings-filter-archives',
  'bedrock-guardrail-weakened',
].flatMap((ruleId) =>
  casesOf(ruleId)
    .filter((c) => c.records.length > 1 && c.config === undefined)
    .map((c) => [ruleId, c.name, c] as const),
);

describe('security tooling blinded, on DynamoDB detection state', () => {
  let client: DynamoDBClient;

  beforeAll(() => {
    requireLocalStack();
    client = new DynamoDBClient(testClientConfig());
  });

  afterAll(() => {
    client.destroy();
  });

  it.each(CASES)('%s: %s', async (ruleId, _name, fixture) => {
    // Prepare: a table of its own, as a fresh deployment has.
    const table = await createStateTable(client);
    try {
      let last: Finding[] = [];
      // Act: a fresh engine per record, so nothing is remembered in memory between records.
      for (const raw of fixture.records) {
        const validated = validateRecord(raw);
        if (!validated.ok) throw new Error(validated.reason);
        const engine = new DetectionEngine({
          state: dynamoDetectionState({ tableName: table, client }),
        });
        const result = await engine.evaluate(validated.record);
        expect(result.ruleErrors).toEqual([]);
        last = result.findings;
      }
      // Assess
      const mine = last.filter((finding) => finding.ruleId === ruleId);
      expect(mine.length > 0).toBe(fixture.expect);
      if (fixture.expect && fixture.severity !== undefined) {
        expect(mine[0]?.severity).toBe(fixture.severity);
      }
    } finally {
      await deleteTable(client, table);
    }
  });
});
