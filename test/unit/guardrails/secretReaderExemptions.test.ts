import { runSimulation } from '@cloud-copilot/iam-simulate';
import { guardrails, type Guardrail } from '../../../lib/guardrails/index.js';

/**
 * The secrets RCP exempts gateway roles and the rotators by name. The attacker's review of this
 * change: a principal of such a name outside the organization (no SCP binds it), and a pattern
 * that matches users too, read a member's gateway secret. Evaluated with iam-simulate, the
 * local stack's evaluator, the organization's SCPs binding members only.
 */
const MEMBER = '444455556666';
const OUTSIDER = '999988887777';
const ADMIN = `arn:aws:iam::${MEMBER}:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef`;
const GATEWAY_ROLE = `arn:aws:iam::${MEMBER}:role/orders-gateway-role`;
const SECRET = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:gatewarden/orders/api-key-AbCdEf`;
const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
const set = guardrails({ stage: 'prod', gatewayRoles: ['arn:aws:iam::*:role/*-gateway-role'] });
const byKind = (kind: Guardrail['kind']) =>
  set.filter((g) => g.kind === kind).map((g) => ({ name: g.name, policy: g.document }));

/** A read of the member's secret by `principal`, its SCPs applying when it is a member. */
async function read(principal: string, account: string, resourcePolicy?: unknown) {
  const member = account === MEMBER;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: 'secretsmanager:GetSecretValue',
        resource: { resource: SECRET, accountId: MEMBER },
        contextVariables: {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': account,
          'aws:ResourceAccount': MEMBER,
          ...(member ? { 'aws:PrincipalOrgID': 'o-exampleorg1' } : {}),
        },
      },
      identityPolicies: [{ name: 'AdministratorAccess', policy: ALLOW_ALL }],
      serviceControlPolicies: member
        ? [
            { orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: ALLOW_ALL }] },
            {
              orgIdentifier: 'ou-root-members',
              policies: [
                { name: 'FullAWSAccess', policy: ALLOW_ALL },
                ...byKind('SERVICE_CONTROL_POLICY'),
              ],
            },
          ]
        : [],
      resourceControlPolicies: [
        { orgIdentifier: 'ou-root-members', policies: byKind('RESOURCE_CONTROL_POLICY') },
      ],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const sharedWith = (principal: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    },
  ],
});

describe('the secrets RCP name exemptions', () => {
  it.each([
    ['a role named like a gateway role', `arn:aws:iam::${OUTSIDER}:role/exfil-gateway-role`],
    ['a role named like a rotator', `arn:aws:iam::${OUTSIDER}:role/gatewarden-prod-x-rotate`],
  ])(
    'attack: %s in an account outside the organization, the secret shared to it by its policy: refused',
    async (_name, outsider) => {
      expect(await read(outsider, OUTSIDER, sharedWith(outsider))).toBe('ExplicitlyDenied');
    },
  );

  it("the member's own gateway role still reads it; its administrator does not", async () => {
    expect(await read(GATEWAY_ROLE, MEMBER)).toBe('Allowed');
    expect(await read(ADMIN, MEMBER)).toBe('ExplicitlyDenied');
  });

  it('attack: a gateway role pattern that would match a user of that name: refused when written', () => {
    expect(() =>
      guardrails({ stage: 'prod', gatewayRoles: ['arn:aws:iam::*:*/orders-gateway-role'] }),
    ).toThrow('not an IAM role ARN pattern');
    expect(() =>
      guardrails({
        stage: 'prod',
        gatewayRoles: ['arn:aws:sts::*:assumed-role/orders-gateway-role/*'],
      }),
    ).toThrow('not an IAM role ARN pattern');
  });
});
