/**
 * The live tool inventory when the service misbehaves: a policy listing whose `nextToken` never
 * ends stops at the page bound and makes no deployed comparison (never a partial policy set
 * presented as what is deployed); a failing GetPolicy is kept as its error class only.
 */
import type { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { AgentCoreToolInventory, MAX_POLICY_PAGES } from '../../../lib/aws/toolInventory.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-bound1';
const ENGINE = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1';
const CANARY = 'CANARY-service-message-31c9';

/** A control client answering from `answer` by command name, counting the calls. */
function client(answer: (name: string, input: Record<string, unknown>) => unknown) {
  const calls: string[] = [];
  const control = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      return answer(name, command.input);
    },
  } as unknown as BedrockAgentCoreControlClient;
  return { control, calls };
}

const gateway = {
  gatewayId: 'gw-bound1',
  gatewayArn: GW,
  authorizerType: 'CUSTOM_JWT',
  policyEngineConfiguration: { arn: ENGINE, mode: 'ENFORCE' },
};

describe('AgentCoreToolInventory bounds', () => {
  it('stops a policy listing that never ends, and compares nothing', async () => {
    // Prepare: every ListPolicies page has one more policy and the same nextToken.
    let n = 0;
    const { control, calls } = client((name) => {
      if (name === 'GetGateway') return gateway;
      if (name === 'ListGatewayTargets') return { items: [] };
      if (name === 'GetPolicyEngine') return { policyEngineId: 'pe-1' };
      if (name === 'ListPolicies')
        return { policies: [{ policyId: `p${n++}` }], nextToken: 'again' };
      throw new Error(`unexpected ${name}`);
    });
    // Act
    const read = await new AgentCoreToolInventory(control).read('gw-bound1');
    // Assess
    expect(calls.filter((c) => c === 'ListPolicies')).toHaveLength(MAX_POLICY_PAGES);
    expect(calls).not.toContain('GetPolicy');
    expect(read.gateways[0]?.deployed).toBeUndefined();
    expect(read.issues).toEqual([
      { input: 'ListPolicies pe-1', reason: 'policy listing too long' },
    ]);
  });

  it('keeps a failing GetPolicy as its error class, never its message', async () => {
    const { control } = client((name) => {
      if (name === 'GetGateway') return gateway;
      if (name === 'ListGatewayTargets') return { items: [] };
      if (name === 'GetPolicyEngine') return { policyEngineId: 'pe-1' };
      if (name === 'ListPolicies') return { policies: [{ policyId: 'p1' }] };
      throw Object.assign(new Error(`no: ${CANARY}`), { name: 'AccessDeniedException' });
    });
    const read = await new AgentCoreToolInventory(control).read('gw-bound1');
    expect(read.issues).toEqual([{ input: 'GetPolicy pe-1', reason: 'AccessDeniedException' }]);
    expect(JSON.stringify(read)).not.toContain(CANARY);
    expect(read.gateways[0]?.deployed).toBeUndefined();
  });
});
