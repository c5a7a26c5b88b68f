import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { OrganizationsDirectory } from '../../../lib/aws/organizationDirectory.js';
import { memberSources } from '../../../lib/aws/memberAccess.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { organizationAccessReport } from '../../../lib/reports/organization.js';
import { consumeDenials } from '../../support/iamDenials.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';

/**
 * The organization report against the local stack's Organizations (moto): the accounts listed
 * page by page, each read through a role in it, and the members that have no such role
 * reported with their reason while the others are read.
 */
const MANAGEMENT = '123456789012';
const organizations = new OrganizationsClient(testClientConfig());
const iam = new IAMClient(testClientConfig());
const suffix = uniqueName('org');
const roleName = `gw-org-read-${suffix}`.slice(0, 64);
const created: string[] = [];

beforeAll(async () => {
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    // The shared stack may already be the management account of an organization.
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  for (const name of ['payments', 'sandbox']) {
    const account = await organizations.send(
      new CreateAccountCommand({
        AccountName: `${name}-${suffix}`,
        Email: `${name}-${suffix}@example.com`,
      }),
    );
    const id = account.CreateAccountStatus?.AccountId;
    if (id === undefined) throw new Error('CreateAccount returned no account id');
    created.push(id);
  }
  // The management account's read role: the stack's admin may assume it, and it reads IAM.
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:user/moto` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'read',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'iam:GetAccountAuthorizationDetails',
              'bedrock-agentcore:List*',
              'bedrock-agentcore:Get*',
              'secretsmanager:ListSecrets',
              'secretsmanager:DescribeSecret',
              'cloudtrail:DescribeTrails',
              'cloudtrail:GetTrailStatus',
            ],
            Resource: '*',
          },
        ],
      }),
    }),
  );
});

describe('the organization report on the local stack', () => {
  it('lists every account of the organization, page by page', async () => {
    const accounts = await new OrganizationsDirectory(organizations, 1).listAccounts();
    const ids = accounts.map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining([MANAGEMENT, ...created]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(accounts.find((a) => a.id === created[0])).toMatchObject({
      name: `payments-${suffix}`,
      status: 'ACTIVE',
    });
    // When it joined (JoinedTimestamp): its usage is judged from then (sharedActivity.ts).
    const joined = accounts.find((a) => a.id === created[0])?.joinedAt;
    expect(joined).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - (joined?.getTime() ?? 0))).toBeLessThan(3_600_000);
  });

  it('reads each member through its role; a member without the role is reported, not fatal', async () => {
    const { organization } = await organizationAccessReport(
      {
        directory: new OrganizationsDirectory(organizations),
        memberSources: (account) => memberSources(account, { stage: 'unused', roleName }),
        catalog: new IamDataCatalog(),
      },
      { concurrency: 2 },
    );
    const byId = new Map(organization.accounts.map((a) => [a.id, a]));
    expect(byId.get(MANAGEMENT)).toMatchObject({ status: 'reported' });
    for (const id of created) {
      expect(byId.get(id)).toMatchObject({
        status: 'failed',
        name: expect.stringContaining(suffix),
      });
      expect(byId.get(id)?.reason).toMatch(/AccessDenied/);
    }
    // The local stack refused exactly the AssumeRole of the members without the role: these
    // accounts, and any other test's member the organization holds by now (the report reads
    // every account of the organization).
    const failed = organization.accounts.filter((a) => a.status === 'failed').map((a) => a.id);
    expect(failed).toEqual(expect.arrayContaining(created));
    const refused = (await consumeDenials()).map((d) => `${d.action} ${d.resource}`).sort();
    expect(refused).toEqual(
      failed.map((id) => `sts:AssumeRole arn:aws:iam::${id}:role/${roleName}`).sort(),
    );
  });
});
