import { DetectionConfigError, parseDetectionConfig } from '../../../lib/detection/config.js';
import { fixtureRecord, loadFixtures, runCase } from './fixtureSupport.js';

/**
 * Anyone allowed iam:CreateRole or iam:CreateUser can hold a name like the rotator's
 * (`gatewarden-rotation-helper`), so no rule may exempt a caller for its name: the rotator is
 * recognised by its deployed role ARN only (rotatorPrincipals, and the rotate and rotateNow
 * role ARNs the detect function adds from its environment).
 */
const LOOKALIKE = 'gatewarden-rotation-helper';

function asLookalike(record: Record<string, unknown>): Record<string, unknown> {
  return {
    ...record,
    eventID: `${String(record.eventID)}-lookalike`,
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLELOOKALIKE:mallory',
      arn: `arn:aws:sts::111122223333:assumed-role/${LOOKALIKE}/mallory`,
      accountId: '111122223333',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLELOOKALIKE',
          arn: `arn:aws:iam::111122223333:role/${LOOKALIKE}`,
          accountId: '111122223333',
          userName: LOOKALIKE,
        },
      },
    },
  };
}

describe('a role merely named like the rotator is not exempted', () => {
  it('rotatorPrincipals takes ARNs only: a name pattern is refused with the reason', () => {
    expect(() => parseDetectionConfig({ rotatorPrincipals: ['*gatewarden*rotat*'] })).toThrow(
      DetectionConfigError,
    );
    expect(() => parseDetectionConfig({ rotatorPrincipals: ['*gatewarden*rotat*'] })).toThrow(
      /role or user ARN/,
    );
    expect(parseDetectionConfig({}).rotatorPrincipals).toEqual([]);
  });

  it.each([
    ['paymentCredentialChanged.fixtures.json', 'payment connector switched to another provider'],
    ['consentPortalChanged.fixtures.json', 'consent portal pointed at another identity provider'],
    ['workloadIdentityChanged.fixtures.json', 'return URL over plain http'],
    ['agentRuntimeChanged.fixtures.json', 'runtime receives callers Authorization header'],
    ['harnessGatewayAccess.fixtures.json', 'harness given a gateway execution role'],
  ])('%s / %s: still reported', async (file, name) => {
    // Prepare
    const record = asLookalike(fixtureRecord(file, name));
    // Act
    const findings = await runCase({ name, expect: true, records: [record] });
    // Assess
    const ruleId = loadFixtures().find((f) => f.file === file)?.ruleId;
    expect(findings.map((f) => f.ruleId)).toEqual([ruleId]);
  });
});

/** The seven rules that exempt the rotator's own calls: each positive case, from a lookalike. */
const EXEMPTING = [
  'credentialProviderChanged.fixtures.json',
  'adminSecretRead.fixtures.json',
  'secretBatchRead.fixtures.json',
  'secretBulkRead.fixtures.json',
  'rotationTagWidened.fixtures.json',
  'ssmParameterBulkRead.fixtures.json',
  'ssmParameterBatchRead.fixtures.json',
];

function positiveCases(): Array<[string, string]> {
  return loadFixtures()
    .filter((f) => EXEMPTING.includes(f.file))
    .flatMap((f) => f.cases.filter((c) => c.expect).map((c): [string, string] => [f.file, c.name]));
}

describe('the rules that exempt the rotator do so by its deployed ARN, never its name', () => {
  it('every exempting rule has positive cases to try', () => {
    expect(new Set(positiveCases().map(([file]) => file))).toEqual(new Set(EXEMPTING));
  });

  it.each(positiveCases())('%s / %s: a lookalike is still reported', async (file, name) => {
    // Prepare
    const fixture = loadFixtures()
      .find((f) => f.file === file)
      ?.cases.find((c) => c.name === name);
    if (fixture === undefined) throw new Error(`no case ${name}`);
    const records = fixture.records.map((r) => asLookalike(r as Record<string, unknown>));
    // Act
    const findings = await runCase({ ...fixture, records });
    // Assess
    const ruleId = loadFixtures().find((f) => f.file === file)?.ruleId;
    expect(findings.map((f) => f.ruleId)).toContain(ruleId);
  });

  it.each(positiveCases())('%s / %s: the deployed rotator ARN is exempted', async (file, name) => {
    // Prepare
    const fixture = loadFixtures()
      .find((f) => f.file === file)
      ?.cases.find((c) => c.name === name);
    if (fixture === undefined) throw new Error(`no case ${name}`);
    const records = fixture.records.map((r) => asLookalike(r as Record<string, unknown>));
    const config = {
      ...((fixture.config as Record<string, unknown> | undefined) ?? {}),
      rotatorPrincipals: [`arn:aws:iam::111122223333:role/${LOOKALIKE}`],
    };
    // Act
    const findings = await runCase({ ...fixture, config, records });
    // Assess
    const ruleId = loadFixtures().find((f) => f.file === file)?.ruleId;
    expect(findings.map((f) => f.ruleId)).not.toContain(ruleId);
  });
});
