import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import { loadFixtures } from './fixtureSupport.js';

/**
 * What detect learns from one account's records (roles it created, gateway roles, privileged
 * roles, gateway functions) holds for that account only. The central detect of an
 * organization sees every member's records; names are each member's own choice, so account
 * A's history must never exempt, or classify, account B's principal of the same name.
 */
const CENTRAL = '999999999999';
const A = '111122223333';
const B = '444455556666';

function records(file: string, name: string): Record<string, unknown>[] {
  const found = loadFixtures()
    .find((f) => f.file === file)
    ?.cases.find((c) => c.name === name)?.records;
  if (found === undefined) throw new Error(`no fixture case ${name}`);
  return found as Record<string, unknown>[];
}

/** The record as if it happened in `account` (every ARN and account id in it moved). */
function inAccount(raw: Record<string, unknown>, account: string): CloudTrailRecord {
  const validated = validateRecord(JSON.parse(JSON.stringify(raw).replaceAll(A, account)));
  if (!validated.ok) throw new Error(validated.reason);
  return validated.record;
}

const PROPAGATION =
  'three denied AssumeRole of a role Terraform created seconds before (IAM propagation; the role is named only in errorMessage, requestParameters is null), threshold 3';

describe('learning scoped by account (central detect of an organization)', () => {
  const engine = () =>
    new DetectionEngine({
      config: parseDetectionConfig({ thresholds: { 'access-denied-burst': { threshold: 3 } } }),
      state: memoryState(),
      homeAccountId: CENTRAL,
    });

  it('a role created in account A does not excuse denials of the same role name in account B', async () => {
    // Prepare: A creates `release-publisher`; B's callers are denied a role of that name.
    const [create, ...denials] = records('accessDeniedBurst.fixtures.json', PROPAGATION);
    const detect = engine();
    await detect.evaluate(inAccount(create ?? {}, A));

    // Act
    const findings = [];
    for (const denial of denials)
      findings.push(...(await detect.evaluate(inAccount(denial, B))).findings);

    // Assess
    expect(findings.map((f) => f.ruleId)).toEqual(['access-denied-burst']);
  });

  it('the same role created in the same member account still excuses its propagation denials', async () => {
    const [create, ...denials] = records('accessDeniedBurst.fixtures.json', PROPAGATION);
    const detect = engine();
    await detect.evaluate(inAccount(create ?? {}, B));
    const findings = [];
    for (const denial of denials)
      findings.push(...(await detect.evaluate(inAccount(denial, B))).findings);
    expect(findings).toEqual([]);
  });

  it('a gateway role learned in account A is not a gateway role in account B', async () => {
    // Prepare
    const [createGateway] = records(
      'secretReadUnexpected.fixtures.json',
      'gateway execution role (learned from CreateGateway, by ARN) reads its secret',
    );
    const detect = engine();
    const fromA = inAccount(createGateway ?? {}, A);

    // Act
    await detect.evaluate(fromA);

    // Assess
    const role = 'AgentCoreGatewayExecutionRole-orders';
    expect(detect.contextOf(fromA).learnedGatewayRoles?.has(role)).toBe(true);
    expect(detect.contextOf(inAccount(createGateway ?? {}, B)).learnedGatewayRoles?.has(role)).toBe(
      false,
    );
    expect(detect.context.learnedGatewayRoles?.has(role)).toBe(false);
  });
});
