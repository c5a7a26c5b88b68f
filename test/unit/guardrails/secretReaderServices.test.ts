import { guardrails } from '../../../lib/guardrails/index.js';
import { decide, MEMBER } from './simulate.js';

/**
 * The secrets RCP let every AWS service principal through (the attacker's review of
 * 2026-12-06): a member administrator grants the secret to a service of their choice in the
 * secret's policy (AppFlow, say) and that service uses it against an endpoint of theirs; or a
 * service acting for another account reads it (the confused deputy). Only AgentCore reads
 * gateway secrets, and only for the secret's own account.
 */
const OTHER = '999988887777';
const SECRET = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:gatewarden/orders/api-key-AbCdEf`;
const IDENTITY_SECRET = `arn:aws:secretsmanager:eu-west-1:${MEMBER}:secret:bedrock-agentcore-identity!default/apikey/orders-AbCdEf`;
const set = guardrails({ stage: 'prod', gatewayRoles: ['arn:aws:iam::*:role/*-gateway-role'] });
const grantedTo = (service: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    },
  ],
});
const serviceRead = (service: string, resource: string, context: Record<string, string>) =>
  decide({
    set,
    action: 'secretsmanager:GetSecretValue',
    resource,
    principal: service,
    service: true,
    context,
    resourcePolicy: grantedTo(service),
  });

describe('AWS services reading gateway secrets', () => {
  it('attack: the member administrator grants a gateway secret to another service (AppFlow) in its own account: refused', async () => {
    expect(
      await serviceRead('appflow.amazonaws.com', SECRET, {
        'aws:SourceAccount': MEMBER,
        'aws:SourceArn': `arn:aws:appflow:eu-west-1:${MEMBER}:connectorprofile/exfil`,
      }),
    ).toBe('ExplicitlyDenied');
  });

  it('attack: AgentCore acting for another account (confused deputy): refused', async () => {
    for (const resource of [SECRET, IDENTITY_SECRET]) {
      expect(
        await serviceRead('bedrock-agentcore.amazonaws.com', resource, {
          'aws:SourceAccount': OTHER,
          'aws:SourceArn': `arn:aws:bedrock-agentcore:eu-west-1:${OTHER}:gateway/theirs-abc`,
        }),
      ).toBe('ExplicitlyDenied');
    }
  });

  it('AgentCore acting for the secret’s own account still reads it', async () => {
    for (const resource of [SECRET, IDENTITY_SECRET]) {
      expect(
        await serviceRead('bedrock-agentcore.amazonaws.com', resource, {
          'aws:SourceAccount': MEMBER,
          'aws:SourceArn': `arn:aws:bedrock-agentcore:eu-west-1:${MEMBER}:gateway/orders-abc`,
        }),
      ).toBe('Allowed');
    }
  });
});
