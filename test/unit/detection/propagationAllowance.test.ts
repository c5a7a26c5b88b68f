import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { excusedByPropagation, PROPAGATION_ALLOWANCE } from '../../../lib/detection/propagation.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import { loadFixtures } from './fixtureSupport.js';

/** IAM propagation excuses a few denials per creation, each record once, never a burst. */

const CASE =
  'three denied AssumeRole of a role Terraform created seconds before (IAM propagation; the role is named only in errorMessage, requestParameters is null), threshold 3';

function parsed(raw: Record<string, unknown>): CloudTrailRecord {
  const validated = validateRecord(raw);
  if (!validated.ok) throw new Error(validated.reason);
  return validated.record;
}

/** The case's records: the CreateRole first, a denied AssumeRole of that role last. */
const records = loadFixtures()
  .find((f) => f.file === 'accessDeniedBurst.fixtures.json')
  ?.cases.find((c) => c.name === CASE)?.records as Record<string, unknown>[];

function setup() {
  const engine = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
  const denied = records.at(-1) as Record<string, unknown>;
  return { engine, denied };
}

/**
 * Whether the engine excused a denied record: the allowance is looked up and counted in the
 * state store when the record is evaluated, and the verdict read from that record's changes.
 */
async function excused(engine: DetectionEngine, record: CloudTrailRecord): Promise<boolean> {
  await engine.evaluate(record);
  return excusedByPropagation(record, engine.contextOf(record));
}

async function createRole(engine: DetectionEngine, eventTime: string) {
  const create = records[0] as Record<string, unknown>;
  await engine.evaluate(parsed({ ...create, eventTime, eventID: `create-${eventTime}` }));
}

describe('IAM propagation allowance', () => {
  it(`excuses the first ${PROPAGATION_ALLOWANCE} denials naming the new role, and a redelivery of one of them again`, async () => {
    // Prepare
    const { engine, denied } = setup();
    await createRole(engine, '2026-11-20T10:00:00Z');
    const at = (i: number) =>
      parsed({ ...denied, eventTime: `2026-11-20T10:00:${10 + i}Z`, eventID: `d-${i}` });
    // Act
    const verdicts: boolean[] = [];
    for (const i of [0, 1, 2, 0, 3, 4]) verdicts.push(await excused(engine, at(i)));
    // Assess
    expect(verdicts).toEqual([true, true, true, true, false, false]);
  });

  it('gives a role deleted and created again a new allowance, and nothing after the minute', async () => {
    // Prepare
    const { engine, denied } = setup();
    const at = (time: string, id: string) => parsed({ ...denied, eventTime: time, eventID: id });
    await createRole(engine, '2026-11-20T10:00:00Z');
    for (let i = 0; i < PROPAGATION_ALLOWANCE; i++)
      await excused(engine, at('2026-11-20T10:00:05Z', `a-${i}`));
    // Act
    const lateSameRole = await excused(engine, at('2026-11-20T10:01:30Z', 'late'));
    await createRole(engine, '2026-11-20T10:05:00Z');
    const afterRecreate = await excused(engine, at('2026-11-20T10:05:04Z', 'b-0'));
    // Assess
    expect(lateSameRole).toBe(false);
    expect(afterRecreate).toBe(true);
  });
});
