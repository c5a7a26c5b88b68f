/**
 * The local IAM gate and the organization's condition keys (local/iam/enforcer.ts):
 * `aws:PrincipalOrgID` is the caller's account's organization and `aws:ResourceOrgID` the
 * resource's, set only for accounts of the organization; and a role is assumed only through its
 * trust policy, so a role that does not exist is never assumed, even within the account.
 */
import {
  callerOf,
  IamEnforcer,
  type Caller,
  type PolicySource,
} from '../../../local/iam/enforcer.js';
import type { PrincipalPolicies } from '../../../local/iam/policies.js';
import type { Authorization } from '../../../local/iam/resources.js';

const ORG = 'o-a1b2c3d4e5';
const CENTRAL = '111122223333';
const MEMBER = '210987654321';
const OUTSIDER = '999988887777';
const READ_ROLE = (account: string) => `arn:aws:iam::${account}:role/gatewarden-prod-member-read`;
const REPORT_ROLE = `arn:aws:iam::${CENTRAL}:role/gatewarden-prod-report`;

/** The report role's grant (resources/role-report.yml): read roles within the organization. */
const reportPolicies: PrincipalPolicies = {
  identity: [
    {
      name: 'report',
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: 'arn:aws:iam::*:role/gatewarden-prod-member-read',
            Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
          },
        ],
      },
    },
  ],
};

/** The member template's read-role trust: the report role, inside the organization. */
const readRoleTrust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: REPORT_ROLE },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    },
  ],
};

function source(members: string[], roles: Record<string, unknown>): PolicySource {
  return {
    principalPolicies: async () => reportPolicies,
    resourcePolicy: async (_action, resource) => roles[resource],
    lookups: () => {
      throw new Error('not used');
    },
    organizationOf: async (account) => (members.includes(account) ? ORG : undefined),
  };
}

const reportRole = (account = CENTRAL): Caller =>
  callerOf({
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/gatewarden-prod-report/s`,
    accountId: account,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA',
        arn: `arn:aws:iam::${account}:role/gatewarden-prod-report`,
        accountId: account,
        userName: 'gatewarden-prod-report',
      },
      attributes: { creationDate: '2026-12-05T00:00:00Z', mfaAuthenticated: 'false' },
    },
  });

const assume = (account: string): Authorization => ({
  action: 'sts:AssumeRole',
  resource: READ_ROLE(account),
  resourceAccount: account,
  context: {},
});

describe('the organization’s condition keys on the local gate', () => {
  it.each([
    ['a member of the organization', [CENTRAL, MEMBER], true],
    ['the report role’s account outside it (aws:PrincipalOrgID)', [MEMBER], false],
    ['the read role’s account outside it (aws:ResourceOrgID)', [CENTRAL], false],
  ])('assuming a read role in %s', async (_case, members, allowed) => {
    const enforcer = new IamEnforcer(source(members, { [READ_ROLE(MEMBER)]: readRoleTrust }));

    const decision = await enforcer.authorize(reportRole(), assume(MEMBER));

    expect(decision.allowed).toBe(allowed);
  });

  it('sets neither key for an account outside the organization', async () => {
    // A trust that admits the report role only without an organization key.
    const outsiderPolicies = new IamEnforcer({
      ...source([], {}),
      principalPolicies: async () => ({
        identity: [
          {
            name: 'any',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
            },
          },
        ],
      }),
      resourcePolicy: async (_action, resource) =>
        resource === READ_ROLE(OUTSIDER)
          ? {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: REPORT_ROLE },
                  Action: 'sts:AssumeRole',
                  Condition: { Null: { 'aws:PrincipalOrgID': 'true' } },
                },
              ],
            }
          : undefined,
    });

    const decision = await outsiderPolicies.authorize(reportRole(), assume(OUTSIDER));

    expect(decision.allowed).toBe(true);
  });

  it('never assumes a role that does not exist, even in the caller’s own account', async () => {
    const enforcer = new IamEnforcer({
      ...source([CENTRAL], {}),
      principalPolicies: async () => ({
        identity: [
          {
            name: 'AdministratorAccess',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
            },
          },
        ],
      }),
    });

    const decision = await enforcer.authorize(reportRole(), assume(CENTRAL));

    expect(decision).toMatchObject({ allowed: false });
    expect(decision.reason).toMatch(/no role of that name/);
  });
});
