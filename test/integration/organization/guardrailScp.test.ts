import { DeleteRuleCommand, EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  ListRootsCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { join } from 'node:path';
import { guardrailJson, guardrails } from '../../../lib/guardrails/index.js';
import { readState } from '../../../local/state.js';
import { consumeDenials } from '../../support/iamDenials.js';
import {
  ADMINISTRATOR_ACCESS as ADMIN_POLICY,
  grantAccountAccessRole,
  MANAGEMENT_ACCOUNT as MANAGEMENT,
  roleSession,
} from '../../support/organization.js';
import { localStackStateDir, testClientConfig, uniqueName } from '../../support/localStack.js';

/**
 * The `gatewarden guardrails` SCP in force on the local stack (its IAM gate evaluates the
 * organization's SCPs for a member account's callers): a member's administrator cannot delete
 * gatewarden's forwarding rule, the StackSet execution role can, and the management account is
 * not bound (as on AWS).
 */
const stage = `g${Date.now().toString(36)}`;
const suffix = uniqueName('scp');
const organizations = new OrganizationsClient(testClientConfig());
const sts = new STSClient(testClientConfig());
const trustManagement = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

let member = '';
let policyId = '';
/** The gateway practices SCP, with the pipeline named exempt (its name guarded). */
let practicesId = '';
const pipeline = `platform-pipeline-${suffix}`;

type Credentials = Awaited<ReturnType<typeof roleSession>>;

const session = (roleArn: string) => roleSession(sts, roleArn, 'scp-test');

const events = (credentials: Credentials) =>
  new EventBridgeClient({ ...testClientConfig(), credentials });
const roleIn = (name: string) => `arn:aws:iam::${member}:role/${name}`;
const ruleName = (n: string) => `gatewarden-${stage}-org-${n}`;

beforeAll(async () => {
  try {
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyInOrganizationException') throw error;
  }
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: `member-${suffix}`, Email: `m-${suffix}@example.com` }),
  );
  member = created.CreateAccountStatus?.AccountId ?? '';
  // AWS gives the OrganizationAccountAccessRole it creates AdministratorAccess; moto creates it
  // bare. Set that up as AWS does, on moto itself (the gate is not AWS's account factory).
  const state = readState(join(localStackStateDir(), 'local-stack.json'));
  if (!state) throw new Error('no local stack state');
  await grantAccountAccessRole(state.motoUrl, member);
  // From here on, through the gate: the member's own administrator and the StackSet role.
  const access = await session(roleIn('OrganizationAccountAccessRole'));
  const memberIam = new IAMClient({ ...testClientConfig(), credentials: access });
  for (const name of [`admin-${suffix}`, `stacksets-exec-${suffix}`]) {
    await memberIam.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustManagement }),
    );
    await memberIam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ADMIN_POLICY }));
  }
  const exec = events(await session(roleIn(`stacksets-exec-${suffix}`)));
  for (const n of ['a', 'b']) {
    await exec.send(
      new PutRuleCommand({
        Name: ruleName(n),
        EventPattern: JSON.stringify({ source: ['aws.iam'] }),
      }),
    );
  }
  // The management account attaches the guardrail to the member.
  const [protect] = guardrails({ stage });
  if (protect?.kind !== 'SERVICE_CONTROL_POLICY') throw new Error('no member-resources SCP');
  const policy = await organizations.send(
    new CreatePolicyCommand({
      Name: `${protect.name}-${suffix}`.slice(0, 128),
      Description: 'gatewarden guardrail (test)',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: guardrailJson(protect),
    }),
  );
  policyId = policy.Policy?.PolicySummary?.Id ?? '';
  await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: member }));
  const practices = guardrails({
    stage,
    exemptPrincipals: [`arn:aws:iam::*:role/${pipeline}`],
  }).find((g) => g.name === 'gatewarden-gateway-practices');
  if (practices === undefined) throw new Error('no gateway practices SCP');
  const practicesPolicy = await organizations.send(
    new CreatePolicyCommand({
      Name: `${practices.name}-${suffix}`.slice(0, 128),
      Description: 'gatewarden guardrail (test)',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: guardrailJson(practices),
    }),
  );
  practicesId = practicesPolicy.Policy?.PolicySummary?.Id ?? '';
  await organizations.send(new AttachPolicyCommand({ PolicyId: practicesId, TargetId: member }));
});

afterAll(async () => {
  for (const id of [policyId, practicesId])
    if (id && member)
      await organizations.send(new DetachPolicyCommand({ PolicyId: id, TargetId: member }));
});

describe('the guardrail SCP on the local stack', () => {
  it('refuses the member’s administrator the deletion of the forwarding rule', async () => {
    const admin = events(await session(roleIn(`admin-${suffix}`)));
    await expect(admin.send(new DeleteRuleCommand({ Name: ruleName('a') }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['events:DeleteRule']);
    expect(refused[0]?.reason).toMatch(/service control polic/i);
  });

  it('lets the StackSet execution role delete it', async () => {
    const exec = events(await session(roleIn(`stacksets-exec-${suffix}`)));
    await expect(exec.send(new DeleteRuleCommand({ Name: ruleName('b') }))).resolves.toBeDefined();
  });

  it('lets the member’s administrator change its own rules the SCP does not name', async () => {
    const admin = events(await session(roleIn(`admin-${suffix}`)));
    await expect(
      admin.send(
        new PutRuleCommand({
          Name: `own-${suffix}`,
          EventPattern: JSON.stringify({ source: ['aws.s3'] }),
        }),
      ),
    ).resolves.toBeDefined();
  });

  it('refuses the member’s administrator a role named like an exempt principal, or the real one re-trusted; the StackSet execution role makes it', async () => {
    // The exemption is by name: a role of that name made or re-trusted by the administrator
    // would act as the pipeline (and make gateway roles, which the secrets RCP exempts).
    const adminIam = new IAMClient({
      ...testClientConfig(),
      credentials: await session(roleIn(`admin-${suffix}`)),
    });
    await expect(
      adminIam.send(
        new CreateRoleCommand({ RoleName: pipeline, AssumeRolePolicyDocument: trustManagement }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const refused = await consumeDenials();
    expect(refused.map((d) => d.action)).toEqual(['iam:CreateRole']);
    expect(refused[0]?.reason).toMatch(/service control polic/i);

    const execIam = new IAMClient({
      ...testClientConfig(),
      credentials: await session(roleIn(`stacksets-exec-${suffix}`)),
    });
    await expect(
      execIam.send(
        new CreateRoleCommand({ RoleName: pipeline, AssumeRolePolicyDocument: trustManagement }),
      ),
    ).resolves.toBeDefined();
    await expect(
      adminIam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: pipeline, PolicyDocument: trustManagement }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      adminIam.send(new AttachRolePolicyCommand({ RoleName: pipeline, PolicyArn: ADMIN_POLICY })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await consumeDenials()).map((d) => d.action)).toEqual([
      'iam:UpdateAssumeRolePolicy',
      'iam:AttachRolePolicy',
    ]);
  });

  it('binds the member again only after the SCP is detached: the gate re-reads on DetachPolicy', async () => {
    await organizations.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: member }));
    const admin = events(await session(roleIn(`admin-${suffix}`)));
    await expect(admin.send(new DeleteRuleCommand({ Name: ruleName('a') }))).resolves.toBeDefined();
    await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: member }));
  });

  it('binds a member through its root, and never the management account', async () => {
    // Prepare: the guardrail on the root instead of the account.
    await organizations.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: member }));
    const roots = await organizations.send(new ListRootsCommand({}));
    const root = roots.Roots?.[0]?.Id ?? '';
    await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: root }));
    try {
      const exec = events(await session(roleIn(`stacksets-exec-${suffix}`)));
      await exec.send(
        new PutRuleCommand({
          Name: ruleName('c'),
          EventPattern: JSON.stringify({ source: ['aws.iam'] }),
        }),
      );
      const management = new EventBridgeClient(testClientConfig());
      await management.send(
        new PutRuleCommand({
          Name: ruleName('m'),
          EventPattern: JSON.stringify({ source: ['aws.iam'] }),
        }),
      );

      // Act / Assess: the management account is exempt; the member is bound by its root's SCP.
      await expect(
        management.send(new DeleteRuleCommand({ Name: ruleName('m') })),
      ).resolves.toBeDefined();
      const admin = events(await session(roleIn(`admin-${suffix}`)));
      await expect(
        admin.send(new DeleteRuleCommand({ Name: ruleName('c') })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
      expect((await consumeDenials()).map((d) => d.reason)).toEqual([
        'with an explicit deny in a service control policy',
      ]);
    } finally {
      await organizations.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: root }));
      await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: member }));
    }
  });
});
