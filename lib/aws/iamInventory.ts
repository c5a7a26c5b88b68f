import {
  GetAccountAuthorizationDetailsCommand,
  IAMClient,
  type GetAccountAuthorizationDetailsResponse,
} from '@aws-sdk/client-iam';
import { snapshotFromAuthorizationDetails, type IamSnapshot } from '../reports/iamModel.js';
import type { IamSource } from '../reports/report.js';
import { clientConfig } from './clients.js';

/**
 * IAM through the API: GetAccountAuthorizationDetails, every page merged into the same shape
 * the AWS CLI writes, then parsed by the same code as an exported file (documents arrive
 * URL-encoded from the API; the parser decodes them).
 */
export class IamApiSource implements IamSource {
  readonly description = 'IAM API (GetAccountAuthorizationDetails)';
  constructor(private readonly iam: IAMClient = new IAMClient(clientConfig())) {}

  async load(): Promise<IamSnapshot> {
    const merged: Required<
      Pick<
        GetAccountAuthorizationDetailsResponse,
        'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
      >
    > = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    };
    let marker: string | undefined;
    do {
      const page = await this.iam.send(
        new GetAccountAuthorizationDetailsCommand({ Marker: marker, MaxItems: 1000 }),
      );
      merged.UserDetailList.push(...(page.UserDetailList ?? []));
      merged.GroupDetailList.push(...(page.GroupDetailList ?? []));
      merged.RoleDetailList.push(...(page.RoleDetailList ?? []));
      merged.Policies.push(...(page.Policies ?? []));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker);
    return snapshotFromAuthorizationDetails(merged);
  }
}
