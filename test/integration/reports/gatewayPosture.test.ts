/**
 * Gateway posture on the local stack: gateways created through the real SDK, one weakness
 * each, read by the report's inventory running as the deployed report function's role (the
 * stack's IAM gate enforces its grants), and one gateway configured as the seed and AWS
 * recommend, about which nothing is said. UpdateGateway replaces the gateway as on AWS: an
 * update that leaves a block out removes it, and posture sees that.
 */
import {
  BedrockAgentCoreControlClient,
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
  CreateGatewayTargetCommand,
  CreatePolicyCommand,
  CreatePolicyEngineCommand,
  CreateWorkloadIdentityCommand,
  GetGatewayCommand,
  GetTokenVaultCommand,
  PutResourcePolicyCommand,
  SetTokenVaultCMKCommand,
  UpdateGatewayCommand,
  type CreateGatewayCommandInput,
  type UpdateGatewayCommandInput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentCoreInventorySource } from '../../../lib/aws/agentcoreInventory.js';
import { withClientCredentials } from '../../../lib/aws/clients.js';
import type { DoctorReport } from '../../../lib/doctor/index.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { functionCredentials } from '../../support/functionRoles.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { associateWebAcl } from '../../support/wafv2.js';

const ACCOUNT = '123456789012';
const control = new BedrockAgentCoreControlClient(testClientConfig());
const suffix = uniqueName('pst');
const FOREIGN_INTERCEPTOR = 'arn:aws:lambda:us-east-1:999988887777:function:audit-tap';
const OWN_INTERCEPTOR = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:audit-${suffix}`;

interface Estate {
  roleArn: string;
  kmsKeyArn: string;
  policyEngineArn: string;
}

let estate: Estate;

/** The seed's and AWS's recommendations, as CreateGateway input (WAF follows by update). */
function recommended(name: string): CreateGatewayCommandInput {
  return {
    name,
    roleArn: estate.roleArn,
    protocolType: 'MCP',
    authorizerType: 'CUSTOM_JWT',
    authorizerConfiguration: {
      customJWTAuthorizer: {
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        allowedClients: ['orders-agent'],
      },
    },
    kmsKeyArn: estate.kmsKeyArn,
    policyEngineConfiguration: { arn: estate.policyEngineArn, mode: 'ENFORCE' },
    interceptorConfigurations: [
      {
        interceptor: { lambda: { arn: OWN_INTERCEPTOR } },
        interceptionPoints: ['REQUEST'],
        inputConfiguration: { passRequestHeaders: false },
      },
    ],
  };
}

type Change = {
  /** Changes to the CreateGateway input. */
  create?: (input: CreateGatewayCommandInput) => CreateGatewayCommandInput;
  /** The WAF failure mode sent with the update that completes the gateway (default FAIL_CLOSE). */
  failureMode?: 'FAIL_OPEN' | 'FAIL_CLOSE';
  /** No web ACL associated. */
  noWebAcl?: boolean;
  /** Further set-up once the gateway exists. */
  after?: (gatewayId: string, gatewayArn: string) => Promise<void>;
};

/**
 * Creates a gateway, associates a web ACL and sends the full UpdateGateway that sets its WAF
 * failure mode (CreateGateway has no WAF member), then a target on HTTPS.
 */
async function gatewayWith(label: string, change: Change = {}): Promise<string> {
  const name = `pst-${label}-${suffix}`.slice(0, 48).replace(/[^A-Za-z0-9-]/g, '-');
  const input = (change.create ?? ((i) => i))(recommended(name));
  const created = await control.send(new CreateGatewayCommand(input));
  const gatewayId = created.gatewayId ?? '';
  const gatewayArn = created.gatewayArn ?? '';
  if (!change.noWebAcl) await associateWebAcl(`acl-${label}-${suffix}`.slice(0, 120), gatewayArn);
  const update: UpdateGatewayCommandInput = {
    ...input,
    gatewayIdentifier: gatewayId,
    wafConfiguration: { failureMode: change.failureMode ?? 'FAIL_CLOSE' },
  };
  await control.send(new UpdateGatewayCommand(update));
  await control.send(
    new CreateGatewayTargetCommand({
      gatewayIdentifier: gatewayId,
      name: 'orders',
      targetConfiguration: {
        mcp: { mcpServer: { endpoint: 'https://orders.example.com/mcp' } },
      },
      credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
    }),
  );
  await change.after?.(gatewayId, gatewayArn);
  return gatewayId;
}

/** The report, read as the deployed report function's role (IAM left empty: posture only). */
async function reportAsReportRole(): Promise<AccessReport> {
  const credentials = await functionCredentials('report');
  const inventory = withClientCredentials(credentials, () => new AgentCoreInventorySource());
  return generateReport(
    {
      iam: new MemoryIamSource({
        UserDetailList: [],
        GroupDetailList: [],
        RoleDetailList: [],
        Policies: [],
      }),
      inventory,
      catalog: new IamDataCatalog(),
    },
    { days: 1 },
  );
}

const postureOf = (report: AccessReport, gatewayId: string) =>
  report.gateways.find((g) => g.gatewayId === gatewayId)?.posture;

const findingsOf = (report: AccessReport, gatewayId: string) =>
  (postureOf(report, gatewayId)?.findings ?? []).map((f) => f.checkId).sort();

/** Each weakness: the check that must name it, and how the gateway is made weak. */
const WEAKNESSES: [string, Change][] = [
  [
    'gateway-authorizer-none',
    { create: (i) => ({ ...i, authorizerType: 'NONE', authorizerConfiguration: undefined }) },
  ],
  [
    'gateway-jwt-audience-open',
    {
      create: (i) => ({
        ...i,
        authorizerConfiguration: {
          customJWTAuthorizer: {
            discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
            allowedClients: ['*'],
          },
        },
      }),
    },
  ],
  [
    'gateway-discovery-url-unsafe',
    {
      create: (i) => ({
        ...i,
        authorizerConfiguration: {
          customJWTAuthorizer: {
            discoveryUrl: 'https://0xa9fea9fe/.well-known/openid-configuration',
            allowedClients: ['orders-agent'],
          },
        },
      }),
    },
  ],
  ['gateway-waf-missing', { noWebAcl: true }],
  ['gateway-waf-fail-open', { failureMode: 'FAIL_OPEN' }],
  ['gateway-exception-debug', { create: (i) => ({ ...i, exceptionLevel: 'DEBUG' }) }],
  [
    'gateway-policy-engine-missing',
    { create: (i) => ({ ...i, policyEngineConfiguration: undefined }) },
  ],
  [
    'gateway-policy-engine-not-enforced',
    {
      create: (i) => ({
        ...i,
        policyEngineConfiguration: { arn: estate.policyEngineArn, mode: 'LOG_ONLY' },
      }),
    },
  ],
  [
    'gateway-interceptor-cross-account',
    {
      create: (i) => ({
        ...i,
        interceptorConfigurations: [
          {
            interceptor: { lambda: { arn: FOREIGN_INTERCEPTOR } },
            interceptionPoints: ['REQUEST'],
            inputConfiguration: { passRequestHeaders: false },
          },
        ],
      }),
    },
  ],
  [
    'gateway-interceptor-headers',
    {
      create: (i) => ({
        ...i,
        interceptorConfigurations: [
          {
            interceptor: { lambda: { arn: OWN_INTERCEPTOR } },
            interceptionPoints: ['REQUEST', 'RESPONSE'],
            inputConfiguration: { passRequestHeaders: true },
          },
        ],
      }),
    },
  ],
  ['gateway-kms-service-key', { create: (i) => ({ ...i, kmsKeyArn: undefined }) }],
  [
    'gateway-resource-policy-public',
    {
      after: async (_, gatewayArn) => {
        await control.send(
          new PutResourcePolicyCommand({
            resourceArn: gatewayArn,
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: '*',
                  Action: 'bedrock-agentcore:InvokeGateway',
                  Resource: gatewayArn,
                },
              ],
            }),
          }),
        );
      },
    },
  ],
  [
    'gateway-target-endpoint-insecure',
    {
      after: async (gatewayId) => {
        await control.send(
          new CreateGatewayTargetCommand({
            gatewayIdentifier: gatewayId,
            name: 'legacy',
            targetConfiguration: {
              mcp: {
                openApiSchema: {
                  inlinePayload: JSON.stringify({
                    openapi: '3.0.0',
                    info: { title: 'legacy', version: '1' },
                    servers: [{ url: 'http://legacy.example.com/api' }],
                    paths: {},
                  }),
                },
              },
            },
            credentialProviderConfigurations: [{ credentialProviderType: 'GATEWAY_IAM_ROLE' }],
          }),
        );
      },
    },
  ],
  [
    'gateway-oauth-return-url-unsafe',
    {
      after: async (gatewayId) => {
        // The gateway's own workload identity (AgentCore names it after the gateway).
        await control.send(
          new CreateWorkloadIdentityCommand({
            name: gatewayId,
            allowedResourceOauth2ReturnUrls: ['http://app.example.com/oauth/callback'],
          }),
        );
      },
    },
  ],
  [
    'gateway-credential-not-rotated',
    {
      after: async (gatewayId) => {
        const provider = await control.send(
          new CreateApiKeyCredentialProviderCommand({
            name: `pst-crm-${suffix}`.slice(0, 48),
            apiKey: 'posture-test-key',
          }),
        );
        await control.send(
          new CreateGatewayTargetCommand({
            gatewayIdentifier: gatewayId,
            name: 'crm',
            targetConfiguration: {
              mcp: { mcpServer: { endpoint: 'https://crm.example.com/mcp' } },
            },
            credentialProviderConfigurations: [
              {
                credentialProviderType: 'API_KEY',
                credentialProvider: {
                  apiKeyCredentialProvider: {
                    providerArn: provider.credentialProviderArn,
                    credentialParameterName: 'x-api-key',
                    credentialLocation: 'HEADER',
                  },
                },
              },
            ],
          }),
        );
      },
    },
  ],
];

describe('gateway posture from the live configuration (local stack, report role)', () => {
  const ids = new Map<string, string>();
  let goodId: string;
  let report: AccessReport;

  beforeAll(async () => {
    // Prepare (as the admin): an execution role, a customer-managed key, a policy engine in use.
    const iam = new IAMClient(testClientConfig());
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: `pst-exec-${suffix}`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const key = await new KMSClient(testClientConfig()).send(
      new CreateKeyCommand({ Description: 'posture test gateway key' }),
    );
    const engine = await control.send(
      new CreatePolicyEngineCommand({ name: `pst_${suffix.replace(/-/g, '_')}`.slice(0, 48) }),
    );
    await control.send(
      new CreatePolicyCommand({
        policyEngineId: engine.policyEngineId,
        name: 'orders_agent',
        definition: {
          cedar: {
            statement:
              'permit(principal, action == AgentCore::Action::"orders___list", resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/x");',
          },
        },
        enforcementMode: 'ACTIVE',
      }),
    );
    estate = {
      roleArn: role.Role?.Arn ?? '',
      kmsKeyArn: key.KeyMetadata?.Arn ?? '',
      policyEngineArn: engine.policyEngineArn ?? '',
    };
    goodId = await gatewayWith('good');
    for (const [checkId, change] of WEAKNESSES)
      ids.set(checkId, await gatewayWith(checkId.replace(/^gateway-/, ''), change));
    report = await reportAsReportRole();
  }, 240_000);

  it('says nothing about a gateway configured as the seed recommends, and passes every check', () => {
    const posture = postureOf(report, goodId);
    expect(posture?.findings).toEqual([]);
    expect(posture?.checks.filter((c) => c.status !== 'pass')).toEqual([]);
  });

  it.each(WEAKNESSES.map(([checkId]) => [checkId]))(
    'names the weakness %s, and only it',
    (checkId) => {
      const gatewayId = ids.get(checkId) ?? '';
      expect(findingsOf(report, gatewayId)).toEqual([checkId]);
      const finding = postureOf(report, gatewayId)?.findings[0];
      expect(finding?.resources[0]).toMatch(new RegExp(`:gateway/${gatewayId}$`));
      expect(finding?.remediation).toBeTruthy();
      // The same finding is in the report's findings with its remediation line.
      expect(
        report.findings.some((f) => f.checkId === checkId && f.resource === finding?.resources[0]),
      ).toBe(true);
    },
  );

  it('renders a Gateway posture section per gateway in Markdown and HTML', () => {
    const markdown = renderMarkdown(report);
    const html = renderHtml(report);
    for (const gatewayId of [goodId, ...ids.values()]) {
      expect(markdown).toContain(`(${gatewayId})`);
      expect(html).toContain(`(${gatewayId})</h3>`);
    }
    expect(markdown).toContain('## Gateway posture');
    expect(html).toContain('<h2 id="sec-posture">Gateway posture</h2>');
  });

  it('sees what a partial UpdateGateway removed: AgentCore replaces the whole gateway', async () => {
    // Act: a "description only" update that sends the required members and nothing else.
    const gateway = await control.send(new GetGatewayCommand({ gatewayIdentifier: goodId }));
    await control.send(
      new UpdateGatewayCommand({
        gatewayIdentifier: goodId,
        name: gateway.name,
        roleArn: gateway.roleArn,
        authorizerType: 'CUSTOM_JWT',
        authorizerConfiguration: gateway.authorizerConfiguration,
        description: 'only the description changed',
      }),
    );
    // Assess: the blocks left out are gone, and posture names each.
    const after = await control.send(new GetGatewayCommand({ gatewayIdentifier: goodId }));
    expect(after.kmsKeyArn).toBeUndefined();
    expect(after.policyEngineConfiguration).toBeUndefined();
    expect(after.interceptorConfigurations).toBeUndefined();
    expect(after.wafConfiguration).toBeUndefined();
    expect(after.webAclArn).toMatch(/:regional\/webacl\//);
    expect(findingsOf(await reportAsReportRole(), goodId)).toEqual([
      'gateway-kms-service-key',
      'gateway-policy-engine-missing',
      'gateway-waf-fail-open',
    ]);
  }, 120_000);

  it('checks the token vault key: AWS-owned is a finding, a customer-managed key is not', async () => {
    const vault = await control.send(new GetTokenVaultCommand({ tokenVaultId: 'default' }));
    const vaultFinding = (r: AccessReport) =>
      r.findings.filter((f) => f.checkId === 'token-vault-service-key').length;
    if (vault.kmsConfiguration?.keyType !== 'CustomerManagedKey')
      expect(vaultFinding(report)).toBe(1);
    await control.send(
      new SetTokenVaultCMKCommand({
        tokenVaultId: 'default',
        kmsConfiguration: { keyType: 'CustomerManagedKey', kmsKeyArn: estate.kmsKeyArn },
      }),
    );
    expect(vaultFinding(await reportAsReportRole())).toBe(0);
  }, 120_000);

  it('doctor --posture fails each weak gateway with exactly its check id', async () => {
    const doctor = async (gatewayId: string) => {
      const out = await promisify(execFile)(
        process.execPath,
        [
          join(process.cwd(), 'bin', 'gatewarden.js'),
          'doctor',
          '--posture',
          '--gateway',
          gatewayId,
          '--json',
        ],
        { cwd: process.cwd(), env: process.env, maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '{}' }));
      return JSON.parse(out.stdout) as DoctorReport;
    };
    const weak = await doctor(ids.get('gateway-interceptor-headers') ?? '');
    expect(
      weak.checks.filter((c) => c.area === 'posture' && c.status === 'fail').map((c) => c.id),
    ).toEqual([
      `posture.gateway-interceptor-headers:${ids.get('gateway-interceptor-headers') ?? ''}`,
    ]);
    const good = await doctor(ids.get('gateway-waf-missing') ?? '');
    expect(
      good.checks.filter((c) => c.area === 'posture' && c.status === 'fail').map((c) => c.id),
    ).toEqual([`posture.gateway-waf-missing:${ids.get('gateway-waf-missing') ?? ''}`]);
  }, 180_000);
});
