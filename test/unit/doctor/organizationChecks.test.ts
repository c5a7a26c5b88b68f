import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import { expectedMemberRules } from '../../../lib/deploy/memberTemplate.js';
import {
  expectedRegions,
  type MemberRuleState,
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
    // No rule reader given: not checked.
    expect(byId.get(`organization.rules:${A.id}`)?.status).toBe('unverified');
    expect(byId.get(`organization.rules:${B.id}`)?.message).toMatch(/read role is not assumable/);
  });
});

describe('doctor --org: the members’ forwarding rules', () => {
  const routes = readDetectRoutes();
  const BUS = 'arn:aws:events:eu-west-1:999999999999:event-bus/default';
  const expected = (region: string) => expectedMemberRules(routes, 'prod', region, false);
  /** Every expected rule, enabled and aimed at the central bus, in both regions. */
  const healthy = (region: string): MemberRuleState[] =>
    expected(region).map((name) => ({ name, state: 'ENABLED', targets: [BUS] }));

  async function run(rules: (account: MemberAccount, region: string) => MemberRuleState[]) {
    const instances = [A, B, C].flatMap((a) => [
      current(a.id, 'eu-west-1'),
      current(a.id, 'us-east-1'),
    ]);
    const checks = await organizationChecks(
      { ...ports(instances), forwardingRules: async (a, r) => rules(a, r) },
      {
        regions: ['eu-west-1'],
        stageRegion: 'eu-west-1',
        expectedRules: expected,
        centralBusArn: BUS,
        centralAccount: C.id,
      },
    );
    return new Map(checks.map((c) => [c.id, c]));
  }

  it('expects every route in a chosen region, and only the global parts in us-east-1 when it is not chosen', () => {
    const regional = expected('eu-west-1');
    const global = expected('us-east-1');
    expect(regional.length).toBeGreaterThan(10);
    expect(global.length).toBeGreaterThan(0);
    expect(global.length).toBeLessThan(Object.keys(routes).length);
    expect(global).toContain('gatewarden-prod-org-iam');
    expect(regional).not.toContain('gatewarden-prod-org-accountRegions');
    expect(global).toContain('gatewarden-prod-org-accountRegions');
    expect(expectedMemberRules(routes, 'prod', 'us-east-1', true)).toHaveLength(
      Object.keys(routes).length,
    );
  });

  it('passes members whose rules are all there, enabled and aimed at the central bus; the central account forwards nothing', async () => {
    const byId = await run((_a, region) => healthy(region));
    expect(byId.get(`organization.rules:${A.id}`)).toMatchObject({ status: 'pass' });
    expect(byId.get(`organization.rules:${A.id}`)?.message).toMatch(/forwarding rules enabled/);
    expect(byId.get(`organization.rules:${C.id}`)?.message).toMatch(/forwards nothing/);
  });

  it('fails a member whose administrator deleted, disabled or re-aimed a rule, naming each', async () => {
    const [first = '', second = '', third = ''] = expected('eu-west-1');
    const byId = await run((account, region) =>
      account.id !== B.id || region !== 'eu-west-1'
        ? healthy(region)
        : healthy(region)
            .filter((r) => r.name !== first)
            .map((r) =>
              r.name === second
                ? { ...r, state: 'DISABLED' }
                : r.name === third
                  ? { ...r, targets: ['arn:aws:events:eu-west-1:222222222222:event-bus/mine'] }
                  : r,
            ),
    );
    expect(byId.get(`organization.rules:${A.id}`)?.status).toBe('pass');
    expect(byId.get(`organization.rules:${B.id}`)).toMatchObject({
      status: 'fail',
      details: [
        `eu-west-1: ${first} missing`,
        `eu-west-1: ${second} DISABLED`,
        `eu-west-1: ${third} does not target the central bus`,
      ],
    });
  });

  it('a region whose rules cannot be read fails with the reason, never a secret', async () => {
    const byId = await run((account, region) => {
      if (account.id === A.id && region === 'us-east-1') {
        const error = new Error('not authorized token=abc123');
        error.name = 'AccessDeniedException';
        throw error;
      }
      return healthy(region);
    });
    const check = byId.get(`organization.rules:${A.id}`);
    expect(check?.status).toBe('fail');
    expect(check?.details?.[0]).toMatch(/^us-east-1: rules not readable \(AccessDeniedException/);
    expect(JSON.stringify(check)).not.toContain('abc123');
  });
});
