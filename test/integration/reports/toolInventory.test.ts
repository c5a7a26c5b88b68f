/**
 * The tool report's live inventory on the local stack: a gateway with Lambda, OpenAPI, Smithy
 * and MCP-server targets (inline schemas) and an attached AgentCore Policy engine, made by the
 * admin through the real SDK, read as the deployed report function's role (the stack's IAM gate
 * enforces its grants: GetGateway, ListGatewayTargets/GetGatewayTarget, GetPolicyEngine,
 * ListPolicies, GetPolicy). The deployed policies are compared with use and the
 * recommendation; what the engine and the target schemas say never changes what gatewarden
 * recommends. `gatewarden tools --gateway ID` without `--targets` reads the same live.
 */
import {
  BedrockAgentCoreControlClient,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
  type CreateGatewayTargetCommandInput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClientCredentials } from '../../../lib/aws/clients.js';
import { AgentCoreToolInventory } from '../../../lib/aws/toolInventory.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';
import { buildToolReport, type ToolReport } from '../../../lib/tools/report.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';
import { runCli } from '../../support/cli.js';
import { functionCredentials } from '../../support/functionRoles.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { createGatewayExecutionRole } from '../../support/gatewayRole.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const suffix = uniqueName('tinv');
/** A tool name a target's owner chose to break out of a Cedar string literal. */
const HOSTILE_TOOL = 'x"; permit(principal, action, resource); //';

let gatewayId: string;
let gatewayArn: string;
let engineId: string;

const openApi = {
  openapi: '3.0.0',
  info: { title: 'crm', version: '1' },
  servers: [{ url: 'https://crm.example.com' }],
  paths: {
    '/customers/{id}': {
      get: {
        operationId: 'getCustomer',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      },
      delete: { operationId: 'deleteCustomer' },
    },
  },
};

const smithy = {
  smithy: '2.0',
  shapes: {
    'billing#Refund': { type: 'operation', input: { target: 'billing#RefundInput' } },
    'billing#RefundInput': {
      type: 'structure',
      members: {
        amount: { target: 'smithy.api#Integer', traits: { 'smithy.api#required': {} } },
      },
    },
  },
};

function targets(): CreateGatewayTargetCommandInput[] {
  return [
    {
      gatewayIdentifier: gatewayId,
      name: 'orders',
      targetConfiguration: {
        mcp: {
          lambda: {
            lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
            toolSchema: {
              inlinePayload: [
                {
                  name: 'list',
                  description: 'list orders',
                  inputSchema: {
                    type: 'object',
                    properties: { status: { type: 'string' } },
                  },
                },
                { name: 'cancel', description: 'cancel', inputSchema: { type: 'object' } },
              ],
            },
          },
        },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    },
    {
      gatewayIdentifier: gatewayId,
      name: 'crm',
      targetConfiguration: {
        mcp: { openApiSchema: { inlinePayload: JSON.stringify(openApi) } },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    },
    {
      gatewayIdentifier: gatewayId,
      name: 'billing',
      targetConfiguration: {
        mcp: { smithyModel: { inlinePayload: JSON.stringify(smithy) } },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    },
    {
      gatewayIdentifier: gatewayId,
      name: 'docs',
      targetConfiguration: {
        mcp: {
          mcpServer: {
            endpoint: 'https://docs.example.com/mcp',
            mcpToolSchema: {
              inlinePayload: JSON.stringify([
                { name: 'search', inputSchema: { type: 'object' } },
                { name: HOSTILE_TOOL, inputSchema: { type: 'object' } },
              ]),
            },
          },
        },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    },
  ];
}

/** alice (client agentA) lists orders and reads customers; bob calls search once. */
function usage(): ToolUsageCollector {
  const c = new ToolUsageCollector();
  const call = (sub: string, tool: string, time: string): void =>
    c.addRecord(
      sampleInvokeRecord({
        gatewayArn,
        tool,
        targetId: 'T',
        claims: { sub, client_id: `agent-${sub}` },
        time,
      }),
    );
  call('alice', 'orders___list', '2026-12-01T10:00:00Z');
  call('alice', 'crm___getCustomer', '2026-12-01T11:00:00Z');
  call('bob', 'docs___search', '2026-12-02T10:00:00Z');
  return c;
}

async function readAsReportRole(gateway?: string) {
  const credentials = await functionCredentials('report');
  return withClientCredentials(credentials, () => new AgentCoreToolInventory()).read(gateway);
}

const policyStatement = (sub: string, tools: string[]): string =>
  `permit(principal == AgentCore::OAuthUser::"${sub}", action in [${tools
    .map((t) => `AgentCore::Action::"${t}"`)
    .join(', ')}], resource == AgentCore::Gateway::"${gatewayArn}");`;

beforeAll(async () => {
  // Prepare (as the admin): an execution role, a policy engine with three policies, a gateway
  // that attaches it in LOG_ONLY, and four targets.
  const roleArn = await createGatewayExecutionRole(`tinv-exec-${suffix}`);
  const engine = await control.send(
    new CreatePolicyEngineCommand({ name: `tinv_${suffix.replace(/-/g, '_')}`.slice(0, 48) }),
  );
  engineId = engine.policyEngineId ?? '';
  const created = await control.send(
    new CreateGatewayCommand({
      name: `tinv-${suffix}`.slice(0, 48),
      roleArn,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
      authorizerConfiguration: {
        customJWTAuthorizer: {
          discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
          allowedClients: ['agent-alice', 'agent-bob'],
        },
      },
      policyEngineConfiguration: { arn: engine.policyEngineArn ?? '', mode: 'LOG_ONLY' },
    }),
  );
  gatewayId = created.gatewayId ?? '';
  gatewayArn = created.gatewayArn ?? '';
  for (const target of targets()) await control.send(new CreateGatewayTargetCommand(target));
  const policy = async (name: string, statement: string, enforcementMode = 'ACTIVE') =>
    control.send(
      new CreatePolicyCommand({
        policyEngineId: engineId,
        name,
        definition: { cedar: { statement } },
        enforcementMode: enforcementMode as 'ACTIVE',
      }),
    );
  await policy('alice_tools', policyStatement('alice', ['orders___list', 'crm___getCustomer']));
  // Allows alice a tool she never calls, and carol, who never calls anything.
  await policy('too_wide', policyStatement('alice', ['orders___cancel']));
  await policy('carol', policyStatement('carol', ['crm___deleteCustomer']));
  // Logged, not enforced: allows bob search, which he calls.
  await policy('bob_logged', policyStatement('bob', ['docs___search']), 'LOG_ONLY');
});

describe('the tool inventory read live as the report role', () => {
  let read: Awaited<ReturnType<typeof readAsReportRole>>;
  let gateway: GatewayTools;

  beforeAll(async () => {
    read = await readAsReportRole(gatewayId);
    gateway = read.gateways[0] as GatewayTools;
  });

  it('reads every target of the gateway and names each tool <target>___<tool>', () => {
    // Assess
    expect(read.issues).toEqual([]);
    expect(gateway.gatewayArn).toBe(gatewayArn);
    expect(gateway.authorizerType).toBe('CUSTOM_JWT');
    const tools = gateway.targets.flatMap((t) => t.tools.map((x) => x.name)).sort();
    expect(tools).toEqual(
      [
        'billing___Refund',
        'crm___deleteCustomer',
        'crm___getCustomer',
        `docs___${HOSTILE_TOOL}`,
        'docs___search',
        'orders___cancel',
        'orders___list',
      ].sort(),
    );
    expect(gateway.targets.every((t) => t.toolsUnknown === undefined)).toBe(true);
    const list = gateway.targets.flatMap((t) => t.tools).find((t) => t.name === 'orders___list');
    expect(list?.inputSchema?.properties?.status?.type).toBe('string');
    const refund = gateway.targets
      .flatMap((t) => t.tools)
      .find((t) => t.name === 'billing___Refund');
    expect(refund?.inputSchema).toEqual({
      type: 'object',
      properties: { amount: { type: 'integer' } },
      required: ['amount'],
    });
  });

  it('reads the attached engine: its mode and every policy statement (GetPolicy)', () => {
    expect(gateway.deployed?.mode).toBe('LOG_ONLY');
    expect(gateway.deployed?.engineArn).toContain(`policy-engine/${engineId}`);
    const byName = new Map(gateway.deployed?.policies.map((p) => [p.name, p]));
    expect([...byName.keys()].sort()).toEqual(['alice_tools', 'bob_logged', 'carol', 'too_wide']);
    expect(byName.get('carol')?.statement).toContain('crm___deleteCustomer');
    expect(byName.get('bob_logged')?.enforcementMode).toBe('LOG_ONLY');
  });

  it('without a gateway id reads every gateway of the account, this one among them', async () => {
    const all = await readAsReportRole();
    expect(all.gateways.map((g) => g.gatewayId)).toContain(gatewayId);
  });

  it('compares what is deployed with use and the recommendation', () => {
    // Act
    const report = buildToolReport(usage(), [gateway], { inventorySource: 'api' });
    // Assess
    const g = report.gateways.find((x) => x.gatewayArn === gatewayArn);
    const d = g?.deployed;
    expect(report.sources.inventory).toBe('api');
    expect(d?.mode).toBe('LOG_ONLY');
    expect(d?.rollout).toMatch(/ENFORCE/);
    const policy = (name: string) => d?.policies.find((p) => p.name === name);
    expect(policy('alice_tools')).toMatchObject({ neverUsed: false, observedCallsAllowed: 2 });
    expect(policy('too_wide')?.neverUsed).toBe(true);
    // carol is no observed caller: her permit allows no observed call.
    expect(policy('carol')?.neverUsed).toBe(true);
    // A LOG_ONLY policy decides nothing: bob's search is not allowed by what is enforced.
    expect(policy('bob_logged')?.problem).toMatch(/LOG_ONLY/);
    expect(d?.allowedNeverCalled).toEqual([{ principal: 'alice', tools: ['orders___cancel'] }]);
    expect(d?.diff.samples).toEqual(
      expect.arrayContaining([
        { principal: 'alice', tool: 'orders___cancel', deployed: 'allow' },
        { principal: 'bob', tool: 'docs___search', deployed: 'deny' },
      ]),
    );
  });

  it('what the engine and the schemas say never changes the recommendation', () => {
    // Act: the same use, with and without the deployed engine (which allows more).
    const withEngine = buildToolReport(usage(), [gateway], { inventorySource: 'api' });
    const { deployed: _ignored, ...bare } = gateway;
    const without = buildToolReport(usage(), [bare], { inventorySource: 'api' });
    // Assess
    const cedar = (r: ToolReport) =>
      r.gateways.find((x) => x.gatewayArn === gatewayArn)?.recommendation;
    expect(cedar(withEngine)?.cedar).toBe(cedar(without)?.cedar);
    expect(cedar(withEngine)?.rejected).toEqual([]);
    // The hostile tool name is in the schema, never a policy: nobody calls it.
    expect(cedar(withEngine)?.cedar).not.toContain('permit(principal, action, resource)');
    expect(
      cedar(withEngine)
        ?.policies.flatMap((p) => p.tools)
        .sort(),
    ).toEqual(['crm___getCustomer', 'docs___search', 'orders___list']);
  });
});

describe('gatewarden tools --gateway ID without --targets', () => {
  it('reads the inventory and the engine live, as the credentials it is given', async () => {
    // Prepare: a trail file of the calls; the report role's session as the CLI's credentials.
    const dir = mkdtempSync(join(tmpdir(), 'gw-tinv-'));
    const trail = join(dir, 'trail.json');
    const records: Record<string, unknown>[] = [];
    const collector = usage();
    expect(collector.gateways.size).toBe(1);
    for (const [sub, tool] of [
      ['alice', 'orders___list'],
      ['bob', 'docs___search'],
    ] as const)
      records.push(
        sampleInvokeRecord({
          gatewayArn,
          tool,
          targetId: 'T',
          claims: { sub },
          time: '2026-12-01T10:00:00Z',
        }),
      );
    writeFileSync(trail, JSON.stringify({ Records: records }));
    const credentials = await functionCredentials('report');
    // Act
    const run = await runCli(
      ['tools', '--trail', trail, '--gateway', gatewayId, '--out', join(dir, 'out')],
      {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      },
    );
    // Assess
    expect(run.stderr).not.toContain('warning');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'tools.json'), 'utf8')) as ToolReport;
    expect(report.sources.inventory).toBe('api');
    const g = report.gateways.find((x) => x.gatewayId === gatewayId);
    expect(g?.access?.toolsExposed).toHaveLength(7);
    expect(g?.deployed?.mode).toBe('LOG_ONLY');
    expect(readFileSync(join(dir, 'out', `${gatewayId}.cedar`), 'utf8')).toContain(
      'AgentCore::Action::"docs___search"',
    );
  });

  it('a gateway that cannot be read is exit 1, naming the error class only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tinv-'));
    const trail = join(dir, 'trail.json');
    writeFileSync(
      trail,
      JSON.stringify({
        Records: [
          sampleInvokeRecord({
            gatewayArn: gatewayArn.replace(gatewayId, 'gwmissing00'),
            tool: 'a___b',
            claims: { sub: 'x' },
            time: '2026-12-01T10:00:00Z',
          }),
        ],
      }),
    );
    const run = await runCli(['tools', '--trail', trail, '--gateway', 'gwmissing00', '--out', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read gateway gwmissing00: GetGateway: \w+/);
  });
});
