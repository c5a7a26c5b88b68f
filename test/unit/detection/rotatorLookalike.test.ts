import { DEFAULT_ROTATOR_PATTERNS } from '../../../lib/detection/config.js';
import { matchesPattern } from '../../../lib/detection/rules/support.js';
import { fixtureRecord, loadFixtures, runCase } from './fixtureSupport.js';

/**
 * The rotator is recognised by a name pattern (`*gatewarden*rotat*` by default), so anyone
 * allowed iam:CreateRole or iam:CreateUser can hold a name it matches. The rotator never
 * creates or changes payment credentials, consent portals, workload identities, agent runtimes
 * or harnesses (its role has no such right): these rules must not exempt a caller for its name.
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
  it('the name matches the default rotator pattern', () => {
    expect(DEFAULT_ROTATOR_PATTERNS.some((p) => matchesPattern(LOOKALIKE, p))).toBe(true);
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
