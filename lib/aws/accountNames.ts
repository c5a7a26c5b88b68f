import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AccountNameSource } from '../detection/accountNames.js';
import { clientConfig } from './clients.js';

/**
 * A member account's name from Organizations `DescribeAccount` (the central stage's detect
 * role holds `organizations:DescribeAccount` on its organization's accounts only,
 * resources/role-detect.yml). Wrap it in `CachedAccountNames`: one call per member and day.
 */
export class OrganizationsAccountNames implements AccountNameSource {
  constructor(private readonly client = new OrganizationsClient(clientConfig())) {}

  async nameOf(accountId: string): Promise<string | undefined> {
    const answer = await this.client.send(new DescribeAccountCommand({ AccountId: accountId }));
    return answer.Account?.Name;
  }
}
