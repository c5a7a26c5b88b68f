import {
  applyListedTools,
  checkGatewayUrl,
  listingFailed,
  MAX_TOOLS_PER_TARGET,
} from '../../../lib/tools/gatewayListing.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';

const ARN = 'arn:aws:bedrock-agentcore:eu-west-1:111122223333:gateway/gw-abc123';

describe('checkGatewayUrl', () => {
  it.each([
    ['the gateway host', 'https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp'],
    ['its root', 'https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com'],
  ])('accepts %s', (_, url) => {
    expect(
      checkGatewayUrl({ gatewayArn: ARN, gatewayId: 'gw-abc123', gatewayUrl: url }).hostname,
    ).toBe('gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com');
  });

  it.each([
    ['plain HTTP', 'http://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp'],
    ['another gateway', 'https://gw-other.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp'],
    ['another Region', 'https://gw-abc123.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp'],
    [
      'a look-alike domain',
      'https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com.evil.example/mcp',
    ],
    ['user info', 'https://u:p@gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp'],
    ['a port', 'https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com:8443/mcp'],
    [
      'the China domain for an aws ARN',
      'https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com.cn/mcp',
    ],
    ['not a URL', 'gw-abc123'],
  ])('refuses %s', (_, url) => {
    expect(() =>
      checkGatewayUrl({ gatewayArn: ARN, gatewayId: 'gw-abc123', gatewayUrl: url }),
    ).toThrow();
  });

  it('takes the partition’s domain from the ARN', () => {
    const cn = 'arn:aws-cn:bedrock-agentcore:cn-north-1:111122223333:gateway/gw-abc123';
    expect(() =>
      checkGatewayUrl({
        gatewayArn: cn,
        gatewayId: 'gw-abc123',
        gatewayUrl: 'https://gw-abc123.gateway.bedrock-agentcore.cn-north-1.amazonaws.com.cn/mcp',
      }),
    ).not.toThrow();
  });
});

function gateway(): GatewayTools {
  return {
    gatewayArn: ARN,
    gatewayId: 'gw-abc123',
    targets: [
      { targetId: 'T1', name: 'orders', tools: [{ name: 'orders___list' }] },
      { targetId: 'T2', name: 'docs', tools: [], toolsUnknown: 'MCP server target' },
      { targetId: 'T3', name: 'wiki', tools: [], toolsUnknown: 'MCP server target' },
    ],
  };
}

describe('applyListedTools', () => {
  it('fills only targets with unknown tools, refuses names of targets not listed', () => {
    // Prepare
    const gw = gateway();
    // Act
    const issues = applyListedTools(gw, [
      { name: 'docs___search', inputSchema: { type: 'object' } },
      { name: 'docs___search' },
      { name: 'orders___injected' },
      { name: 'ghost___x' },
      { name: 'docs___' },
      { name: 42 },
      'not an object',
    ]);
    // Assess
    expect(gw.targets.map((t) => t.name)).toEqual(['orders', 'docs', 'wiki']);
    expect(gw.targets[0]?.tools).toEqual([{ name: 'orders___list' }]);
    expect(gw.targets[1]).toMatchObject({
      tools: [{ name: 'docs___search', inputSchema: { type: 'object' } }],
      toolsFrom: 'gateway tools/list',
    });
    expect(gw.targets[1]?.toolsUnknown).toBeUndefined();
    expect(gw.targets[2]?.toolsUnknown).toMatch(/names no tool of this target/);
    expect(issues).toEqual([
      {
        input: 'tools/list gw-abc123',
        reason:
          '2 listed tool name(s) refused: not <target>___<tool> of a target the control API lists',
      },
    ]);
  });

  it('keeps at most the cap a target', () => {
    const gw = gateway();
    const listed = Array.from({ length: MAX_TOOLS_PER_TARGET + 5 }, (_, i) => ({
      name: `docs___t${i}`,
    }));
    const issues = applyListedTools(gw, listed);
    expect(gw.targets[1]?.tools).toHaveLength(MAX_TOOLS_PER_TARGET);
    expect(issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/longer than gatewarden keeps/),
    ]);
  });

  it('a failure leaves the targets unknown with the reason', () => {
    const gw = gateway();
    expect(listingFailed(gw, 'initialize: HTTP 401')).toEqual({
      input: 'tools/list gw-abc123',
      reason: 'initialize: HTTP 401',
    });
    expect(gw.targets[1]?.toolsUnknown).toBe(
      'MCP server target; live listing failed: initialize: HTTP 401',
    );
    expect(gw.targets[0]?.toolsUnknown).toBeUndefined();
  });
});
