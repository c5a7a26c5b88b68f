import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { displayAccountName } from '../../../lib/detection/accountNames.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { emptyInventory } from '../../../lib/reports/inventory.js';
import type { MemberAccount, OrganizationReport } from '../../../lib/reports/organization.js';
import { runScheduledOrganizationReport } from '../../../lib/reports/scheduledOrganization.js';
import { datedPrefix, MemoryReportStore } from '../../../lib/reports/store.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const details: unknown = JSON.parse(readFileSync(`${fixtures}authorization-details.json`, 'utf8'));
const catalog = new IamDataCatalog();

const ORDERS = '111122223333';
const TWIN = '444455556666';
const BROKEN = '222233334444';

/** Two members holding the same roles (same finding ids), and one whose role is refused. */
function world(accounts: MemberAccount[]) {
  const stores = new Map<string, MemoryReportStore>();
  const summaries: OrganizationReport[] = [];
  const summaryPages: { folder: string; name: string; html: string }[] = [];
  const sink = new MemoryAlertSink();
  let clock = Date.parse('2026-11-28T00:00:00Z');
  const deps = {
    organization: {
      directory: { listAccounts: () => Promise.resolve(accounts) },
      memberSources: (m: MemberAccount) => {
        if (m.id === BROKEN) {
          const refused = new Error(
            'User: arn:aws:sts::… is not authorized to perform: sts:AssumeRole secret=hunter2',
          );
          refused.name = 'AccessDenied';
          return Promise.reject(refused);
        }
        return Promise.resolve({
          iam: new MemoryIamSource(details),
          inventory: { load: () => Promise.resolve(emptyInventory()) },
        });
      },
      catalog,
      now: () => new Date(clock),
    },
    memberStore: (m: MemberAccount) => {
      const store = stores.get(m.id) ?? new MemoryReportStore(`organization/${m.id}`);
      stores.set(m.id, store);
      return store;
    },
    summaryFolder: (generatedAt: string) => datedPrefix(generatedAt, 'organization/summary'),
    saveSummary: (report: OrganizationReport, page: { name: string; html: string }) => {
      summaries.push(report);
      summaryPages.push({
        folder: datedPrefix(report.generatedAt, 'organization/summary'),
        ...page,
      });
      return Promise.resolve({ location: `summary/${summaries.length}` });
    },
    sinks: [sink],
  };
  return {
    deps,
    stores,
    summaries,
    summaryPages,
    sink,
    advance: () => {
      clock += 7 * 86_400_000;
    },
  };
}

const accounts: MemberAccount[] = [
  { id: ORDERS, name: 'orders', status: 'ACTIVE' },
  { id: BROKEN, name: 'broken', status: 'ACTIVE' },
  { id: TWIN, name: 'twin', status: 'ACTIVE' },
];

describe('the scheduled organization report', () => {
  it('stores each member in its own history, and one alert names every new finding with its account', async () => {
    // Prepare
    const w = world(accounts);

    // Act
    const result = await runScheduledOrganizationReport(w.deps, { concurrency: 2 });

    // Assess: two member histories, the refused member in the summary with a safe reason.
    expect([...w.stores.keys()].sort()).toEqual([ORDERS, TWIN]);
    const orders = await w.stores.get(ORDERS)?.latest();
    expect(orders?.findings.length).toBeGreaterThan(0);
    expect(w.summaries[0]?.accounts.find((a) => a.id === BROKEN)).toMatchObject({
      status: 'failed',
      reason: 'AccessDenied',
    });
    expect(result).toMatchObject({ accounts: 3, failed: 1, location: 'summary/1' });
    // Both members' findings are new, each named with its account.
    expect(result.newFindings).toBe(2 * (orders?.findings.length ?? 0));
    const alert = w.sink.alerts[0];
    expect(alert?.body).toContain(`${ORDERS} (orders)`);
    expect(alert?.body).toContain(`${TWIN} (twin)`);
    expect(alert?.body).toContain(`${BROKEN} (broken): AccessDenied`);
    expect(JSON.stringify(alert)).not.toContain('hunter2');
  });

  it("stores the summary's HTML page beside it, linking each member's stored page, and each member's page links back", async () => {
    // Prepare
    const w = world(accounts);
    // Links to pages of the report (documentation links are absolute https ones).
    const hrefs = (html: string) =>
      [...html.matchAll(/href="([^"#][^"]*)"/g)]
        .map((m) => m[1] ?? '')
        .filter((h) => !h.startsWith('https://'));
    const resolve = (folder: string, href: string) => posix.join(folder, href);

    // Act
    await runScheduledOrganizationReport(w.deps);

    // Assess: every link of the summary opens a stored member page, one per member read.
    const summary = w.summaryPages[0];
    expect(summary?.name).toBe('organization.html');
    const linked = hrefs(summary?.html ?? '').map((h) => resolve(summary?.folder ?? '', h));
    const stored = [ORDERS, TWIN].flatMap((id) =>
      [...(w.stores.get(id)?.objects.keys() ?? [])].filter((k) => k.endsWith('/report.html')),
    );
    expect(stored).toHaveLength(2);
    // (the accounts table and each finding row link to the account's page)
    expect([...new Set(linked)].sort()).toEqual([...stored].sort());
    expect(linked.some((l) => l.includes(BROKEN))).toBe(false);
    // Each member page's way back resolves to the summary page.
    for (const key of stored) {
      const page = w.stores.get(key.split('/')[1] ?? '')?.objects.get(key) ?? '';
      const back = hrefs(page).filter((h) => h.endsWith('organization.html'));
      expect(back.map((h) => resolve(posix.dirname(key), h))).toEqual([
        `${summary?.folder}/organization.html`,
      ]);
    }
  });

  it('diffs each member against its own history: the twin’s findings never resolve or hide the other’s', async () => {
    // Prepare: a first run, then the twin leaves the organization.
    const w = world(accounts);
    await runScheduledOrganizationReport(w.deps);
    w.advance();
    const later = world(accounts.filter((a) => a.id !== TWIN));
    later.stores.set(ORDERS, w.stores.get(ORDERS) ?? new MemoryReportStore());
    later.advance();

    // Act
    const second = await runScheduledOrganizationReport(later.deps);

    // Assess: nothing new in orders (same findings as its last report).
    expect(second.newFindings).toBe(0);
    expect(later.sink.alerts[0]?.body).toContain('New findings (0)');
  });

  it('raises the alert to medium when a member cannot be read, even with nothing new', async () => {
    const w = world([{ id: BROKEN, name: 'broken', status: 'ACTIVE' }]);
    const result = await runScheduledOrganizationReport(w.deps);
    expect(result).toMatchObject({ accounts: 1, failed: 1, newFindings: 0, severity: 'medium' });
  });

  it('attack: a member names itself to forge alert lines or chat markup: its name is short plain text', async () => {
    // Prepare: the member's own administrators wrote these names (Organizations lets them).
    const forged = 'x\n- [critical] 999999999999 (security) all-clear <!channel>';
    const w = world([
      { id: ORDERS, name: forged, status: 'ACTIVE' },
      { id: BROKEN, name: `${forged} broken`, status: 'ACTIVE' },
    ]);

    // Act
    await runScheduledOrganizationReport(w.deps);

    // Assess: no line of the alert starts where the name wanted one; no markup survives.
    const alert = w.sink.alerts[0];
    const body = alert?.body ?? '';
    expect(body.split('\n').filter((l) => l.startsWith('- [critical] 999999999999'))).toEqual([]);
    expect(JSON.stringify(alert)).not.toContain('<!channel>');
    expect(body).toContain(`${ORDERS} (${displayAccountName(forged) ?? ''})`);
  });
});
