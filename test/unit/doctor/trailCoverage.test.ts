import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import {
  dataTypesOf,
  excludedSourcesOf,
  managementOf,
  readTrails,
  sourcesFiltered,
} from '../../../lib/aws/doctorReader.js';
import type { TrailInfo } from '../../../lib/doctor/ports.js';
import { organizationChecks } from '../../../lib/doctor/organizationChecks.js';
import {
  GATEWAY_DATA_TYPE,
  trailCoverageChecks,
  trailGaps,
} from '../../../lib/doctor/trailCoverage.js';
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
    [
      'management events of kms.amazonaws.com excluded',
      { excludedManagementSources: ['kms.amazonaws.com'] },
    ],
    ['log file delivery failing (AccessDenied)', { deliveryError: 'AccessDenied' }],
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

const MEMBER = '111111111111';

/** A member read role's CloudTrail client answering for one trail with these selectors and status. */
function memberClient(selectors: Record<string, unknown>, status: Record<string, unknown> = {}) {
  return {
    send: (command: { constructor: { name: string } }) => {
      switch (command.constructor.name) {
        case 'DescribeTrailsCommand':
          return Promise.resolve({
            trailList: [
              {
                Name: 'mine',
                TrailARN: `arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/mine`,
                HomeRegion: 'us-east-1',
                IsMultiRegionTrail: true,
                IsOrganizationTrail: false,
                IncludeGlobalServiceEvents: true,
              },
            ],
          });
        case 'GetTrailStatusCommand':
          return Promise.resolve({ IsLogging: true, ...status });
        case 'GetEventSelectorsCommand':
          return Promise.resolve(selectors);
        default:
          return Promise.reject(new Error(command.constructor.name));
      }
    },
  } as unknown as CloudTrailClient;
}

const ALL = { ReadWriteType: 'All' as const, IncludeManagementEvents: true };
const management = (readOnly: Record<string, string[]>) => [
  {
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Management'] },
      { Field: 'readOnly', ...readOnly },
    ],
  },
];

describe('doctor --org: trail coverage under attack', () => {
  it('attack: a basic selector excluding KMS management events (key deletion, policy, import rules) is a gap, named', async () => {
    const [trail] = await readTrails(
      memberClient({
        EventSelectors: [{ ...ALL, ExcludeManagementEventSources: ['kms.amazonaws.com'] }],
      }),
      MEMBER,
    );
    expect(trail).toMatchObject({
      managementEvents: 'All',
      excludedManagementSources: ['kms.amazonaws.com'],
    });
    expect(trailGaps(trail as TrailInfo)).toEqual([
      'management events of kms.amazonaws.com excluded',
    ]);
  });

  it('attack: an excluded source counts only when no other selector logs its reads and writes', () => {
    const noKms = { ...ALL, ExcludeManagementEventSources: ['kms.amazonaws.com'] };
    expect(excludedSourcesOf([noKms, ALL])).toEqual({});
    expect(
      excludedSourcesOf([
        noKms,
        { ReadWriteType: 'ReadOnly', IncludeManagementEvents: true },
        { ReadWriteType: 'WriteOnly', IncludeManagementEvents: true },
      ]),
    ).toEqual({});
    // Another selector logging KMS reads only leaves KMS writes (ScheduleKeyDeletion) out.
    expect(
      excludedSourcesOf([noKms, { ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }]),
    ).toEqual({ excludedManagementSources: ['kms.amazonaws.com'] });
    // A selector without management events logs none of them.
    expect(
      excludedSourcesOf([
        { ...noKms, ExcludeManagementEventSources: ['rdsdata.amazonaws.com', 'kms.amazonaws.com'] },
        { ReadWriteType: 'All', IncludeManagementEvents: false },
      ]),
    ).toEqual({ excludedManagementSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] });
    // A source name that is not AWS's spelling is not quoted.
    expect(trailGaps(good('x', { excludedManagementSources: ['evil\u001b[2J'] }))).toEqual([
      'management events of an event source excluded',
    ]);
  });

  it('attack: an advanced selector whose readOnly field admits one value only is not all management events', () => {
    const reads = management({ NotEquals: ['false'] });
    expect(managementOf([], reads)).toEqual({ managementEvents: 'ReadOnly' });
    expect(sourcesFiltered(reads)).toBe(false);
    expect(trailGaps(good('x', managementOf([], reads)))).toEqual([
      'ReadOnly management events only',
    ]);
    expect.assertions(3 + 11);
    const table: Array<[Record<string, string[]>, TrailInfo['managementEvents']]> = [
      [{ Equals: ['true'] }, 'ReadOnly'],
      [{ Equals: ['false'] }, 'WriteOnly'],
      [{ Equals: ['true', 'false'] }, 'All'],
      [{ NotEquals: ['true'] }, 'WriteOnly'],
      [{ StartsWith: ['t'] }, 'ReadOnly'],
      [{ NotStartsWith: ['t'] }, 'WriteOnly'],
      [{ EndsWith: ['lse'] }, 'WriteOnly'],
      [{ NotEndsWith: ['lse'] }, 'ReadOnly'],
      [{ EndsWith: ['e'] }, 'All'],
      [{ NotEquals: ['maybe'] }, 'All'],
    ];
    for (const [readOnly, kind] of table)
      expect(managementOf([], management(readOnly))).toEqual({ managementEvents: kind });
    // A readOnly field admitting neither value logs no management events.
    expect(managementOf([], management({ Equals: ['true'], NotStartsWith: ['t'] }))).toEqual({});
  });

  it('attack: a logging trail whose log files fail to arrive is a gap naming the error code only', async () => {
    const [trail] = await readTrails(
      memberClient(
        { EventSelectors: [ALL] },
        {
          LatestDeliveryError: 'AccessDenied',
          LatestDeliveryTime: new Date('2026-01-01T00:00:00Z'),
        },
      ),
      MEMBER,
    );
    expect(trail).toMatchObject({
      logging: true,
      deliveryError: 'AccessDenied',
      latestDeliveryAt: '2026-01-01T00:00:00.000Z',
    });
    expect(trailGaps(trail as TrailInfo)).toEqual(['log file delivery failing (AccessDenied)']);
    // AWS's text beyond a bare code (a bucket name, a key ARN) is not repeated.
    expect(
      trailGaps(good('x', { deliveryError: 'Access Denied for bucket secret-bucket-name' })),
    ).toEqual(['log file delivery failing (unrecognized error)']);
  });

  it('attack: a covering trail whose last log file is older than 24 hours warns, without failing', () => {
    const now = new Date('2026-06-02T12:00:00Z');
    const account = { id: MEMBER, label: `${MEMBER} (payments)` };
    const at = (iso: string) => [good('own', { latestDeliveryAt: iso })];
    const stale = trailCoverageChecks(account, [], { trails: at('2026-06-01T11:59:00Z') }, now);
    expect(stale.map((c) => [c.id, c.status])).toEqual([
      [`organization.trail:${MEMBER}`, 'pass'],
      [`organization.trailDelivery:${MEMBER}`, 'warn'],
    ]);
    expect(stale[1]?.message).toContain('own (last 2026-06-01T11:59:00Z)');
    const fresh = trailCoverageChecks(account, [], { trails: at('2026-06-01T12:01:00Z') }, now);
    expect(fresh.map((c) => c.status)).toEqual(['pass']);
    // One fresh covering trail is enough.
    const both = trailCoverageChecks(
      account,
      [good('org', { organization: true, latestDeliveryAt: '2026-06-02T11:00:00Z' })],
      { trails: at('2026-05-01T00:00:00Z') },
      now,
    );
    expect(both.map((c) => c.status)).toEqual(['pass']);
  });
});
