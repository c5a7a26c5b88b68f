import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import {
  expectedMemberRulePattern,
  expectedMemberRuleSchedule,
  expectedMemberRules,
  memberTemplate,
} from '../../../lib/deploy/memberTemplate.js';
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
  const pattern = (region: string, name: string) =>
    expectedMemberRulePattern(routes, 'prod', region, false, name);
  /** Every expected rule, enabled, matching what the template sets, aimed at the central bus. */
  const schedule = (name: string) => expectedMemberRuleSchedule('prod', name);
  const healthy = (region: string): MemberRuleState[] =>
    expected(region).map((name) => {
      const every = schedule(name);
      return {
        name,
        state: 'ENABLED',
        targets: [BUS],
        ...(every === undefined
          ? { pattern: JSON.stringify(pattern(region, name)) }
          : { schedule: every }),
      };
    });

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
        expectedPattern: pattern,
        expectedSchedule: schedule,
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
    // Every route but the central-only one (a stage reading every secret judges its own reads),
    // and the heartbeat.
    expect(expectedMemberRules(routes, 'prod', 'us-east-1', true)).toHaveLength(
      Object.keys(routes).filter((key) => key !== 'allSecretReads').length + 1,
    );
    expect(regional).toContain('gatewarden-prod-org-heartbeat');
    expect(global).toContain('gatewarden-prod-org-heartbeat');
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

  it('fails a member whose administrator kept a rule’s name, state and target but changed its pattern to match nothing', async () => {
    // Prepare: the attack — PutRule on the same name with a pattern no event matches, or a
    // narrower one that drops the calls the attacker is about to make.
    const [first = '', second = ''] = expected('eu-west-1');
    const narrowed = (region: string, name: string) => {
      const original = pattern(region, name) as Record<string, unknown>;
      return { ...original, detail: { eventName: ['NothingEverCallsThis'] } };
    };

    // Act
    const byId = await run((account, region) =>
      account.id !== B.id || region !== 'eu-west-1'
        ? healthy(region)
        : healthy(region).map((r) =>
            r.name === first
              ? { ...r, pattern: '{"source":["gatewarden.never"]}' }
              : r.name === second
                ? { ...r, pattern: JSON.stringify(narrowed(region, r.name)) }
                : r,
          ),
    );

    // Assess
    expect(byId.get(`organization.rules:${A.id}`)?.status).toBe('pass');
    expect(byId.get(`organization.rules:${B.id}`)).toMatchObject({
      status: 'fail',
      details: [
        `eu-west-1: ${first} forwards other events than the template's`,
        `eu-west-1: ${second} forwards other events than the template's`,
      ],
    });
    // The member's pattern is never quoted.
    expect(JSON.stringify(byId.get(`organization.rules:${B.id}`))).not.toContain('never');
  });

  it('accepts the template’s pattern however EventBridge orders its keys or spaces it', async () => {
    const reordered = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reordered)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value as Record<string, unknown>)
                .reverse()
                .map(([k, v]) => [k, reordered(v)]),
            )
          : value;
    const byId = await run((_a, region) =>
      healthy(region).map((r) => ({
        ...r,
        pattern: JSON.stringify(reordered(JSON.parse(r.pattern ?? 'null')), null, 1),
      })),
    );
    expect(byId.get(`organization.rules:${A.id}`)).toMatchObject({ status: 'pass' });
  });

  it('fails a member whose heartbeat was slowed, disabled or given a pattern instead of its schedule', async () => {
    const heartbeat = 'gatewarden-prod-org-heartbeat';
    const byId = await run((account, region) =>
      healthy(region).map((r) => {
        if (r.name !== heartbeat) return r;
        if (account.id === A.id && region === 'eu-west-1')
          return { ...r, schedule: 'rate(7 days)' };
        if (account.id === B.id && region === 'us-east-1') return { ...r, state: 'DISABLED' };
        return r;
      }),
    );
    expect(byId.get(`organization.rules:${A.id}`)).toMatchObject({
      status: 'fail',
      details: [`eu-west-1: ${heartbeat} runs on another schedule than the template's`],
    });
    expect(byId.get(`organization.rules:${B.id}`)).toMatchObject({
      status: 'fail',
      details: [`us-east-1: ${heartbeat} DISABLED`],
    });
  });

  it('a rule whose pattern is unreadable fails', async () => {
    const [first = ''] = expected('us-east-1');
    const byId = await run((account, region) =>
      healthy(region).map((r) =>
        account.id === A.id && region === 'us-east-1' && r.name === first
          ? { name: r.name, state: r.state, targets: r.targets }
          : r,
      ),
    );
    expect(byId.get(`organization.rules:${A.id}`)).toMatchObject({
      status: 'fail',
      details: [`us-east-1: ${first} forwards other events than the template's`],
    });
  });

  it('expects exactly the rules, and for each the pattern, the member template gives a region', () => {
    // The template's rules, with its conditions decided as an instance in that region decides.
    const resources = memberTemplate(routes).Resources as Record<
      string,
      {
        Type: string;
        Condition?: string;
        Properties: { Name: { 'Fn::Sub': string }; EventPattern: unknown };
      }
    >;
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThan(10);
    for (const [region, chosen, globalOnly] of [
      ['eu-west-1', false, false],
      ['us-east-1', false, true],
      ['us-east-1', true, false],
    ] as const) {
      const inGlobal = region === 'us-east-1';
      const holds = (condition: string | undefined) =>
        condition === 'ForwardsRegional'
          ? !globalOnly
          : condition === 'ForwardsGlobal'
            ? inGlobal
            : true;
      const deployed = rules.filter((rule) => holds(rule.Condition));
      const name = (rule: (typeof rules)[number]) =>
        rule.Properties.Name['Fn::Sub'].replace('${Stage}', 'prod');
      expect(expectedMemberRules(routes, 'prod', region, chosen)).toEqual(
        deployed.map(name).sort(),
      );
      for (const rule of deployed) {
        // The heartbeat has a schedule, no pattern.
        const raw = rule.Properties.EventPattern as
          { 'Fn::If'?: [string, unknown, unknown] } | undefined;
        const resolved = raw?.['Fn::If'] ? raw['Fn::If'][globalOnly ? 1 : 2] : raw;
        expect(expectedMemberRulePattern(routes, 'prod', region, chosen, name(rule))).toEqual(
          resolved,
        );
      }
    }
    expect(
      expectedMemberRulePattern(
        routes,
        'prod',
        'eu-west-1',
        false,
        'gatewarden-prod-org-constructor',
      ),
    ).toBeUndefined();
    expect(expectedMemberRulePattern(routes, 'prod', 'eu-west-1', false, 'iam')).toBeUndefined();
  });
});
