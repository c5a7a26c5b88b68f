/**
 * An AWS Organization on the local stack as integration tests need it: moto's Organizations
 * (the stack's own account is the management account), accounts made with CreateAccount, and a
 * session in a member as its administrator. Set-up only; what the product does runs as its
 * deployed roles.
 */
import { AttachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { ClientCredentials } from '../../lib/aws/clients.js';

/** moto's default account: the local stack's own, and the organization's management account. */
export const MANAGEMENT_ACCOUNT = '123456789012';

export const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** The organization of the stack's account, created when there is none; its id. */
export async function ensureOrganization(organizations: OrganizationsClient): Promise<string> {
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  const described = await organizations.send(new DescribeOrganizationCommand({}));
  const id = described.Organization?.Id;
  if (id === undefined) throw new Error('the local organization has no id');
  return id;
}

/** A new account of the organization (CreateAccount); its id. */
export async function createAccount(
  organizations: OrganizationsClient,
  name: string,
): Promise<string> {
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  const id = created.CreateAccountStatus?.AccountId;
  if (id === undefined) throw new Error(`CreateAccount returned no id for ${name}`);
  return id;
}

/** A role session (`sts` names where: through the front, or moto directly). */
export async function roleSession(
  sts: STSClient,
  roleArn: string,
  sessionName = 'gatewarden-test',
): Promise<ClientCredentials & { sessionToken: string }> {
  const got = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }),
  );
  const c = got.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
    throw new Error(`no session of ${roleArn}`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
  };
}

/**
 * The account's `OrganizationAccountAccessRole` given `AdministratorAccess`, as AWS's account
 * factory gives it (moto creates it bare: local/README.md, moto gaps). Made on moto directly
 * (`motoUrl`): the gate is not the account factory. Returns the role's ARN.
 */
export async function grantAccountAccessRole(
  motoUrl: string,
  account: string,
  region = 'us-east-1',
): Promise<string> {
  const roleArn = `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`;
  const direct = { endpoint: motoUrl, region, maxAttempts: 1 };
  const factory = await roleSession(new STSClient(direct), roleArn, 'account-factory');
  await new IAMClient({ ...direct, credentials: factory }).send(
    new AttachRolePolicyCommand({
      RoleName: 'OrganizationAccountAccessRole',
      PolicyArn: ADMINISTRATOR_ACCESS,
    }),
  );
  return roleArn;
}
