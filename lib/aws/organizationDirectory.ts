import { OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import type { MemberAccount, OrganizationDirectory } from '../reports/organization.js';
import { clientConfig } from './clients.js';

/**
 * The organization's accounts from Organizations `ListAccounts`, every page. Callable from the
 * management account or a delegated administrator (the central stage's report role holds
 * `organizations:ListAccounts`, resources/role-report.yml). Organizations is served from one
 * region per partition; the SDK's endpoint resolution picks it.
 */
export class OrganizationsDirectory implements OrganizationDirectory {
  constructor(
    private readonly client = new OrganizationsClient(clientConfig()),
    /** Accounts per page (Organizations' maximum is 20). */
    private readonly pageSize = 20,
  ) {}

  async listAccounts(): Promise<MemberAccount[]> {
    const accounts: MemberAccount[] = [];
    for await (const page of paginateListAccounts(
      { client: this.client, pageSize: this.pageSize },
      {},
    )) {
      for (const account of page.Accounts ?? []) {
        accounts.push({
          id: account.Id ?? '',
          name: account.Name ?? '',
          // `State` replaces `Status` (retired September 2026); both say ACTIVE for a live account.
          status: account.State ?? account.Status ?? 'UNKNOWN',
          ...(account.JoinedTimestamp ? { joinedAt: account.JoinedTimestamp } : {}),
        });
      }
    }
    return accounts;
  }
}
