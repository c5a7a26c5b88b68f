import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { readFileSync } from 'node:fs';
import { emptyInventory } from '../../../lib/reports/inventory.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { SharedActivity } from '../../../lib/reports/sharedActivity.js';
import type { ActivitySource } from '../../../lib/reports/usage.js';
import { UsageCollector } from '../../../lib/reports/UsageCollector.js';
import {
  activeMembers,
  fanOutMembers,
  organizationAccessReport,
  organizationReport,
  type MemberAccount,
  type OrganizationDirectory,
} from '../../../lib/reports/organization.js';
import { generateReport } from '../../../lib/reports/report.js';
import { ReportInputError } from '../../../lib/reports/errors.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const catalog = new IamDataCatalog();
const now = () => new Date('2026-11-28T00:00:00Z');
const ordersDetails: unknown = JSON.parse(
  readFileSync(`${fixtures}authorization-details.json`, 'utf8'),
);

const account = (id: string, name: string, status = 'ACTIVE'): MemberAccount => ({
  id,
  name,
  status,
});
const directory = (accounts: MemberAccount[]): OrganizationDirectory => ({
  listAccounts: () => Promise.resolve(accounts),
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('the organization’s accounts', () => {
  it('are the active ones, each once, in id order', async () => {
    // Prepare: pages may repeat an account; suspended and closing ones have no role to assume.
    const listed = [
      account('333333333333', 'payments'),
      account('111111111111', 'security'),
      account('222222222222', 'old', 'SUSPENDED'),
      account('444444444444', 'closing', 'PENDING_CLOSURE'),
      account('333333333333', 'payments'),
    ];

    // Act
    const members = await activeMembers(directory(listed));

    // Assess
    expect(members.map((m) => m.id)).toEqual(['111111111111', '333333333333']);
  });

  it.each(["1111') OR ('1", '11111111111', ''])('refuses the account id %j', async (id) => {
    await expect(activeMembers(directory([account(id, 'x')]))).rejects.toThrow(ReportInputError);
  });
});

describe('the member fan-out', () => {
  const members = Array.from({ length: 25 }, (_, i) =>
    account(String(100000000000 + i), `member-${i}`),
  );

  it('reads at most `concurrency` members at once, and every member', async () => {
    let inFlight = 0;
    let peak = 0;
    const outcomes = await fanOutMembers(
      members,
      async (m) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await tick();
        inFlight -= 1;
        return m.id;
      },
      { concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect(outcomes.map((o) => o.ok && o.value)).toEqual(members.map((m) => m.id));
  });

  it('reports a member it cannot read, without its secrets, and reads the others', async () => {
    const canary = 'AKIAORGCANARY0000001/wJalrXUtnFEMI';
    const outcomes = await fanOutMembers(
      members,
      async (m) => {
        await tick();
        if (m.id === members[3]?.id) {
          const error = new Error(`AccessDenied assuming role with ${canary}`);
          error.name = 'AccessDenied';
          throw error;
        }
        return m.name;
      },
      { concurrency: 5 },
    );
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed.map((o) => o.account.id)).toEqual([members[3]?.id]);
    expect(JSON.stringify(failed)).not.toContain(canary);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(members.length - 1);
  });

  it.each([0, -1, 1.5])('refuses concurrency %p', async (concurrency) => {
    await expect(fanOutMembers(members, () => Promise.resolve(1), { concurrency })).rejects.toThrow(
      'positive integer',
    );
  });
});

describe('the organization report', () => {
  it('names each finding’s account, and lists the members that could not be read', async () => {
    // Prepare: two members with the same fixture account, one that fails.
    const members = [
      account('111122223333', 'orders'),
      account('222233334444', 'broken'),
      account('333344445555', 'orders-copy'),
    ];
    const outcomes = await fanOutMembers(members, async (m) => {
      if (m.name === 'broken') throw new Error('could not assume the read role');
      return generateReport({
        iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
        activity: new DirectoryActivitySource(`${fixtures}trail`),
        catalog,
        now,
      });
    });

    // Act
    const report = organizationReport(outcomes, now());

    // Assess
    expect(report.summary).toMatchObject({ accounts: 3, reported: 2, failed: 1 });
    expect(report.accounts.map((a) => [a.id, a.status])).toEqual([
      ['111122223333', 'reported'],
      ['222233334444', 'failed'],
      ['333344445555', 'reported'],
    ]);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings) {
      expect(['111122223333', '333344445555']).toContain(finding.accountId);
      expect(finding.accountName).toBe(
        finding.accountId === '111122223333' ? 'orders' : 'orders-copy',
      );
    }
    const perAccount = report.accounts.find((a) => a.id === '111122223333')?.findings;
    expect(report.findings.filter((f) => f.accountId === '111122223333')).toHaveLength(
      perAccount ?? -1,
    );
  });
});

describe('the organization access report', () => {
  const ORDERS = '111122223333';
  const ordersRole = `arn:aws:iam::${ORDERS}:role/service-role/orders-gateway-role`;

  it('reads the trail once for every member, and gives each member its own account’s usage', async () => {
    // Prepare: the fixture account, an account with no principals of its own, a broken one.
    const trail = new DirectoryActivitySource(`${fixtures}trail`);
    let trailReads = 0;
    const counted: ActivitySource = {
      kind: trail.kind,
      description: trail.description,
      collect: (window, collector, onProgress) => {
        trailReads += 1;
        return trail.collect(window, collector, onProgress);
      },
    };
    const named: string[][] = [];
    const deps = {
      directory: directory([
        account(ORDERS, 'orders'),
        account('222233334444', 'broken'),
        account('999988887777', 'sandbox'),
      ]),
      memberSources: (m: MemberAccount) => {
        if (m.name === 'broken') {
          const refused = new Error(
            'User: arn:aws:sts::… is not authorized to perform: sts:AssumeRole',
          );
          refused.name = 'AccessDenied';
          return Promise.reject(refused);
        }
        const details = m.id === ORDERS ? ordersDetails : { RoleDetailList: [] };
        return Promise.resolve({
          iam: new MemoryIamSource(details),
          inventory: { load: () => Promise.resolve(emptyInventory()) },
        });
      },
      activity: (accounts: readonly MemberAccount[]) => {
        named.push(accounts.map((a) => a.id));
        return counted;
      },
      catalog,
      now,
    };

    // Act
    const { organization, members } = await organizationAccessReport(deps, { concurrency: 2 });

    // Assess
    expect(trailReads).toBe(1);
    expect(named).toEqual([[ORDERS, '222233334444', '999988887777']]);
    expect(organization.accounts.map((a) => a.reason)).toEqual([
      undefined,
      'AccessDenied',
      undefined,
    ]);
    expect(organization.summary).toMatchObject({ accounts: 3, reported: 2, failed: 1 });
    const own = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
      activity: new DirectoryActivitySource(`${fixtures}trail`),
      catalog,
      now,
    });
    const orders = members.find((o) => o.account.id === ORDERS);
    const sandbox = members.find((o) => o.account.id === '999988887777');
    if (!orders?.ok || !sandbox?.ok) throw new Error('members not reported');
    const used = (r: typeof own) => r.roles.find((role) => role.arn === ordersRole)?.usedActions;
    expect(used(orders.value)).toEqual(used(own));
    expect(orders.value.sources.eventsAttributed).toBe(own.sources.eventsAttributed);
    // Nothing of the fixture account's trail is the sandbox's.
    expect(sandbox.value.sources.eventsRead).toBe(0);
  });
});

describe('one trail read shared by the members', () => {
  it('gives a cross-account call to both accounts: the caller’s (its grants) and the one it acted in (its gateways)', async () => {
    const shared = new SharedActivity(new DirectoryActivitySource(`${fixtures}trail`));
    const window = { from: new Date('2026-08-30T00:00:00Z'), to: now() };
    const read = async (accountId: string) => {
      const collector = new UsageCollector({
        from: window.from.toISOString(),
        to: window.to.toISOString(),
      });
      await shared.forAccount(accountId).collect(window, collector);
      return collector.stats.eventsRead;
    };
    // The fixture trail: account 111122223333's, with one CreateGateway by a role of 444455556666.
    expect(await read('444455556666')).toBe(1);
    expect(await read('111122223333')).toBeGreaterThan(1);
    expect(await read('999988887777')).toBe(0);
    expect(shared.reads).toBe(1);
  });
});
