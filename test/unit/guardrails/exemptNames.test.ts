import { guardrails } from '../../../lib/guardrails/index.js';
import { decide, MEMBER } from './simulate.js';

/**
 * The exempt principals (`--exempt`) are exempt by name: the gateway practices and, with gateway
 * roles named, who may make a gateway role (which the secrets RCP exempts). The attacker's
 * review (2026-12-06): nothing guarded those names, so a member administrator re-trusted the
 * pipeline role (or created it where the member had none), then acted as it. Only the exempt
 * principals themselves and the StackSet execution role make, re-trust, change or pass them.
 */
const set = guardrails({
  stage: 'prod',
  gatewayRoles: ['arn:aws:iam::*:role/*-gateway-role'],
  exemptPrincipals: [
    'arn:aws:iam::*:role/platform-pipeline',
    'arn:aws:iam::*:user/break-glass',
    'arn:aws:iam::*:root',
  ],
});
const PIPELINE = `arn:aws:iam::${MEMBER}:role/platform-pipeline`;
const BREAK_GLASS = `arn:aws:iam::${MEMBER}:user/break-glass`;
const STACKSET_EXEC = `arn:aws:iam::${MEMBER}:role/stacksets-exec-5f0e3d2c1b4a`;

describe('the exempt principals’ names', () => {
  it.each([
    'iam:CreateRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:PutRolePolicy',
    'iam:AttachRolePolicy',
    'iam:DeleteRolePermissionsBoundary',
    'iam:PassRole',
  ])('attack: a member administrator calls %s on the pipeline role: refused', async (action) => {
    expect(await decide({ set, action, resource: PIPELINE })).toBe('ExplicitlyDenied');
  });

  it.each([
    'iam:CreateUser',
    'iam:CreateAccessKey',
    'iam:CreateLoginProfile',
    'iam:UpdateLoginProfile',
    'iam:AttachUserPolicy',
  ])('attack: a member administrator calls %s on the break-glass user: refused', async (action) => {
    expect(await decide({ set, action, resource: BREAK_GLASS })).toBe('ExplicitlyDenied');
  });

  it('then cannot make a gateway role: the chain is cut at the first step', async () => {
    expect(
      await decide({
        set,
        action: 'iam:CreateRole',
        resource: `arn:aws:iam::${MEMBER}:role/exfil-gateway-role`,
      }),
    ).toBe('ExplicitlyDenied');
  });

  it('the pipeline changes itself, and the StackSet execution role makes it in a new member', async () => {
    expect(
      await decide({ set, action: 'iam:PutRolePolicy', resource: PIPELINE, principal: PIPELINE }),
    ).toBe('Allowed');
    for (const action of ['iam:CreateRole', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy'])
      expect(await decide({ set, action, resource: PIPELINE, principal: STACKSET_EXEC })).toBe(
        'Allowed',
      );
  });

  it('an exempt pattern that names no IAM role, user or root is refused when written', () => {
    expect(() =>
      guardrails({ stage: 'prod', exemptPrincipals: ['arn:aws:sts::*:assumed-role/pipeline/*'] }),
    ).toThrow('not an IAM role, user or root ARN pattern');
    expect(() =>
      guardrails({ stage: 'prod', exemptPrincipals: ['arn:aws:iam::*:*/platform-pipeline'] }),
    ).toThrow('not an IAM role, user or root ARN pattern');
  });
});
