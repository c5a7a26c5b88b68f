import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import {
  activeMembers,
  fanOutMembers,
  organizationReport,
  type MemberAccount,
  type OrganizationDirectory,
} from '../../../lib/reports/organization.js';
import { generateReport } from '../../../lib/reports/report.js';
import { ReportInputError } from '../../../lib/reports/errors.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const catalog = new IamDataCatalog();
const now = () => new Date('2026-11-28T00:00:00Z');

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
