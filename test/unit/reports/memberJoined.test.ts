import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { emptyInventory } from '../../../lib/reports/inventory.js';
import { organizationAccessReport, type MemberAccount } from '../../../lib/reports/organization.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';

/**
 * The organization trail holds a member's records from the day it joined the organization. The
 * attacker's review (2026-12-06): the report judged every member by the trail's days, so a
 * member that joined 8 days ago had its roles, used before in its own old trail, called unused
 * over 90 days. Each member is judged from its JoinedTimestamp (Organizations ListAccounts).
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXPORT = join(ROOT, 'test/fixtures/iam/account-authorization-details.json');
/** The member reported (the export's account). */
const MEMBER = '210987654321';
/** A long-standing member whose records span the whole window. */
const OLD = '111111111111';
const NOW = new Date('2026-11-28T00:00:00Z');

function record(account: string, eventTime: string, role: string): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventTime,
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    awsRegion: 'us-east-1',
    eventCategory: 'Management',
    recipientAccountId: account,
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${account}:assumed-role/${role}/s`,
      accountId: account,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${account}:role/${role}`,
          accountId: account,
        },
      },
    },
  };
}

/** 91 days of the old member, and the reported member's records on the days given. */
function trail(memberDays: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let d = 0; d <= 90; d++) {
    const t = new Date(Date.parse('2026-08-30T12:00:00Z') + d * 86_400_000).toISOString();
    out.push(record(OLD, t, 'batch'));
  }
  return [...out, ...memberDays.map((day) => record(MEMBER, `${day}T10:00:00Z`, 'someone-else'))];
}

async function memberReport(joinedAt: Date | undefined, records: Record<string, unknown>[]) {
  const accounts: MemberAccount[] = [
    { id: OLD, name: 'old', status: 'ACTIVE' },
    { id: MEMBER, name: 'joined', status: 'ACTIVE', ...(joinedAt ? { joinedAt } : {}) },
  ];
  const { members } = await organizationAccessReport({
    directory: { listAccounts: () => Promise.resolve(accounts) },
    memberSources: () =>
      Promise.resolve({
        iam: new AuthorizationDetailsFile(EXPORT),
        inventory: { load: () => Promise.resolve(emptyInventory()) },
      }),
    activity: () => new MemoryActivitySource(records),
    catalog: new IamDataCatalog(),
    now: () => NOW,
  });
  const outcome = members.find((o) => o.account.id === MEMBER);
  if (!outcome?.ok) throw new Error('member not reported');
  return outcome.value;
}

describe('a member judged from the day it joined the organization', () => {
  it('attack: a member that joined 8 days ago is not judged by the other members’ days: usage partial, nothing called idle', async () => {
    const r = await memberReport(
      new Date('2026-11-20T09:00:00Z'),
      trail(['2026-11-20', '2026-11-24', '2026-11-27']),
    );
    expect(r.sources.usage).toBe('partial');
    expect(r.sources.usageMissingDays?.[0]?.to).toBe('2026-11-19');
    expect(r.sources.activityUnknownReason).toContain('joined the organization on 2026-11-20');
    expect(r.findings.filter((f) => f.checkId === 'idle-principal')).toEqual([]);
  });

  it('a member that joined before the window is judged on the whole window, as before', async () => {
    const r = await memberReport(new Date('2025-01-01T00:00:00Z'), trail(['2026-11-20']));
    expect(r.sources.usage).toBe('known');
  });

  it('a member whose join date Organizations did not give is judged on the whole window', async () => {
    const r = await memberReport(undefined, trail(['2026-11-20']));
    expect(r.sources.usage).toBe('known');
  });
});
