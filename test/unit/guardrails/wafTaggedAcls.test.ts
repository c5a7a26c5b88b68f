import { GATEWAY_WAF_TAG, guardrails, validateGuardrail } from '../../../lib/guardrails/index.js';
import { decide, MEMBER } from './simulate.js';

/**
 * A gateway's WAF is its web ACL's rules: UpdateWebACL replaces them whole (an update with no
 * rules and a default Allow leaves the association and lets everything through), DeleteRuleGroup
 * and UpdateRuleGroup empty what the ACL references. The attacker's review (2026-12-06): the
 * gateway practices SCP refused only AssociateWebACL and DisassociateWebACL. The web ACLs and
 * rule groups gateways use carry the `gatewarden:protects-gateways` tag, and with exempt
 * principals named only they change, delete, tag or untag them.
 */
const PIPELINE = `arn:aws:iam::${MEMBER}:role/platform-pipeline`;
const set = guardrails({
  stage: 'prod',
  exemptPrincipals: ['arn:aws:iam::*:role/platform-pipeline'],
});
const acl = `arn:aws:wafv2:eu-west-1:${MEMBER}:regional/webacl/gateways/0f1e2d3c-aaaa-bbbb-cccc-000011112222`;
const group = `arn:aws:wafv2:eu-west-1:${MEMBER}:regional/rulegroup/gateway-rules/0f1e2d3c-aaaa-bbbb-cccc-000011113333`;
const ipSet = `arn:aws:wafv2:eu-west-1:${MEMBER}:regional/ipset/blocked/0f1e2d3c-aaaa-bbbb-cccc-000011114444`;
const tagged = { [`aws:ResourceTag/${GATEWAY_WAF_TAG}`]: 'true' };

describe('the web ACLs of gateways', () => {
  it.each([
    ['wafv2:UpdateWebACL', acl],
    ['wafv2:DeleteWebACL', acl],
    ['wafv2:UpdateRuleGroup', group],
    ['wafv2:DeleteRuleGroup', group],
    ['wafv2:UpdateIPSet', ipSet],
  ])(
    'attack: a member administrator calls %s on a tagged gateway WAF resource (a full replace with no rules): refused',
    async (action, resource) => {
      expect(await decide({ set, action, resource, context: tagged })).toBe('ExplicitlyDenied');
    },
  );

  it('attack: a member administrator takes the tag off first (or overwrites it): refused', async () => {
    for (const action of ['wafv2:UntagResource', 'wafv2:TagResource']) {
      expect(
        await decide({
          set,
          action,
          resource: acl,
          context: { ...tagged, 'aws:TagKeys': [GATEWAY_WAF_TAG] },
        }),
      ).toBe('ExplicitlyDenied');
    }
  });

  it('the pipeline still changes them; web ACLs that protect no gateway stay the administrator’s', async () => {
    expect(
      await decide({
        set,
        action: 'wafv2:UpdateWebACL',
        resource: acl,
        principal: PIPELINE,
        context: tagged,
      }),
    ).toBe('Allowed');
    expect(
      await decide({
        set,
        action: 'wafv2:TagResource',
        resource: acl,
        principal: PIPELINE,
        context: { 'aws:TagKeys': [GATEWAY_WAF_TAG] },
      }),
    ).toBe('Allowed');
    expect(await decide({ set, action: 'wafv2:UpdateWebACL', resource: acl })).toBe('Allowed');
    expect(
      await decide({
        set,
        action: 'wafv2:TagResource',
        resource: acl,
        context: { 'aws:TagKeys': ['team'] },
      }),
    ).toBe('Allowed');
  });

  it('without exempt principals nobody could change a gateway web ACL: the statements are left out', () => {
    const practices = guardrails({ stage: 'prod' }).find(
      (g) => g.name === 'gatewarden-gateway-practices',
    );
    expect(JSON.stringify(practices?.document)).not.toContain(GATEWAY_WAF_TAG);
  });

  it('is a valid SCP with the tag statements', async () => {
    for (const g of set) expect(await validateGuardrail(g)).toEqual([]);
  });
});
