import { DetectionEngine } from '../../../lib/detection/engine.js';
import { memoryState } from '../../../lib/detection/memoryStores.js';
import { validateRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';
import { loadDetectPatterns } from './detectPatterns.js';
import { fixtureRecord } from './fixtureSupport.js';

/**
 * Attack on identity-center-permission-set-changed: removing a permission set's boundary
 * (DeletePermissionsBoundaryFromPermissionSet) is reported, so an attacker replaces it instead —
 * PutPermissionsBoundaryToPermissionSet with AdministratorAccess (or any wider policy) as the
 * boundary lifts it just the same, in one call the rule did not name and detect did not route.
 */
const RULE = 'identity-center-permission-set-changed';
const base = fixtureRecord(
  'identityCenterPermissionSetChanged.fixtures.json',
  'AdministratorAccess attached to a permission set',
);

async function findingsOf(requestParameters: Record<string, unknown>): Promise<Finding[]> {
  const result = validateRecord({
    ...base,
    eventID: 'boundary-replaced',
    eventName: 'PutPermissionsBoundaryToPermissionSet',
    requestParameters,
  });
  if (!result.ok) throw new Error(result.reason);
  const engine = new DetectionEngine({ state: memoryState() });
  return (await engine.evaluate(result.record)).findings.filter((f) => f.ruleId === RULE);
}

const permissionSet = {
  instanceArn: 'arn:aws:sso:::instance/ssoins-2938j0x8920sbj72',
  permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-2938j0x8920sbj72/ps-80383020jr9302rk',
};

describe('Identity Center permission set boundary replaced', () => {
  it('a boundary replaced by AdministratorAccess is reported like a boundary removed', async () => {
    const findings = await findingsOf({
      ...permissionSet,
      permissionsBoundary: { managedPolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'medium' });
    expect(findings[0]?.summary).toMatch(/permissions boundary replaced on a permission set/);
  });

  it('a boundary replaced by a customer managed policy is reported too', async () => {
    const findings = await findingsOf({
      ...permissionSet,
      permissionsBoundary: { customerManagedPolicyReference: { name: 'wide-open', path: '/' } },
    });
    expect(findings).toHaveLength(1);
  });

  it('detect routes the call', () => {
    const route = loadDetectPatterns().identityCenter as {
      pattern: { detail: { eventName: string[] } };
    };
    expect(route.pattern.detail.eventName).toContain('PutPermissionsBoundaryToPermissionSet');
  });
});
