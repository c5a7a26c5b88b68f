import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  guardrailJson,
  guardrails,
  POLICY_SIZE_LIMIT,
  validateGuardrail,
  type Guardrail,
} from '../../../lib/guardrails/index.js';

/**
 * The organization's guardrails, evaluated as AWS evaluates SCPs and RCPs: with
 * @cloud-copilot/iam-simulate, the evaluator of the local stack's IAM gate (local/iam/), a
 * member administrator holding AdministratorAccess under the organization's SCPs.
 */
const MEMBER = '444455556666';
const STAGE = 'prod';
const ADMIN = `arn:aws:iam::${MEMBER}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`;
const STACKSET_EXEC = `arn:aws:iam::${MEMBER}:role/stacksets-exec-5f0e3d2c1b4a`;
const GATEWAY_ROLE = `arn:aws:iam::${MEMBER}:role/orders-gateway-role`;
const ADMINISTRATOR_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
const FULL_AWS_ACCESS = ADMINISTRATOR_ACCESS;

const all = guardrails({ stage: STAGE, gatewayRoles: ['arn:aws:iam::*:role/*-gateway-role'] });
const byKind = (kind: Guardrail['kind'], set: readonly Guardrail[] = all) =>
  set.filter((g) => g.kind === kind).map((g) => ({ name: g.name, policy: g.document }));

/** A member principal's call under the root's FullAWSAccess and the generated SCPs and RCP. */
async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string> = {},
  set: readonly Guardrail[] = all,
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: MEMBER },
        // What AWS sets on every request of an IAM role's session.
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': MEMBER,
          'aws:PrincipalOrgID': 'o-exampleorg1',
          ...context,
        },
      },
      identityPolicies: [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }],
      serviceControlPolicies: [
        { orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS }] },
        {
          orgIdentifier: 'ou-root-members',
          policies: [
            { name: 'FullAWSAccess', policy: FULL_AWS_ACCESS },
            ...byKind('SERVICE_CONTROL_POLICY', set),
          ],
        },
      ],
      resourceControlPolicies: [
        { orgIdentifier: 'ou-root-members', policies: byKind('RESOURCE_CONTROL_POLICY', set) },
      ],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const rule = (name: string, region = 'eu-west-1') =>
  `arn:aws:events:${region}:${MEMBER}:rule/${name}`;

describe('gatewarden guardrails', () => {
  it.each(all.map((g) => [g.name, g]))(
    '%s is a valid %s within the size quota',
    async (_name, guardrail) => {
      expect(await validateGuardrail(guardrail)).toEqual([]);
      expect(guardrailJson(guardrail).length).toBeLessThanOrEqual(POLICY_SIZE_LIMIT);
    },
  );

  it('writes two SCPs and, with gateway roles named, the gateway roles SCP and the secrets RCP', () => {
    expect(all.map((g) => [g.name, g.kind])).toEqual([
      ['gatewarden-prod-protect-member-resources', 'SERVICE_CONTROL_POLICY'],
      ['gatewarden-gateway-practices', 'SERVICE_CONTROL_POLICY'],
      ['gatewarden-prod-protect-gateway-roles', 'SERVICE_CONTROL_POLICY'],
      ['gatewarden-gateway-secret-readers', 'RESOURCE_CONTROL_POLICY'],
    ]);
    expect(guardrails({ stage: STAGE }).map((g) => g.name)).toEqual([
      'gatewarden-prod-protect-member-resources',
      'gatewarden-gateway-practices',
    ]);
  });

  it('attack: a member administrator deletes the forwarding rule: refused by the SCP', async () => {
    expect(
      await decide(ADMIN, 'events:DeleteRule', rule('gatewarden-prod-org-iam', 'us-east-1')),
    ).toBe('ExplicitlyDenied');
    expect(await decide(ADMIN, 'events:RemoveTargets', rule('gatewarden-prod-org-agentcore'))).toBe(
      'ExplicitlyDenied',
    );
    expect(await decide(ADMIN, 'events:DisableRule', rule('gatewarden-prod-org-cloudtrail'))).toBe(
      'ExplicitlyDenied',
    );
  });

  it('attack: a member administrator widens the read role or deletes the stack instance: refused', async () => {
    const readRole = `arn:aws:iam::${MEMBER}:role/gatewarden-prod-member-read`;
    expect(await decide(ADMIN, 'iam:UpdateAssumeRolePolicy', readRole)).toBe('ExplicitlyDenied');
    expect(await decide(ADMIN, 'iam:AttachRolePolicy', readRole)).toBe('ExplicitlyDenied');
    const instance = `arn:aws:cloudformation:eu-west-1:${MEMBER}:stack/StackSet-gatewarden-prod-members-1a2b3c/0f1e2d3c-aaaa-bbbb-cccc-000011112222`;
    expect(await decide(ADMIN, 'cloudformation:DeleteStack', instance)).toBe('ExplicitlyDenied');
  });

  it('attack: a member administrator makes a role named like the StackSet execution role, or takes over the real one: refused', async () => {
    // The exemption is by name (`stacksets-exec-*`): a role of that name made by the member
    // would change the forwarding rules and the read role as the StackSet does.
    const lookalike = `arn:aws:iam::${MEMBER}:role/stacksets-exec-mine`;
    expect(await decide(ADMIN, 'iam:CreateRole', lookalike)).toBe('ExplicitlyDenied');
    for (const action of [
      'iam:UpdateAssumeRolePolicy',
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
    ]) {
      expect(await decide(ADMIN, action, STACKSET_EXEC)).toBe('ExplicitlyDenied');
    }
    // Roles of other names stay the administrator's.
    expect(await decide(ADMIN, 'iam:CreateRole', `arn:aws:iam::${MEMBER}:role/team-app`)).toBe(
      'Allowed',
    );
  });

  it('the StackSet execution role still updates them, and the administrator keeps their own rules', async () => {
    expect(await decide(STACKSET_EXEC, 'events:PutRule', rule('gatewarden-prod-org-iam'))).toBe(
      'Allowed',
    );
    expect(
      await decide(
        STACKSET_EXEC,
        'iam:PutRolePolicy',
        `arn:aws:iam::${MEMBER}:role/gatewarden-prod-member-read`,
      ),
    ).toBe('Allowed');
    expect(await decide(ADMIN, 'events:DeleteRule', rule('team-nightly-job'))).toBe('Allowed');
    // Another stage's rules are that stage's guardrail's business.
    expect(await decide(ADMIN, 'events:DeleteRule', rule('gatewarden-dev-org-iam'))).toBe(
      'Allowed',
    );
  });

  it('refuses gateways without inbound authorization, or with a log-only policy engine', async () => {
    const practices = all.find((g) => g.name === 'gatewarden-gateway-practices');
    const sids = Object.fromEntries((practices?.document.Statement ?? []).map((s) => [s.Sid, s]));
    expect(sids.NoGatewayWithoutAuthorizer).toMatchObject({
      Action: ['bedrock-agentcore:CreateGateway', 'bedrock-agentcore:UpdateGateway'],
      Resource: '*',
      Condition: {
        StringEquals: { 'bedrock-agentcore:GatewayAuthorizerType': ['NONE', 'AUTHENTICATE_ONLY'] },
      },
    });
    expect(sids.NoLogOnlyPolicyEngine).toMatchObject({
      Condition: { StringEquals: { 'bedrock-agentcore:PolicyEngineMode': 'LOG_ONLY' } },
    });
    // The evaluator's IAM catalog does not know AgentCore's gateway condition keys yet (AWS
    // documents them; REFERENCE.md): it sets them aside rather than evaluating them. When it
    // learns them this fails, and these statements get evaluated like the others here.
    const result = await runSimulation(
      {
        request: {
          principal: ADMIN,
          action: 'bedrock-agentcore:CreateGateway',
          resource: { resource: '*', accountId: MEMBER },
          contextVariables: { 'bedrock-agentcore:GatewayAuthorizerType': 'NONE' },
        },
        identityPolicies: [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    expect(result.resultType === 'single' && result.result.ignoredContextKeys).toEqual([
      'bedrock-agentcore:GatewayAuthorizerType',
    ]);
  });

  it('attack: a member administrator takes the WAF web ACL off a gateway: refused', async () => {
    const gateway = `arn:aws:bedrock-agentcore:eu-west-1:${MEMBER}:gateway/orders-abc123`;
    expect(await decide(ADMIN, 'wafv2:DisassociateWebACL', gateway)).toBe('ExplicitlyDenied');
  });

  it('attack: a member administrator swaps an empty web ACL onto a gateway: refused when the pipeline is named', async () => {
    // AssociateWebACL replaces the web ACL a resource has: a WAF removed without a Disassociate.
    const gateway = `arn:aws:bedrock-agentcore:eu-west-1:${MEMBER}:gateway/orders-abc123`;
    const pipeline = `arn:aws:iam::${MEMBER}:role/platform-deploy`;
    const named = guardrails({ stage: STAGE, exemptPrincipals: [pipeline] });

    expect(await decide(ADMIN, 'wafv2:AssociateWebACL', gateway, {}, named)).toBe(
      'ExplicitlyDenied',
    );
    expect(await decide(pipeline, 'wafv2:AssociateWebACL', gateway, {}, named)).toBe('Allowed');
    expect(await decide(pipeline, 'wafv2:DisassociateWebACL', gateway, {}, named)).toBe('Allowed');
    // Web ACLs on other resources stay the administrator's.
    const alb = `arn:aws:elasticloadbalancing:eu-west-1:${MEMBER}:loadbalancer/app/web/50dc6c495c0c9188`;
    expect(await decide(ADMIN, 'wafv2:AssociateWebACL', alb, {}, named)).toBe('Allowed');
    // Without a named principal nobody could put a WAF on a gateway: not refused then.
    expect(await decide(ADMIN, 'wafv2:AssociateWebACL', gateway)).toBe('Allowed');
  });

  it('attack: a member administrator reads a gateway secret: refused by the RCP; the gateway role and the rotator read it', async () => {
    const secret = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:gatewarden/orders/api-key-AbCdEf`;
    expect(await decide(ADMIN, 'secretsmanager:GetSecretValue', secret)).toBe('ExplicitlyDenied');
    expect(await decide(GATEWAY_ROLE, 'secretsmanager:GetSecretValue', secret)).toBe('Allowed');
    expect(
      await decide(
        `arn:aws:iam::${MEMBER}:role/gatewarden-prod-eu-west-1-rotate`,
        'secretsmanager:GetSecretValue',
        secret,
      ),
    ).toBe('Allowed');
    // Other secrets are not this guardrail's.
    expect(
      await decide(
        ADMIN,
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:team/db-AbCdEf`,
      ),
    ).toBe('Allowed');
  });

  it.each([
    ['creates a role named like the rotators', 'iam:CreateRole', 'gatewarden-prod-evil-rotate'],
    ['creates a role named like rotateNow', 'iam:CreateRole', 'gatewarden-prod-x-rotateNow'],
    [
      'trusts itself in the real rotator',
      'iam:UpdateAssumeRolePolicy',
      'gatewarden-prod-eu-west-1-rotate',
    ],
    [
      'passes the real rotator to a function of its own',
      'iam:PassRole',
      'gatewarden-prod-eu-west-1-rotate',
    ],
    ['grants the real rotator more', 'iam:PutRolePolicy', 'gatewarden-prod-eu-west-1-rotateNow'],
  ])(
    'attack: a member administrator %s, to read gateway secrets as a rotator: refused; the StackSet may',
    async (_what, action, role) => {
      // The secrets RCP exempts the rotators by their name: only the StackSet may make one.
      const arn = `arn:aws:iam::${MEMBER}:role/${role}`;
      expect(await decide(ADMIN, action, arn)).toBe('ExplicitlyDenied');
      expect(await decide(STACKSET_EXEC, action, arn)).toBe('Allowed');
    },
  );

  it('attack: a member administrator makes a role named like a gateway role, re-trusts one, or passes one to a function: refused', async () => {
    // The secrets RCP exempts the gateway roles by ARN pattern: a role of such a name that the
    // administrator can assume, or the real one run by a function of theirs, reads the secrets.
    const pipeline = `arn:aws:iam::${MEMBER}:role/platform-deploy`;
    const named = guardrails({
      stage: STAGE,
      gatewayRoles: ['arn:aws:iam::*:role/*-gateway-role'],
      exemptPrincipals: [pipeline],
    });
    const lookalike = `arn:aws:iam::${MEMBER}:role/mine-gateway-role`;
    const toLambda = { 'iam:PassedToService': 'lambda.amazonaws.com' };
    const toAgentCore = { 'iam:PassedToService': 'bedrock-agentcore.amazonaws.com' };

    expect(await decide(ADMIN, 'iam:CreateRole', lookalike, {}, named)).toBe('ExplicitlyDenied');
    expect(await decide(ADMIN, 'iam:UpdateAssumeRolePolicy', GATEWAY_ROLE, {}, named)).toBe(
      'ExplicitlyDenied',
    );
    expect(await decide(ADMIN, 'iam:PassRole', GATEWAY_ROLE, toLambda, named)).toBe(
      'ExplicitlyDenied',
    );
    // The pipeline makes gateway roles; AgentCore is given them.
    expect(await decide(pipeline, 'iam:CreateRole', lookalike, {}, named)).toBe('Allowed');
    expect(await decide(ADMIN, 'iam:PassRole', GATEWAY_ROLE, toAgentCore, named)).toBe('Allowed');
    // Other roles stay the administrator's.
    const other = `arn:aws:iam::${MEMBER}:role/batch-jobs`;
    expect(await decide(ADMIN, 'iam:CreateRole', other, {}, named)).toBe('Allowed');
    expect(await decide(ADMIN, 'iam:PassRole', other, toLambda, named)).toBe('Allowed');
    // Without --exempt nobody could make a gateway role: passing one elsewhere is still refused.
    expect(await decide(ADMIN, 'iam:CreateRole', lookalike)).toBe('Allowed');
    expect(await decide(ADMIN, 'iam:PassRole', GATEWAY_ROLE, toLambda)).toBe('ExplicitlyDenied');
  });

  it('stays within the quota with many gateway roles, and says so when it would not', async () => {
    const roles = (n: number) =>
      Array.from({ length: n }, (_, i) => `arn:aws:iam::*:role/gateway-team-${i}-*`);
    const documents = guardrails({ stage: STAGE, gatewayRoles: roles(60) });
    for (const fits of documents) expect(await validateGuardrail(fits)).toEqual([]);
    const over = guardrails({ stage: STAGE, gatewayRoles: roles(400) }).at(-1) as Guardrail;
    expect((await validateGuardrail(over)).join()).toContain(`over the ${POLICY_SIZE_LIMIT} limit`);
  });

  it.each([
    [{ stage: 'prod*' }, 'not a stage name'],
    [{ stage: 'prod', gatewayRoles: ['*'] }, 'not an IAM role ARN pattern'],
    [
      { stage: 'prod', exemptPrincipals: ['arn:aws:iam::1:role/x", "y'] },
      'not an IAM role, user or root ARN pattern',
    ],
    [{ stage: 'prod', kmsKeyArns: ['alias/mine'] }, 'not a KMS key ARN'],
  ])('refuses %j', (options, message) => {
    expect(() => guardrails(options)).toThrow(message);
  });

  it('the validator catches what AWS would refuse', async () => {
    const [first] = guardrails({ stage: STAGE });
    const broken: Guardrail = {
      ...(first as Guardrail),
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Bad',
            Effect: 'Deny',
            Principal: '*',
            Action: ['events:DeleteRules'],
            Resource: '*',
          },
          {
            Sid: 'Bad',
            Effect: 'Deny',
            Action: ['events:DeleteRule'],
            Resource: '*',
            Condition: { StringEquals: { 's3:prefix': 'x' } },
          },
        ],
      },
    };
    const problems = (await validateGuardrail(broken)).join('\n');
    expect(problems).toContain('an SCP statement names no Principal');
    expect(problems).toContain('unknown action events:DeleteRules');
    expect(problems).toContain('Sid repeated');
    expect(problems).toContain('condition key s3:prefix does not apply');
  });
});
