import { safeReason } from '../shared/redact.js';
import type { ActionCatalog } from './catalog.js';
import { ReportInputError } from './errors.js';
import type { InventorySource } from './inventory.js';
import { forEachConcurrent } from './logFiles.js';
import type { PolicyValidator } from './policyValidation.js';
import { generateReport, type IamSource, type ReportOptions } from './report.js';
import type { AccessReport, ReportFinding } from './reportTypes.js';
import { SharedActivity } from './sharedActivity.js';
import type { ActivitySource } from './usage.js';

/**
 * The central report of an organization: the member accounts come from Organizations (never a
 * hand-kept list), each member is read through its own read role (resources/organization.yml)
 * a few at a time, and one member that cannot be read is reported, never the end of the run.
 */

/** One account of the organization, as Organizations ListAccounts returns it. */
export interface MemberAccount {
  id: string;
  name: string;
  /** `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` (Status), or the newer State values. */
  status: string;
  /**
   * When it joined the organization (`JoinedTimestamp`): the organization trail holds its
   * records from then on, so its usage is judged from that day.
   */
  joinedAt?: Date;
}

/** Port: the organization's accounts (Organizations ListAccounts, all pages). */
export interface OrganizationDirectory {
  listAccounts(): Promise<MemberAccount[]>;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The accounts to report on: active ones, each once, in id order. A suspended or closing
 * account has nothing to read and its role cannot be assumed; an id that is not one is refused
 * (ids become SQL partition values and role ARNs).
 */
export async function activeMembers(directory: OrganizationDirectory): Promise<MemberAccount[]> {
  const byId = new Map<string, MemberAccount>();
  for (const account of await directory.listAccounts()) {
    if (!ACCOUNT_ID.test(account.id)) {
      throw new ReportInputError('Organizations returned an account id that is not 12 digits');
    }
    if (account.status === 'ACTIVE') byId.set(account.id, account);
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** What reading one member gave: its value, or why it could not be read (never secret). */
export type MemberOutcome<T> =
  | { account: MemberAccount; ok: true; value: T; ms: number }
  | { account: MemberAccount; ok: false; reason: string; ms: number };

/** Members read at once by default: STS and the members' IAM APIs, not the Lambda, are the limit. */
export const DEFAULT_MEMBER_CONCURRENCY = 10;

/**
 * Runs `work` for each member, at most `concurrency` at a time. A member whose work throws is
 * an outcome with the error's safe reason (lib/shared/redact.ts), and the others go on.
 * Outcomes come back in the members' order.
 */
export async function fanOutMembers<T>(
  members: readonly MemberAccount[],
  work: (account: MemberAccount) => Promise<T>,
  options: { concurrency?: number; now?: () => number } = {},
): Promise<MemberOutcome<T>[]> {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? DEFAULT_MEMBER_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ReportInputError('member concurrency must be a positive integer');
  }
  const outcomes: MemberOutcome<T>[] = new Array(members.length);
  await forEachConcurrent(members, concurrency, async (account, index) => {
    const started = now();
    try {
      const value = await work(account);
      outcomes[index] = { account, ok: true, value, ms: now() - started };
    } catch (error) {
      outcomes[index] = { account, ok: false, reason: safeReason(error), ms: now() - started };
    }
  });
  return outcomes;
}

/** A member's finding, naming the member. */
export type OrganizationFinding = ReportFinding & { accountId: string; accountName: string };

/** The organization's summary over the members' reports. */
export interface OrganizationReport {
  schema: 'gatewarden.organization-report';
  generatedAt: string;
  accounts: {
    id: string;
    name: string;
    status: 'reported' | 'failed';
    /** Why the member could not be read (failed only). */
    reason?: string;
    gateways?: number;
    findings?: number;
  }[];
  /** Every member's findings, each with its account id and name. */
  findings: OrganizationFinding[];
  summary: { accounts: number; reported: number; failed: number; findings: number };
}

/** Gathers the members' reports (and failures) into the organization's report. */
export function organizationReport(
  outcomes: readonly MemberOutcome<AccessReport>[],
  generatedAt: Date,
): OrganizationReport {
  const findings: OrganizationFinding[] = [];
  const accounts: OrganizationReport['accounts'] = [];
  for (const outcome of outcomes) {
    const { id, name } = outcome.account;
    if (!outcome.ok) {
      accounts.push({ id, name, status: 'failed', reason: outcome.reason });
      continue;
    }
    const own = outcome.value.findings.map((f) => ({ ...f, accountId: id, accountName: name }));
    findings.push(...own);
    accounts.push({
      id,
      name,
      status: 'reported',
      gateways: outcome.value.gateways.length,
      findings: own.length,
    });
  }
  const failed = accounts.filter((a) => a.status === 'failed').length;
  return {
    schema: 'gatewarden.organization-report',
    generatedAt: generatedAt.toISOString(),
    accounts,
    findings,
    summary: {
      accounts: accounts.length,
      reported: accounts.length - failed,
      failed,
      findings: findings.length,
    },
  };
}

export interface OrganizationReportDeps {
  directory: OrganizationDirectory;
  /** A member's IAM and inventory, through its read role (lib/aws/memberAccess.ts). */
  memberSources(account: MemberAccount): Promise<{ iam: IamSource; inventory: InventorySource }>;
  /** The organization's usage for these accounts (Athena naming them), read once for all. */
  activity?: (accounts: readonly MemberAccount[]) => ActivitySource;
  catalog: ActionCatalog;
  policyValidator?: PolicyValidator;
  now?: () => Date;
}

/**
 * The organization's access report: the active accounts from Organizations, the trail read
 * once for all of them, and each member's own report from its read role — a few members at a
 * time, a member that cannot be read listed with its reason.
 */
export async function organizationAccessReport(
  deps: OrganizationReportDeps,
  options: ReportOptions & { concurrency?: number } = {},
): Promise<{ organization: OrganizationReport; members: MemberOutcome<AccessReport>[] }> {
  const now = deps.now ?? (() => new Date());
  const { concurrency, ...reportOptions } = options;
  const members = await activeMembers(deps.directory);
  const shared = deps.activity ? new SharedActivity(deps.activity(members)) : undefined;
  const outcomes = await fanOutMembers(
    members,
    async (account) => {
      const sources = await deps.memberSources(account);
      return generateReport(
        {
          ...sources,
          catalog: deps.catalog,
          now,
          ...(shared ? { activity: shared.forAccount(account.id, account.joinedAt) } : {}),
          ...(deps.policyValidator ? { policyValidator: deps.policyValidator } : {}),
        },
        reportOptions,
      );
    },
    concurrency === undefined ? {} : { concurrency },
  );
  return { organization: organizationReport(outcomes, now()), members: outcomes };
}
