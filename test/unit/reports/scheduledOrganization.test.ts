import { readFileSync } from 'node:fs';
import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { displayAccountName } from '../../../lib/detection/accountNames.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { emptyInventory } from '../../../lib/reports/inventory.js';
import type { MemberAccount, OrganizationReport } from '../../../lib/reports/organization.js';
import { runScheduledOrganizationReport } from '../../../lib/reports/scheduledOrganization.js';
import { MemoryReportStore } from '../../../lib/reports/store.js';

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
      const store = stores.get(m.id) ?? new MemoryReportStore();
      stores.set(m.id, store);
      return store;
    },
    saveSummary: (report: OrganizationReport) => {
      summaries.push(report);
      return Promise.resolve({ location: `summary/${summaries.length}` });
    },
    sinks: [sink],
  };
  return {
    deps,
    stores,
    summaries,
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
