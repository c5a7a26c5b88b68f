/**
 * What a recommendation must never do: offer a policy AgentCore would reject (a tool the
 * gateway no longer exposes, a bare resource, actions without a gateway), let a hostile name
 * widen a policy, or read a gateway's tools wrongly from its targets.
 */
import { checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs';
import { agentCoreRuleViolation, validatePolicies } from '../../../lib/tools/cedarEngine.js';
import { gatewaySchema } from '../../../lib/tools/cedarSchema.js';
import { parseTargetsFile, targetInfo } from '../../../lib/tools/inventory.js';
import { recommendGateway } from '../../../lib/tools/recommend.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1';

function usageOf(calls: { sub: string; tool: string }[]) {
  const collector = new ToolUsageCollector();
  calls.forEach((c) =>
    collector.addRecord(
      sampleInvokeRecord({
        gatewayArn: GW,
        tool: c.tool,
        targetId: 'T1',
        claims: { sub: c.sub },
        time: '2026-12-01T00:00:00Z',
      }),
    ),
  );
  const usage = collector.gateways.get(GW);
  if (usage === undefined) throw new Error('no usage');
  return usage;
}

const lambdaTarget = (name: string, tools: string[]) => ({
  gatewayArn: GW,
  targetId: `id-${name}`,
  name,
  targetConfiguration: {
    mcp: {
      lambda: {
        lambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:f',
        toolSchema: {
          inlinePayload: tools.map((t) => ({
            name: t,
            description: '',
            inputSchema: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                n: { type: 'number' },
                tags: { type: 'array', items: { type: 'string' } },
              },
              required: ['id'],
            },
          })),
        },
      },
    },
  },
});

describe('recommendGateway', () => {
  it('never offers a permit naming a tool the gateway no longer exposes, and says why', () => {
    // Prepare: crm___old was called, then removed from the target.
    const usage = usageOf([
      { sub: 'u1', tool: 'crm___get' },
      { sub: 'u2', tool: 'crm___old' },
    ]);
    const [inventory] = parseTargetsFile(
      JSON.stringify({
        gateways: [
          { gatewayArn: GW, authorizerType: 'CUSTOM_JWT', targets: [lambdaTarget('crm', ['get'])] },
        ],
      }),
    );
    // Act
    const rec = recommendGateway(usage, inventory);
    // Assess
    expect(rec.schemaFromInventory).toBe(true);
    expect(rec.policies.map((p) => p.tools)).toEqual([['crm___get']]);
    expect(rec.rejected).toHaveLength(1);
    expect(rec.rejected[0]?.reasons.join(' ')).toMatch(/unrecognized action.*crm___old/);
    expect(rec.cedar).not.toContain('crm___old');
  });

  it('a hostile subject stays one string literal: it cannot widen the policy', () => {
    // Prepare
    const usage = usageOf([{ sub: '" || true || principal.id == "', tool: 'crm___get' }]);
    // Act
    const rec = recommendGateway(usage, undefined);
    // Assess
    expect(rec.rejected).toEqual([]);
    expect(rec.cedar).toContain('principal.id == "\\" || true || principal.id == \\""');
  });

  it('without a tool list, the schema is built from the tools seen called (and says so)', () => {
    const rec = recommendGateway(usageOf([{ sub: 'u1', tool: 'x___y' }]), undefined);
    expect(rec.schemaFromInventory).toBe(false);
    expect(rec.policies).toHaveLength(1);
    expect(rec.principalTypes).toEqual(['OAuthUser']);
  });
});

describe('AgentCore create-time rules', () => {
  const schema = gatewaySchema([{ name: 'crm___get' }], ['OAuthUser']);
  it.each([
    [
      'a bare resource',
      'permit (principal, action == AgentCore::Action::"crm___get", resource);',
      /wildcard resource/,
    ],
    [
      'specific actions on a resource type',
      'permit (principal, action in [AgentCore::Action::"crm___get"], resource is AgentCore::Gateway);',
      /must name one gateway/,
    ],
  ])('%s is rejected', (_name, text, reason) => {
    expect(agentCoreRuleViolation(text)).toMatch(reason);
    expect(
      validatePolicies(schema, { p: text })
        .map((p) => p.reason)
        .join(' '),
    ).toMatch(reason);
  });

  it('accepts a policy naming its gateway', () => {
    const text = `permit (principal is AgentCore::OAuthUser, action in [AgentCore::Action::"crm___get"], resource == AgentCore::Gateway::"${GW}");`;
    expect(validatePolicies(schema, { p: text })).toEqual([]);
  });
});

describe('tool inventory from targets', () => {
  it('reads Lambda, OpenAPI, Smithy and MCP server targets; says why S3 schemas are unknown', () => {
    // Prepare
    const openApi = {
      mcp: {
        openApiSchema: {
          inlinePayload: JSON.stringify({
            paths: {
              '/r': {
                post: {
                  operationId: 'refund',
                  parameters: [{ name: 'amount', schema: { type: 'number' }, required: true }],
                },
              },
            },
          }),
        },
      },
    };
    const smithy = {
      mcp: {
        smithyModel: {
          inlinePayload: JSON.stringify({
            smithy: '2.0',
            shapes: {
              'ex#GetThing': { type: 'operation', input: { target: 'ex#GetThingInput' } },
              'ex#GetThingInput': {
                type: 'structure',
                members: {
                  id: { target: 'smithy.api#String', traits: { 'smithy.api#required': {} } },
                },
              },
            },
          }),
        },
      },
    };
    const mcpServer = {
      mcp: {
        mcpServer: {
          endpoint: 'https://mcp.example',
          mcpToolSchema: {
            inlinePayload: JSON.stringify({
              tools: [{ name: 'search', inputSchema: { type: 'object' } }],
            }),
          },
        },
      },
    };
    const s3 = { mcp: { lambda: { lambdaArn: 'arn:x', toolSchema: { s3: { uri: 's3://b/k' } } } } };
    // Act
    const infos = [
      targetInfo({ targetId: '1', name: 'billing', targetConfiguration: openApi }),
      targetInfo({ targetId: '2', name: 'things', targetConfiguration: smithy }),
      targetInfo({ targetId: '3', name: 'web', targetConfiguration: mcpServer }),
      targetInfo({ targetId: '4', name: 'blob', targetConfiguration: s3 }),
      targetInfo({
        targetId: '5',
        name: 'synced',
        targetConfiguration: { mcp: { mcpServer: { endpoint: 'x' } } },
        tools: [{ name: 'a' }],
      }),
    ];
    // Assess
    expect(infos.map((i) => i.tools.map((t) => t.name))).toEqual([
      ['billing___refund'],
      ['things___GetThing'],
      ['web___search'],
      [],
      ['synced___a'],
    ]);
    expect(infos[0]?.tools[0]?.inputSchema).toEqual({
      type: 'object',
      properties: { amount: { type: 'number' } },
      required: ['amount'],
    });
    expect(infos[1]?.tools[0]?.inputSchema).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
    });
    expect(infos[3]?.toolsUnknown).toBe('schema in S3, not read offline');
    // The schema these produce is one Cedar accepts.
    const schema = gatewaySchema(
      infos.flatMap((i) => i.tools),
      ['OAuthUser'],
    );
    expect(checkParseSchema(schema)).toEqual({ type: 'success' });
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['no gatewayArn', JSON.stringify([{ targetId: 'x', name: 'n' }]), /gatewayArn/],
    ['wrong shape', JSON.stringify({ foo: 1 }), /expected/],
  ])('a targets file that is %s is refused', (_n, text, reason) => {
    expect(() => parseTargetsFile(text)).toThrow(reason);
  });
});
