import { configFromEnv } from '../../../functions/detect.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * UpdateTrail compared with the trail's last known settings, the way the world delivers it:
 * the same record twice, and two accounts of one organization stream, each with a trail of
 * the same name.
 */
const MOVED = 'UpdateTrail by ARN moves delivery to another bucket (the trail was created by name)';

/** The records of the "moved" fixture case: CloudFormation's CreateTrail, then the move. */
function movedCase(): [Record<string, unknown>, Record<string, unknown>] {
  const file = loadFixtures().find((f) => f.ruleId === 'cloudtrail-narrowed');
  const records = file?.cases.find((c) => c.name === MOVED)?.records;
  if (records?.length !== 2) throw new Error(`fixture ${MOVED} missing`);
  return structuredClone(records) as [Record<string, unknown>, Record<string, unknown>];
}

async function narrowed(e: DetectionEngine, raw: unknown): Promise<string[]> {
  const validated = validateRecord(raw);
  if (!validated.ok) throw new Error(validated.reason);
  const { findings } = await e.evaluate(validated.record);
  return findings.filter((f) => f.ruleId === 'cloudtrail-narrowed').map((f) => f.summary);
}

/** The record as another account of the organization would deliver it (its own trail). */
function inAccount(
  record: Record<string, unknown>,
  account: string,
  id: string,
): Record<string, unknown> {
  const text = JSON.stringify(record).replaceAll('111122223333', account);
  return { ...(JSON.parse(text) as Record<string, unknown>), eventID: id, requestID: id };
}

describe('trail settings compared with the last known ones', () => {
  it('a redelivered UpdateTrail is not a move from itself', async () => {
    // Prepare
    const e = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
    const [create, move] = movedCase();
    await narrowed(e, create);
    // Act
    const first = await narrowed(e, move);
    const again = await narrowed(e, move);
    // Assess: one finding; the duplicate compares with the state before the move, as the
    // first delivery did, and is deduplicated.
    expect(first).toEqual([expect.stringContaining('delivery moved from bucket')]);
    expect(again).toEqual([]);
  });

  it('keeps the trails of two accounts apart, even with the same name', async () => {
    // Prepare: account A's trail delivers to A's bucket; account B then creates its own trail
    // of the same name, delivering elsewhere (the other bucket).
    const e = new DetectionEngine({ config: parseDetectionConfig({}), state: memoryState() });
    const [create, move] = movedCase();
    await narrowed(e, create);
    const createdInB = inAccount(move, '444455556666', '0b7e3c1a-0000-4000-8000-000000000001');
    createdInB.eventName = 'CreateTrail';
    await narrowed(e, createdInB);
    // Act: A's trail is updated with the bucket it already had (a console edit resends it).
    const resentInA = { ...create, eventName: 'UpdateTrail', eventTime: '2026-11-20T10:20:00Z' };
    Object.assign(resentInA, { eventID: '0b7e3c1a-0000-4000-8000-000000000002' });
    // Assess: nothing moved (compared with B's trail of the same name, it would be).
    expect(await narrowed(e, resentInA)).toEqual([]);
  });

  it.each([
    ['the deployment’s trail prefix', 'cloudtrail/', []],
    ['another prefix', 'archive/', [expect.stringContaining('where gatewarden reads the trail')]],
  ])(
    'judges a first update against the trail the deployment reads (detect env): %s',
    async (_name, prefix, expected) => {
      // Prepare: the detect function's configuration, as its deployed environment gives it
      const config = configFromEnv({
        GATEWARDEN_TRAIL_BUCKET: 'aws-cloudtrail-logs-111122223333-org',
        GATEWARDEN_TRAIL_PREFIX: 'cloudtrail/',
      });
      const e = new DetectionEngine({ config, state: memoryState() });
      const [, move] = movedCase();
      const update = {
        ...move,
        requestParameters: {
          name: 'org-trail',
          s3BucketName: 'aws-cloudtrail-logs-111122223333-org',
          s3KeyPrefix: prefix,
        },
        responseElements: {
          ...(move.responseElements as Record<string, unknown>),
          s3BucketName: 'aws-cloudtrail-logs-111122223333-org',
          s3KeyPrefix: prefix,
        },
      };
      // Act
      const found = await narrowed(e, update);
      // Assess
      expect(found).toEqual(expected);
    },
  );
});
