/**
 * The live tool listing (`--list-tools-from-gateway`, stage param toolsListFromGateway) on the
 * local stack: an AWS_IAM gateway with a Lambda target (inline schema) and an MCP server target
 * whose tools only the gateway knows (synchronized; GetGatewayTarget gives configuration only).
 * The inventory runs as the deployed report role; its `initialize` + `tools/list` go, signed
 * with SigV4, to the gateway's MCP endpoint (the local gateway data-plane stand-in,
 * local/standin/gatewayData.ts), where the IAM gate decides `bedrock-agentcore:InvokeGateway`.
 * The answer is untrusted: a name for a target the control API does not list, a name for a
 * target whose tools its schema gives, an oversized answer and a 401 must change nothing but
 * the reason the MCP server target's tools are unknown.
 */
import {
  BedrockAgentCoreControlClient,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
  CreatePolicyEngineCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClientCredentials } from '../../../lib/aws/clients.js';
import { liveToolInventory } from '../../../lib/aws/toolInventory.js';
import { listerFor } from '../../../lib/aws/gatewayToolLister.js';
import type { GatewayTools } from '../../../lib/tools/inventory.js';
import type { ToolReport } from '../../../lib/tools/report.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { runCli } from '../../support/cli.js';
import { functionCredentials } from '../../support/functionRoles.js';
import { localStack, testClientConfig, uniqueName } from '../../support/localStack.js';
import { createGatewayExecutionRole } from '../../support/gatewayRole.js';

const control = new BedrockAgentCoreControlClient(testClientConfig());
const suffix = uniqueName('tlist');

async function makeGateway(
  authorizer: 'AWS_IAM' | 'CUSTOM_JWT',
  policyEngine?: { arn: string; mode: 'ENFORCE' | 'LOG_ONLY' },
): Promise<{ id: string; arn: string }> {
  const roleArn = await createGatewayExecutionRole(
    `tlist-${authorizer}-${policyEngine ? 'pe-' : ''}${suffix}`,
  );
  const created = await control.send(
    new CreateGatewayCommand({
      name: `tlist-${authorizer.toLowerCase().replace('_', '-')}-${policyEngine ? 'pe-' : ''}${suffix}`.slice(
        0,
        48,
      ),
      roleArn,
      protocolType: 'MCP',
      authorizerType: authorizer,
      ...(policyEngine ? { policyEngineConfiguration: policyEngine } : {}),
      ...(authorizer === 'CUSTOM_JWT'
        ? {
            authorizerConfiguration: {
              customJWTAuthorizer: {
                discoveryUrl: `${localStack().oidcIssuer}/.well-known/openid-configuration`,
                allowedClients: ['nobody'],
              },
            },
          }
        : {}),
    }),
  );
  const id = created.gatewayId ?? '';
  await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: id,
      name: 'orders',
      targetConfiguration: {
        mcp: {
          lambda: {
            lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
            toolSchema: {
              inlinePayload: [
                { name: 'list', description: 'list', inputSchema: { type: 'object' } },
              ],
            },
          },
        },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    }),
  );
  await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: id,
      name: 'docs',
      targetConfiguration: { mcp: { mcpServer: { endpoint: 'https://docs.example.com/mcp' } } },
    }),
  );
  return { id, arn: created.gatewayArn ?? '' };
}

/** What the MCP server behind `docs` synchronized, and what a misbehaving answer adds. */
async function synchronize(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${localStack().endpoint}/_gatewarden/gateway/synchronized-tools`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`seeding the gateway failed: ${response.status}`);
}

async function readAsReportRole(gatewayId: string, listFromGateway = true) {
  const credentials = await functionCredentials('report');
  return withClientCredentials(credentials, () => liveToolInventory({ listFromGateway })).read(
    gatewayId,
  );
}

const targetOf = (gateway: GatewayTools | undefined, name: string) =>
  gateway?.targets.find((t) => t.name === name);

let gw: { id: string; arn: string };

beforeAll(async () => {
  // Prepare (as the admin): the gateway, and the tools its MCP server target synchronized.
  gw = await makeGateway('AWS_IAM');
  await synchronize({
    gatewayId: gw.id,
    target: 'docs',
    tools: [
      { name: 'search', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
      // More than one page (50 a page): every page is read.
      ...Array.from({ length: 60 }, (_, i) => ({
        name: `page${i}`,
        inputSchema: { type: 'object' },
      })),
    ],
  });
}, 60_000);

describe('tools of an MCP server target, known only through the live listing', () => {
  it('without the listing, the MCP server target’s tools are unknown', async () => {
    const read = await readAsReportRole(gw.id, false);
    expect(targetOf(read.gateways[0], 'docs')?.toolsUnknown).toMatch(/MCP server target/);
  });

  it('with it, the report role reads tools/list (every page) and fills that target only', async () => {
    // Act
    const read = await readAsReportRole(gw.id);
    // Assess
    expect(read.issues).toEqual([]);
    const docs = targetOf(read.gateways[0], 'docs');
    expect(docs?.toolsUnknown).toBeUndefined();
    expect(docs?.toolsFrom).toBe('gateway tools/list');
    expect(docs?.tools).toHaveLength(61);
    expect(docs?.tools.find((t) => t.name === 'docs___search')?.inputSchema).toEqual({
      type: 'object',
      properties: { q: { type: 'string' } },
    });
    // The Lambda target's tools come from its schema, as before.
    expect(targetOf(read.gateways[0], 'orders')).toMatchObject({
      tools: [{ name: 'orders___list', inputSchema: { type: 'object' } }],
    });
    expect(targetOf(read.gateways[0], 'orders')?.toolsFrom).toBeUndefined();
  });
});

describe('attacks through the answer', () => {
  afterEach(async () => {
    await synchronize({ gatewayId: gw.id, extra: [], padBytes: 0 });
  });

  it('a name for a target the control API does not list is refused; one whose schema gives its tools adds nothing', async () => {
    // Prepare: names a server could make up, sent verbatim by the gateway stand-in.
    await synchronize({
      gatewayId: gw.id,
      extra: [
        { name: 'ghost___exfiltrate', inputSchema: { type: 'object' } },
        { name: 'orders___dropTables', inputSchema: { type: 'object' } },
        { name: 'docs___bad name"', inputSchema: { type: 'object' } },
        { name: 'nounderscores' },
      ],
    });
    // Act
    const read = await readAsReportRole(gw.id);
    // Assess: no new target, nothing added to orders, docs as synchronized.
    const gateway = read.gateways[0];
    expect(gateway?.targets.map((t) => t.name).sort()).toEqual(['docs', 'orders']);
    expect(targetOf(gateway, 'orders')?.tools.map((t) => t.name)).toEqual(['orders___list']);
    const names = gateway?.targets.flatMap((t) => t.tools.map((x) => x.name)) ?? [];
    expect(names.filter((n) => /ghost|dropTables|bad name|nounderscores/.test(n))).toEqual([]);
    expect(targetOf(gateway, 'docs')?.tools).toHaveLength(61);
    expect(read.issues).toEqual([
      {
        input: `tools/list ${gw.id}`,
        reason:
          '3 listed tool name(s) refused: not <target>___<tool> of a target the control API lists',
      },
    ]);
  });

  it('an oversized answer is cut off: the target stays unknown, and the tool report is still written', async () => {
    // Prepare: 3 MB of padding in every tools/list page; data events for the gateway.
    await synchronize({ gatewayId: gw.id, padBytes: 3_000_000 });
    const dir = mkdtempSync(join(tmpdir(), 'gw-tlist-'));
    writeFileSync(
      join(dir, 'trail.json'),
      JSON.stringify({
        Records: [
          sampleInvokeRecord({
            gatewayArn: gw.arn,
            tool: 'orders___list',
            targetId: 'T',
            claims: { sub: 'alice' },
            time: '2026-12-01T10:00:00Z',
          }),
        ],
      }),
    );
    const out = join(dir, 'out');
    // Act: the CLI, with the caller's (the admin's) credentials.
    const run = await runCli([
      'tools',
      '--trail',
      dir,
      '--gateway',
      gw.id,
      '--list-tools-from-gateway',
      '--out',
      out,
      '--format',
      'json',
    ]);
    // Assess
    expect(run.stderr).not.toMatch(/Authorization|Signature=|X-Amz-Security-Token/i);
    const report = JSON.parse(readFileSync(join(out, 'tools.json'), 'utf8')) as ToolReport;
    expect(report.sources.issues).toContainEqual({
      input: `tools/list ${gw.id}`,
      reason: 'the answer is larger than 2000000 bytes',
    });
    expect(JSON.stringify(report)).not.toContain('docs___search');
    expect(JSON.stringify(report)).toContain(
      'live listing failed: the answer is larger than 2000000 bytes',
    );
  }, 60_000);

  it('a 401 (the gateway now wants a bearer token) leaves the target unknown with the reason', async () => {
    // Prepare: a CUSTOM_JWT gateway listed as if GetGateway had said AWS_IAM (a gateway
    // changed between the two calls): the gateway refuses the signed request.
    const jwt = await makeGateway('CUSTOM_JWT');
    const credentials = await functionCredentials('report');
    const lister = listerFor(
      new BedrockAgentCoreControlClient({ ...testClientConfig(), credentials }),
    );
    // Act + Assess
    await expect(
      lister.listTools({
        gatewayId: jwt.id,
        gatewayArn: jwt.arn,
        gatewayUrl: `https://${jwt.id}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp`,
        authorizerType: 'AWS_IAM',
      }),
    ).rejects.toThrow('initialize: HTTP 401');
    // Read for real, the inventory does not sign for a CUSTOM_JWT gateway at all.
    const read = await readAsReportRole(jwt.id);
    expect(targetOf(read.gateways[0], 'docs')?.toolsUnknown).toMatch(
      /live listing failed: authorizer CUSTOM_JWT/,
    );
  }, 60_000);

  it('a gateway whose policy engine ENFORCEs is not listed: its tools/list shows only the caller’s', async () => {
    // Prepare: the same gateway kind, with an engine attached in ENFORCE.
    const engine = await control.send(
      new CreatePolicyEngineCommand({ name: `tlist_${suffix.replace(/-/g, '_')}`.slice(0, 48) }),
    );
    const enforced = await makeGateway('AWS_IAM', {
      arn: engine.policyEngineArn ?? '',
      mode: 'ENFORCE',
    });
    await synchronize({ gatewayId: enforced.id, target: 'docs', tools: [{ name: 'search' }] });
    // Act
    const read = await readAsReportRole(enforced.id);
    // Assess
    expect(targetOf(read.gateways[0], 'docs')?.tools).toEqual([]);
    expect(targetOf(read.gateways[0], 'docs')?.toolsUnknown).toMatch(
      /live listing failed: the policy engine ENFORCEs/,
    );
  }, 60_000);

  it('a gatewayUrl that is not the gateway’s own AgentCore host receives nothing', async () => {
    const credentials = await functionCredentials('report');
    const lister = listerFor(
      new BedrockAgentCoreControlClient({ ...testClientConfig(), credentials }),
    );
    await expect(
      lister.listTools({
        gatewayId: gw.id,
        gatewayArn: gw.arn,
        gatewayUrl: `https://other-gw.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp`,
        authorizerType: 'AWS_IAM',
      }),
    ).rejects.toThrow(/not the AgentCore gateway host/);
  });
});
