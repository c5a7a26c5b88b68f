/**
 * The local IAM gate with an organization's control policies (local/iam/enforcer.ts): SCPs
 * bind the caller's account, RCPs the resource's, AWS service principals neither, and an allow
 * remembered under one set of control policies is not reused after they change.
 */
import {
  callerOf,
  IamEnforcer,
  serviceCaller,
  type Caller,
  type PolicySource,
} from '../../../local/iam/enforcer.js';
import {
  NO_CONTROL_POLICIES,
  type ControlPolicies,
  type PrincipalPolicies,
} from '../../../local/iam/policies.js';
import type { Authorization } from '../../../local/iam/resources.js';

const MEMBER = '210987654321';
const OTHER = '333344445555';
const RULE = `arn:aws:events:us-east-1:${MEMBER}:rule/gatewarden-prod-org-iam`;
const OTHER_BUCKET_OBJECT = 'arn:aws:s3:::other-bucket/x';

const adminPolicies: PrincipalPolicies = {
  identity: [
    {
      name: 'AdministratorAccess',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      },
    },
  ],
};

const fullAccess = {
  name: 'FullAWSAccess',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};
const denyRuleWrites = {
  name: 'protect',
  policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: 'events:DeleteRule',
        Resource: 'arn:*:events:*:*:rule/gatewarden-prod-org-*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:*:iam::*:role/stacksets-exec-*' } },
      },
    ],
  },
};
const denyOutsideReads = {
  name: 'rcp',
  policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': OTHER } },
      },
    ],
  },
};

function controls(scp: unknown[], rcp: unknown[] = [], version = 'v1'): ControlPolicies {
  return {
    scps: [
      { orgIdentifier: 'r-root', policies: [fullAccess] },
      { orgIdentifier: MEMBER, policies: [fullAccess, ...(scp as (typeof fullAccess)[])] },
    ],
    rcps: [{ orgIdentifier: 'r-root', policies: rcp as (typeof fullAccess)[] }],
    version,
  };
}

function source(byAccount: Record<string, ControlPolicies>): PolicySource {
  return {
    principalPolicies: async () => adminPolicies,
    resourcePolicy: async () => undefined,
    lookups: () => {
      throw new Error('not used');
    },
    controlPolicies: async (account) => byAccount[account] ?? NO_CONTROL_POLICIES,
  };
}

const roleIn = (account: string, role: string): Caller =>
  callerOf({
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/${role}/s`,
    accountId: account,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA',
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      attributes: { creationDate: '2026-12-05T00:00:00Z', mfaAuthenticated: 'false' },
    },
  });

const deleteRule: Authorization = {
  action: 'events:DeleteRule',
  resource: RULE,
  resourceAccount: MEMBER,
  context: {},
};

describe('the local gate with an organization’s control policies', () => {
  it('refuses a member’s administrator what its SCP denies, naming the SCP', async () => {
    const enforcer = new IamEnforcer(source({ [MEMBER]: controls([denyRuleWrites]) }));
    const decision = await enforcer.authorize(roleIn(MEMBER, 'admin'), deleteRule);
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'with an explicit deny in a service control policy',
    });
  });

  it('allows the role the SCP excepts', async () => {
    const enforcer = new IamEnforcer(source({ [MEMBER]: controls([denyRuleWrites]) }));
    const decision = await enforcer.authorize(roleIn(MEMBER, 'stacksets-exec-abc'), deleteRule);
    expect(decision.allowed).toBe(true);
  });

  it('refuses everything a level of the OU chain does not allow (no FullAWSAccess there)', async () => {
    const bare: ControlPolicies = {
      scps: [
        { orgIdentifier: 'r-root', policies: [fullAccess] },
        { orgIdentifier: MEMBER, policies: [] },
      ],
      rcps: [],
      version: 'bare',
    };
    const enforcer = new IamEnforcer(source({ [MEMBER]: bare }));
    const decision = await enforcer.authorize(roleIn(MEMBER, 'admin'), deleteRule);
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'no service control policy allows the events:DeleteRule action',
    });
  });

  it('binds neither an account without control policies (the management account) nor a service principal', async () => {
    const enforcer = new IamEnforcer(source({ [MEMBER]: controls([denyRuleWrites]) }));
    const management = {
      ...deleteRule,
      resource: RULE.replace(MEMBER, OTHER),
      resourceAccount: OTHER,
    };
    expect((await enforcer.authorize(roleIn(OTHER, 'admin'), management)).allowed).toBe(true);
    const service = serviceCaller('events.amazonaws.com', { arn: RULE, account: MEMBER });
    const bound = new IamEnforcer({
      ...source({ [MEMBER]: controls([denyRuleWrites]) }),
      principalPolicies: async () => ({ identity: [] }),
      resourcePolicy: async () => ({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'events:DeleteRule',
            Resource: RULE,
          },
        ],
      }),
    });
    expect((await bound.authorize(service, deleteRule)).allowed).toBe(true);
  });

  it('applies the RCPs of the resource’s account to a caller from outside', async () => {
    const enforcer = new IamEnforcer(source({ [MEMBER]: controls([], [denyOutsideReads]) }));
    const read: Authorization = {
      action: 's3:GetObject',
      resource: OTHER_BUCKET_OBJECT,
      resourceAccount: MEMBER,
      context: {},
    };
    const decision = await enforcer.authorize(roleIn('777788889999', 'reader'), read);
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'with an explicit deny in a resource control policy',
    });
  });

  it('does not reuse an allow once the control policies changed', async () => {
    const byAccount: Record<string, ControlPolicies> = { [MEMBER]: controls([], [], 'v1') };
    const enforcer = new IamEnforcer(source(byAccount));
    expect((await enforcer.authorize(roleIn(MEMBER, 'admin'), deleteRule)).allowed).toBe(true);
    byAccount[MEMBER] = controls([denyRuleWrites], [], 'v2');
    expect((await enforcer.authorize(roleIn(MEMBER, 'admin'), deleteRule)).allowed).toBe(false);
  });
});
