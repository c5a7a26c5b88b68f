/**
 * `gatewarden tools`, spawned as a user runs it: a gz trail and a targets export give the tool
 * access report in every format and a validated .cedar file; no data events is exit 1 with how
 * to enable them, never "nobody uses any tool"; arguments never reach any output.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import type { ToolReport } from '../../../lib/tools/report.js';
import { runCli } from '../../support/cli.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-cli1';
const CANARY = 'CANARY-TOOL-ARGUMENT-77aa';
const tmp = () => mkdtempSync(join(tmpdir(), 'gw-tools-'));

function trail(dir: string): string {
  const at = (i: number) => `2026-12-0${1 + (i % 5)}T10:00:00Z`;
  const records = [
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___get',
      targetId: 'T1',
      claims: { sub: 'u1', client_id: 'agentA' },
      time: at(0),
    }),
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___get',
      targetId: 'T1',
      claims: { sub: 'u2', client_id: 'agentA' },
      time: at(1),
    }),
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___delete',
      targetId: 'T1',
      claims: { sub: 'u3', client_id: 'agentB' },
      time: at(2),
      error: { code: -32002, message: 'Tool call not authorized by policy' },
    }),
    sampleInvokeRecord({
      gatewayArn: GW,
      method: 'tools/list',
      claims: { sub: 'u4', client_id: 'agentC' },
      time: at(3),
    }),
    sampleInvokeRecord({
      gatewayArn: GW,
      tool: 'crm___get',
      claims: { sub: 'u9' },
      time: at(4),
      statusCode: 401,
    }),
    sampleInvokeRecord({ gatewayArn: GW, tool: 'crm___get', targetId: 'T1', time: at(4) }),
  ];
  (
    records[0]?.requestParameters as { body: { params: Record<string, unknown> } }
  ).body.params.arguments = { secret: CANARY };
  const file = join(dir, 'trail.json.gz');
  writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
  return file;
}

function targets(dir: string): string {
  const file = join(dir, 'targets.json');
  writeFileSync(
    file,
    JSON.stringify({
      gateways: [
        {
          gatewayArn: GW,
          authorizerType: 'CUSTOM_JWT',
          targets: [
            {
              gatewayArn: GW,
              targetId: 'T1',
              name: 'crm',
              targetConfiguration: {
                mcp: {
                  lambda: {
                    lambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:crm',
                    toolSchema: {
                      inlinePayload: ['get', 'delete', 'export'].map((name) => ({
                        name,
                        description: '',
                        inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
                      })),
                    },
                  },
                },
              },
            },
          ],
        },
      ],
    }),
  );
  return file;
}

describe('gatewarden tools', () => {
  it('writes the tool access report and the validated Cedar policies, grouped by client_id', async () => {
    // Prepare
    const dir = tmp();
    const out = join(dir, 'out');
    // Act
    const run = await runCli([
      'tools',
      '--trail',
      trail(dir),
      '--targets',
      targets(dir),
      '--principal-claim',
      'client_id',
      '--high-risk',
      'export',
      '--out',
      out,
    ]);
    // Assess
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'gw-cli1.cedar',
      'gw-cli1.json',
      'tools.html',
      'tools.json',
      'tools.md',
    ]);
    const report = JSON.parse(readFileSync(join(out, 'tools.json'), 'utf8')) as ToolReport;
    const access = report.gateways[0]?.access;
    expect(access?.toolsNobodyCalls).toEqual(['crm___export']);
    expect(access?.toolsCalledOnlyWithErrors).toEqual(['crm___delete']);
    expect(access?.principalsCallingNothing).toEqual(['u4']);
    expect(access?.policyRefusals).toEqual([{ principal: 'u3', tool: 'crm___delete', count: 1 }]);
    expect(access?.gaps).toMatchObject({ unauthenticated: 1, missingCaller: 1 });
    const cedar = readFileSync(join(out, 'gw-cli1.cedar'), 'utf8');
    expect(cedar).toContain('principal.getTag("client_id") == "agentA"');
    expect(cedar).toContain('action in [AgentCore::Action::"crm___get"]');
    expect(cedar).toMatch(
      /forbid \(\s+principal,\s+action in \[AgentCore::Action::"crm___export"\]/,
    );
    expect(cedar).not.toContain('crm___delete');
    expect(run.stderr).toContain(
      'not attributed (counted, not guessed): missingCaller 1, unauthenticated 1',
    );
    for (const name of readdirSync(out))
      expect(readFileSync(join(out, name), 'utf8')).not.toContain(CANARY);
    expect(run.stdout + run.stderr).not.toContain(CANARY);
  });

  it('no InvokeGateway data event is exit 1 with how to enable data events, never "nobody uses any tool"', async () => {
    // Prepare: a management-only trail.
    const dir = tmp();
    const file = join(dir, 'mgmt.json');
    writeFileSync(
      file,
      JSON.stringify({
        Records: [
          {
            eventSource: 'bedrock-agentcore.amazonaws.com',
            eventName: 'GetGateway',
            eventTime: '2026-12-01T00:00:00Z',
          },
        ],
      }),
    );
    // Act
    const run = await runCli(['tools', '--trail', file, '--out', join(dir, 'out')]);
    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('data events are not enabled for this gateway');
    expect(run.stderr).toContain('AWS::BedrockAgentCore::Gateway');
    expect(run.stderr).not.toMatch(/nobody/i);
  });

  it('--gateway with no data event of that gateway is exit 1 too', async () => {
    const dir = tmp();
    const run = await runCli([
      'tools',
      '--trail',
      trail(dir),
      '--gateway',
      'gw-other',
      '--out',
      join(dir, 'out'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('for gateway gw-other');
  });

  it('a bad --format is a usage error', async () => {
    const dir = tmp();
    const run = await runCli([
      'tools',
      '--trail',
      trail(dir),
      '--out',
      dir,
      '--format',
      'json,pdf',
    ]);
    expect(run.code).toBe(2);
  });
});
