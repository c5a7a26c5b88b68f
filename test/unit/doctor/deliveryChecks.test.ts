import {
  DeliveryTracker,
  MemoryDeliveryStore,
  type DeliveryEntry,
} from '../../../lib/detection/delivery.js';
import { deliveryCheck, deliveryVerdict } from '../../../lib/doctor/deliveryChecks.js';
import { organizationChecks } from '../../../lib/doctor/organizationChecks.js';
import type { MemberAccount } from '../../../lib/reports/organization.js';

/**
 * `doctor --org`'s delivery verdicts (lib/doctor/deliveryChecks.ts): a region passes when its
 * heartbeat arrived within two periods (10 minutes each) plus 5 minutes of slack, by the
 * doctor's clock; otherwise it fails naming the account, the region and the last delivery, or
 * "never".
 */

const ACCOUNT = '222233334444';
const NOW = Date.parse('2026-12-06T07:00:00Z');
const min = (n: number) => n * 60_000;
const at = (minutesAgo: number) => NOW - min(minutesAgo);
const options = { now: () => NOW };
const entry = (fields: Partial<DeliveryEntry>): DeliveryEntry => ({
  account: ACCOUNT,
  region: 'eu-west-1',
  ...fields,
});

describe('deliveryVerdict', () => {
  it.each<[string, DeliveryEntry | undefined, RegExp | 'ok']>([
    ['a heartbeat 3 minutes ago', entry({ lastHeartbeatMs: at(3) }), 'ok'],
    [
      'a heartbeat exactly 25 minutes ago (2 periods + slack)',
      entry({ lastHeartbeatMs: at(25) }),
      'ok',
    ],
    [
      'a heartbeat 26 minutes ago, nothing since',
      entry({ lastHeartbeatMs: at(26) }),
      /^no events delivered from 222233334444 eu-west-1 since 2026-12-06T06:34:00Z$/,
    ],
    [
      'a heartbeat 2 hours ago and an event 1 hour ago: the later one is named',
      entry({ lastHeartbeatMs: at(120), lastEventMs: at(60) }),
      /^no events delivered from 222233334444 eu-west-1 since 2026-12-06T06:00:00Z$/,
    ],
    ['nothing ever', undefined, /^no events delivered from 222233334444 eu-west-1: never$/],
    ['an entry without any time', entry({}), /: never$/],
    [
      'events arriving but no heartbeat ever (its rule missing)',
      entry({ lastEventMs: at(2) }),
      /^no heartbeat ever delivered from 222233334444 eu-west-1 \(its events arrive/,
    ],
    [
      'events arriving but the heartbeat stale (its rule disabled)',
      entry({ lastEventMs: at(2), lastHeartbeatMs: at(90) }),
      /^no heartbeat delivered from 222233334444 eu-west-1 since 2026-12-06T05:30:00Z/,
    ],
    // Clock skew: the operator's clock 4 minutes behind AWS's; the heartbeat looks future.
    [
      'a heartbeat stamped 4 minutes in the future (the doctor clock behind)',
      entry({ lastHeartbeatMs: NOW + min(4) }),
      'ok',
    ],
  ])('%s', (_name, value, expected) => {
    const verdict = deliveryVerdict(ACCOUNT, 'eu-west-1', value, options);
    if (expected === 'ok') expect(verdict.ok).toBe(true);
    else expect(verdict).toEqual({ ok: false, problem: expect.stringMatching(expected) });
  });

  it('follows the period it is given', () => {
    const hourly = { now: () => NOW, periodMs: min(60), slackMs: 0 };
    expect(
      deliveryVerdict(ACCOUNT, 'eu-west-1', entry({ lastHeartbeatMs: at(110) }), hourly).ok,
    ).toBe(true);
    expect(
      deliveryVerdict(ACCOUNT, 'eu-west-1', entry({ lastHeartbeatMs: at(121) }), hourly).ok,
    ).toBe(false);
  });

  it('out-of-order and duplicate heartbeats recorded by detect give the latest, fresh verdict', async () => {
    // Prepare: detect saw the heartbeats of the last hour scrambled, some twice.
    const store = new MemoryDeliveryStore();
    const tracker = new DeliveryTracker(store, { now: () => NOW });
    const from = { account: ACCOUNT, region: 'eu-west-1' };
    for (const minutesAgo of [30, 10, 50, 10, 40, 20, 30]) {
      await tracker.note(from, 'heartbeat', new Date(at(minutesAgo)).toISOString());
    }

    // Act
    const verdict = deliveryVerdict(
      ACCOUNT,
      'eu-west-1',
      (await store.entries(ACCOUNT))[0],
      options,
    );

    // Assess
    expect(verdict).toEqual({ ok: true, lastMs: at(10) });
  });

  it('a late duplicate of an old heartbeat does not make a stopped region look delivered', async () => {
    const store = new MemoryDeliveryStore();
    const from = { account: ACCOUNT, region: 'eu-west-1' };
    // The last heartbeat was 2 hours ago; a redriven copy of a 3-hour-old one arrives now.
    await new DeliveryTracker(store, { now: () => NOW }).note(
      from,
      'heartbeat',
      new Date(at(120)).toISOString(),
    );
    await new DeliveryTracker(store, { now: () => NOW }).note(
      from,
      'heartbeat',
      new Date(at(180)).toISOString(),
    );
    const verdict = deliveryVerdict(
      ACCOUNT,
      'eu-west-1',
      (await store.entries(ACCOUNT))[0],
      options,
    );
    expect(verdict).toEqual({
      ok: false,
      problem: expect.stringContaining('since 2026-12-06T05:00:00Z'),
    });
  });
});

describe('deliveryCheck', () => {
  it('passes when every region is fresh; fails naming each region that is not', () => {
    const label = `${ACCOUNT} (payments)`;
    const fresh = [
      entry({ lastHeartbeatMs: at(5) }),
      entry({ region: 'us-east-1', lastHeartbeatMs: at(8) }),
    ];
    expect(
      deliveryCheck({ id: ACCOUNT, label }, ['eu-west-1', 'us-east-1'], fresh, options),
    ).toMatchObject({
      id: `organization.delivery:${ACCOUNT}`,
      status: 'pass',
    });
    const broken = deliveryCheck(
      { id: ACCOUNT, label },
      ['eu-central-1', 'eu-west-1', 'us-east-1'],
      [entry({ lastHeartbeatMs: at(5) }), entry({ region: 'us-east-1', lastHeartbeatMs: at(300) })],
      options,
    );
    expect(broken).toMatchObject({
      status: 'fail',
      message: `${label}: no events delivered from ${ACCOUNT} eu-central-1: never (and 1 more region(s))`,
      details: [
        `no events delivered from ${ACCOUNT} eu-central-1: never`,
        `no events delivered from ${ACCOUNT} us-east-1 since 2026-12-06T02:00:00Z`,
      ],
    });
  });

  it("never counts another account's entry for this one", () => {
    const other = { ...entry({ lastHeartbeatMs: at(1) }), account: '333344445555' };
    expect(
      deliveryCheck({ id: ACCOUNT, label: ACCOUNT }, ['eu-west-1'], [other], options).status,
    ).toBe('fail');
  });
});

describe('doctor --org delivery lines', () => {
  const member: MemberAccount = { id: ACCOUNT, name: 'payments', status: 'ACTIVE' };
  const central: MemberAccount = { id: '111122223333', name: 'security', status: 'ACTIVE' };
  const base = {
    accounts: () => Promise.resolve([central, member]),
    stackInstances: () => Promise.resolve([]),
    assumeReadRole: () => Promise.resolve(),
  };

  it('one line per member from the state; the central account forwards nothing; unreadable is unverified', async () => {
    // Prepare
    const lines = async (deliveries: (a: MemberAccount) => Promise<DeliveryEntry[]>) =>
      (
        await organizationChecks(
          { ...base, deliveries },
          {
            regions: ['eu-west-1'],
            stageRegion: 'eu-west-1',
            centralAccount: central.id,
            delivery: options,
          },
        )
      ).filter((c) => c.id.startsWith('organization.delivery'));

    // Act
    const fresh = await lines((a) =>
      Promise.resolve([
        { account: a.id, region: 'eu-west-1', lastHeartbeatMs: at(4) },
        { account: a.id, region: 'us-east-1', lastHeartbeatMs: at(40) },
      ]),
    );
    const refused = await lines(() =>
      Promise.reject(new Error('AccessDeniedException: not authorized')),
    );

    // Assess: us-east-1 is always expected (the global route's heartbeat).
    expect(fresh.map((c) => [c.id, c.status])).toEqual([
      ['organization.delivery:111122223333', 'pass'],
      [`organization.delivery:${ACCOUNT}`, 'fail'],
    ]);
    expect(fresh[1]?.message).toContain(`no events delivered from ${ACCOUNT} us-east-1 since`);
    expect(refused[1]).toMatchObject({ status: 'unverified' });
  });
});
