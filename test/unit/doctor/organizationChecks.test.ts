import {
  expectedRegions,
  organizationChecks,
  type StackInstanceState,
} from '../../../lib/doctor/organizationChecks.js';
import type { MemberAccount } from '../../../lib/reports/organization.js';

const A = { id: '111111111111', name: 'payments', status: 'ACTIVE' };
const B = { id: '222222222222', name: 'sandbox', status: 'ACTIVE' };
const C = { id: '333333333333', name: 'new', status: 'ACTIVE' };

const current = (account: string, region: string): StackInstanceState => ({
  account,
  region,
  status: 'CURRENT',
  detailedStatus: 'SUCCEEDED',
});

function ports(instances: StackInstanceState[], refused: string[] = []) {
  return {
    accounts: () => Promise.resolve([A, B, C]),
    stackInstances: () => Promise.resolve(instances),
    assumeReadRole: (account: MemberAccount) => {
      if (!refused.includes(account.id)) return Promise.resolve();
      const error = new Error('not authorized to perform sts:AssumeRole token=abc123');
      error.name = 'AccessDenied';
      return Promise.reject(error);
    },
  };
}

describe('doctor --org', () => {
  it('expects the chosen regions and us-east-1, or the stage’s region and us-east-1', () => {
    expect(expectedRegions({ regions: ['eu-west-1'], stageRegion: 'eu-west-1' })).toEqual([
      'eu-west-1',
      'us-east-1',
    ]);
    expect(expectedRegions({ regions: [], stageRegion: 'us-east-1' })).toEqual(['us-east-1']);
  });

  it('passes a member current everywhere, fails one outdated or missing a region, and one not enrolled', async () => {
    // Prepare
    const instances = [
      current(A.id, 'eu-west-1'),
      current(A.id, 'us-east-1'),
      current(B.id, 'eu-west-1'),
      {
        account: B.id,
        region: 'us-east-1',
        status: 'OUTDATED',
        detailedStatus: 'FAILED',
        reason: 'Role gatewarden-prod-member-read already exists',
      },
    ];

    // Act
    const checks = await organizationChecks(ports(instances, [B.id]), {
      regions: ['eu-west-1'],
      stageRegion: 'eu-west-1',
    });

    // Assess
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get(`organization.instances:${A.id}`)?.status).toBe('pass');
    expect(byId.get(`organization.instances:${B.id}`)).toMatchObject({
      status: 'fail',
      details: ['us-east-1: OUTDATED/FAILED: Role gatewarden-prod-member-read already exists'],
    });
    expect(byId.get(`organization.instances:${C.id}`)?.message).toContain('not enrolled');
    expect(byId.get(`organization.readRole:${A.id}`)?.status).toBe('pass');
    expect(byId.get(`organization.readRole:${B.id}`)).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(checks)).not.toContain('abc123');
    expect(byId.get(`organization.rules:${A.id}`)?.status).toBe('unverified');
  });
});
