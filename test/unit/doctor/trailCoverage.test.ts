import { dataTypesOf, managementOf, sourcesFiltered } from '../../../lib/aws/doctorReader.js';
import type { TrailInfo } from '../../../lib/doctor/ports.js';
import { organizationChecks } from '../../../lib/doctor/organizationChecks.js';
import { GATEWAY_DATA_TYPE, trailGaps } from '../../../lib/doctor/trailCoverage.js';
import type { MemberAccount } from '../../../lib/reports/organization.js';

const A = { id: '111111111111', name: 'payments', status: 'ACTIVE' };
const B = { id: '222222222222', name: 'sandbox', status: 'ACTIVE' };

/** A trail that covers its account, gateway data events included; tests take parts away. */
const good = (name: string, over: Partial<TrailInfo> = {}): TrailInfo => ({
  name,
  arn: `arn:aws:cloudtrail:us-east-1:111111111111:trail/${name}`,
  multiRegion: true,
  organization: false,
  globalServiceEvents: true,
  logging: true,
  managementEvents: 'All',
  dataEventTypes: [GATEWAY_DATA_TYPE],
  ...over,
});

async function run(
  central: TrailInfo[] | Error,
  member: (account: MemberAccount) => TrailInfo[] | Error,
  refused: string[] = [],
) {
  const read = <T>(value: T | Error) =>
    value instanceof Error ? Promise.reject(value) : Promise.resolve(value);
  const calls: string[] = [];
  const checks = await organizationChecks(
    {
      accounts: () => Promise.resolve([A, B]),
      stackInstances: () => Promise.resolve([]),
      assumeReadRole: (account) =>
        refused.includes(account.id)
          ? Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied' }))
          : Promise.resolve(),
      centralTrails: () => read(central),
      memberTrails: (account) => {
        calls.push(account.id);
        return read(member(account));
      },
    },
    { regions: [], stageRegion: 'us-east-1' },
  );
  return { byId: new Map(checks.map((c) => [c.id, c])), calls };
}

describe('doctor --org: trail coverage', () => {
  it('passes every member covered by a complete organization trail, without reading their trails', async () => {
    // Act
    const { byId, calls } = await run(
      [good('org', { organization: true }), good('central-own')],
      () => [],
    );

    // Assess
    for (const account of [A, B]) {
      expect(byId.get(`organization.trail:${account.id}`)).toMatchObject({ status: 'pass' });
      expect(byId.get(`organization.trail:${account.id}`)?.message).toContain(
        'organization trail org',
      );
      expect(byId.has(`organization.trailData:${account.id}`)).toBe(false);
    }
    expect(calls).toEqual([]);
  });

  it('fails a member with no trail, naming the account; the central account’s own trail covers no member', async () => {
    const { byId } = await run([good('central-own')], (a) => (a.id === A.id ? [] : [good('own')]));
    expect(byId.get(`organization.trail:${A.id}`)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^111111111111 \(payments\): no trail logs this account/),
    });
    expect(byId.get(`organization.trail:${B.id}`)).toMatchObject({ status: 'pass' });
  });

  it.each([
    ['not logging', { logging: false }],
    ['single-region', { multiRegion: false }],
    ['global service events excluded', { globalServiceEvents: false }],
    ['management events excluded', { managementEvents: undefined }],
    ['ReadOnly management events only', { managementEvents: 'ReadOnly' as const }],
    ['management events filtered by event source', { managementSourcesFiltered: true }],
  ])('fails a member whose only trail is %s, saying why', async (reason, over) => {
    const { byId } = await run([], () => [good('own', over)]);
    expect(byId.get(`organization.trail:${A.id}`)).toMatchObject({
      status: 'fail',
      details: [`own: ${reason}`],
    });
  });

  it('fails with the organization trail’s gaps when it is stopped and the member has none', async () => {
    const { byId } = await run([good('org', { organization: true, logging: false })], () => []);
    expect(byId.get(`organization.trail:${A.id}`)).toMatchObject({
      status: 'fail',
      details: ['organization trail org: not logging'],
    });
  });

  it('is unverified, not failed, when the member sees an organization trail the central account could not read', async () => {
    const shadow = good('org', {
      organization: true,
      unread: true,
      logging: false,
      dataEventTypes: [],
    });
    const { byId } = await run(new Error('AccessDenied'), () => [shadow]);
    expect(byId.get(`organization.trail:${A.id}`)).toMatchObject({
      status: 'unverified',
      message: expect.stringContaining('organization trail org'),
    });
  });

  it('warns, without failing, when no covering trail selects gateway data events', async () => {
    const { byId, calls } = await run(
      [good('org', { organization: true, dataEventTypes: [] })],
      (a) =>
        a.id === A.id ? [good('own')] : [good('own', { dataEventTypes: [], logging: false })],
    );
    // The organization trail covers both; member A's own trail adds the gateway data events.
    expect(calls.sort()).toEqual([A.id, B.id]);
    expect(byId.get(`organization.trail:${A.id}`)?.status).toBe('pass');
    expect(byId.has(`organization.trailData:${A.id}`)).toBe(false);
    expect(byId.get(`organization.trail:${B.id}`)?.status).toBe('pass');
    expect(byId.get(`organization.trailData:${B.id}`)).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(GATEWAY_DATA_TYPE),
    });
  });

  it('is unverified, not failed, when the member’s trails cannot be read or its read role not assumed', async () => {
    const secretish = Object.assign(new Error('denied token=abc123'), { name: 'AccessDenied' });
    const { byId } = await run([], () => secretish, [B.id]);
    expect(byId.get(`organization.trail:${A.id}`)).toMatchObject({
      status: 'unverified',
      message: expect.stringContaining('its trails are not readable'),
    });
    expect(byId.get(`organization.trail:${B.id}`)).toMatchObject({
      status: 'unverified',
      message: expect.stringContaining('read role is not assumable'),
    });
    expect(JSON.stringify([...byId.values()])).not.toContain('abc123');
  });

  it('reads basic and advanced selectors: management events, exclusions and gateway data events', () => {
    expect(managementOf([{ ReadWriteType: 'All', IncludeManagementEvents: false }])).toEqual({});
    expect(
      managementOf([], [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }]),
    ).toEqual({ managementEvents: 'All' });
    expect(
      dataTypesOf(
        [],
        [
          {
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: [GATEWAY_DATA_TYPE] },
            ],
          },
        ],
      ),
    ).toEqual([GATEWAY_DATA_TYPE]);
    // A member admin's selector that drops IAM's management events is no full coverage.
    const dropsIam = {
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Management'] },
        { Field: 'eventSource', NotEquals: ['iam.amazonaws.com'] },
      ],
    };
    expect(managementOf([], [dropsIam])).toEqual({ managementEvents: 'All' });
    expect(sourcesFiltered([dropsIam])).toBe(true);
    expect(
      sourcesFiltered([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }]),
    ).toBe(false);
    expect(trailGaps(good('x'))).toEqual([]);
  });
});
