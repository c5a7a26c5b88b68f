import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { excusedByPropagation, PROPAGATION_ALLOWANCE } from '../../../lib/detection/propagation.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * IAM propagation excuses a few denials per creation, each record once, never a burst: only
 * the new principal's own calls, or an AssumeRole of the new role, never a call naming it.
 */

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

/** A refused IAM call by an IAM user (its user and key named in userIdentity). */
function userDenial(
  user: string,
  accessKeyId: string,
  i: number,
  requestParameters: Record<string, unknown> | null,
  resources?: { ARN: string; type: string }[],
): CloudTrailRecord {
  return parsed({
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEUSER00001',
      arn: `arn:aws:iam::111122223333:user/${user}`,
      accountId: '111122223333',
      accessKeyId,
      userName: user,
    },
    eventTime: `2026-11-20T10:00:0${1 + i}Z`,
    eventSource: 'iam.amazonaws.com',
    eventName: 'PutRolePolicy',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.66',
    userAgent: 'aws-cli/2.22.35',
    requestParameters,
    ...(resources === undefined ? {} : { resources }),
    responseElements: null,
    requestID: `req-${user}-${i}`,
    eventID: `${user}-${i}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    errorCode: 'AccessDenied',
    errorMessage: `User: arn:aws:iam::111122223333:user/${user} is not authorized to perform: iam:PutRolePolicy on resource: role release-publisher`,
  });
}

/**
 * A successful CreateAccessKey for `user` (the key id in the response); `self`: the user made
 * it for itself, so the request names no user.
 */
function createAccessKey(user: string, accessKeyId: string, self = false): CloudTrailRecord {
  const create = records[0] as Record<string, unknown>;
  return parsed({
    ...create,
    eventName: 'CreateAccessKey',
    eventID: `create-key-${accessKeyId}`,
    requestParameters: self ? null : { userName: user },
    responseElements: {
      accessKey: { userName: user, accessKeyId, status: 'Active', createDate: 'Nov 20, 2026' },
    },
  });
}

describe('IAM propagation allowance', () => {
  it(`excuses the first ${PROPAGATION_ALLOWANCE} denied AssumeRole of the new role (named by AWS in the error message), and a redelivery of one of them again`, async () => {
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
  it("attack: an unrelated user's refused PutRolePolicy naming a just-created role is not excused, and does not spend the role's allowance", async () => {
    // Prepare
    const { engine, denied } = setup();
    await createRole(engine, '2026-11-20T10:00:00Z');
    const probe = (i: number) =>
      userDenial('intruder', 'AKIAEXAMPLEINTRUDER1', i, {
        roleName: 'release-publisher',
        policyName: 'x',
      });
    // Act
    const verdicts: boolean[] = [];
    for (let i = 0; i < PROPAGATION_ALLOWANCE; i++) verdicts.push(await excused(engine, probe(i)));
    const retry = await excused(engine, parsed({ ...denied, eventID: 'retry' }));
    // Assess: the intruder was never created nor granted anything; the deployer's retry still is.
    expect(verdicts).toEqual([false, false, false]);
    expect(retry).toBe(true);
  });

  it('attack: a refused call whose resources or userName name a just-created role or user is not excused', async () => {
    // Prepare
    const { engine } = setup();
    await createRole(engine, '2026-11-20T10:00:00Z');
    await engine.evaluate(createAccessKey('new-user', 'AKIAEXAMPLENEWKEY001'));
    const role = 'arn:aws:iam::111122223333:role/release-publisher';
    // Act
    const byResource = await excused(
      engine,
      userDenial('intruder', 'AKIAEXAMPLEINTRUDER1', 0, null, [
        { ARN: role, type: 'AWS::IAM::Role' },
      ]),
    );
    const byUserName = await excused(
      engine,
      userDenial('intruder', 'AKIAEXAMPLEINTRUDER1', 1, { userName: 'new-user' }),
    );
    // Assess
    expect([byResource, byUserName]).toEqual([false, false]);
  });

  it("excuses the first denials of a new access key's own calls (a user's key made for itself: no user named), not another caller's", async () => {
    // Prepare
    const { engine } = setup();
    await engine.evaluate(createAccessKey('ci-bot', 'AKIAEXAMPLENEWKEY002', true));
    // Act
    const ownKey = await excused(engine, userDenial('ci-bot', 'AKIAEXAMPLENEWKEY002', 0, null));
    const otherCaller = await excused(
      engine,
      userDenial('someone-else', 'AKIAEXAMPLEOTHERKEY1', 1, null),
    );
    // Assess
    expect(ownKey).toBe(true);
    expect(otherCaller).toBe(false);
  });
});
