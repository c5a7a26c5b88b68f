import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource, AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import type { GatewayInventory, InventorySource } from '../../../lib/reports/inventory.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const now = () => new Date('2026-11-28T00:00:00Z');
const catalog = new IamDataCatalog();
const A = '111122223333';
const ordersRole = `arn:aws:iam::${A}:role/service-role/orders-gateway-role`;

function offline(): Promise<AccessReport> {
  return generateReport({
    iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
    activity: new DirectoryActivitySource(`${fixtures}trail`),
    catalog,
    now,
  });
}

const finding = (report: AccessReport, checkId: string, resource: string) =>
  report.findings.filter((f) => f.checkId === checkId && f.resource === resource);

describe('offline report (authorization details + CloudTrail directory)', () => {
  let report: AccessReport;
  beforeAll(async () => {
    report = await offline();
  });

  it('compares granted with used for a gateway execution role', () => {
    const role = report.roles.find((r) => r.arn === ordersRole);
    expect(role).toMatchObject({
      kind: 'execution',
      usageKnown: true,
      usedActions: [
        'bedrock-agentcore:GetWorkloadAccessToken',
        'lambda:InvokeFunction',
        'secretsmanager:GetSecretValue',
      ],
      unusedActions: [
        'bedrock-agentcore:GetResourceApiKey',
        'lambda:InvokeAsync',
        'lambda:InvokeFunctionUrl',
      ],
    });
    expect(role?.highRiskGrants.map((h) => h.riskId).sort()).toEqual([
      'apikey-any',
      'secret-read-any',
    ]);
  });

  it('recommends a policy narrowed to what CloudTrail shows touched', () => {
    const role = report.roles.find((r) => r.arn === ordersRole);
    expect(role?.recommendedPolicy?.Statement).toEqual([
      // This trail logs no AgentCore credential-provider data events: the API-key read stays.
      {
        Sid: 'KeptNotObservable',
        Effect: 'Allow',
        Action: ['bedrock-agentcore:GetResourceApiKey'],
        Resource: ['*'],
      },
      { Effect: 'Allow', Action: ['bedrock-agentcore:GetWorkloadAccessToken'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [`arn:aws:lambda:us-east-1:${A}:function:orders-api`],
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          `arn:aws:secretsmanager:us-east-1:${A}:secret:gatewarden/gw-orders/apikey/crm-AbCdEf`,
        ],
      },
    ]);
    // Bucket ARNs touched by GetObject are not object ARNs: they must not end up in the policy;
    // the object key seen widens to the granted prefix (tomorrow's object has another key).
    const app = report.roles.find((r) => r.name === 'app-lambda');
    expect(app?.recommendedPolicy?.Statement).toContainEqual({
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::app-data/*'],
    });
  });

  it('drops an unused data-event action when the trail logs that data-event type', () => {
    // This trail logs S3 object and Lambda data events: app-lambda never wrote, so PutObject goes.
    expect(report.sources.dataEventsLogged).toEqual(
      expect.arrayContaining(['AWS::Lambda::Function', 'AWS::S3::Object']),
    );
    const app = report.roles.find((r) => r.name === 'app-lambda');
    expect(app?.recommendation.kept).toEqual([]);
    expect(app?.recommendedPolicy?.Statement.flatMap((s) => s.Action ?? [])).not.toContain(
      's3:PutObject',
    );
  });

  it('flags the confused-deputy gap only where aws:SourceAccount/SourceArn are missing', () => {
    expect(finding(report, 'trust-confused-deputy', ordersRole)).toHaveLength(1);
    expect(
      finding(report, 'trust-confused-deputy', `arn:aws:iam::${A}:role/billing-gateway-role`),
    ).toHaveLength(0);
  });

  it.each([
    ['high-risk-grant', `arn:aws:iam::${A}:role/break-glass`, 'critical'],
    ['high-risk-grant', `arn:aws:iam::${A}:user/ci-bot`, 'high'],
    ['unknown-action', `arn:aws:iam::${A}:role/gateway-admin`, 'low'],
    ['missing-policy', 'arn:aws:iam::aws:policy/NotExported', 'low'],
    ['management-without-conditions', `arn:aws:iam::${A}:role/gateway-admin`, 'low'],
  ])('reports %s on %s (%s)', (checkId, resource, severity) => {
    expect(finding(report, checkId, resource).map((f) => f.severity)).toContain(severity);
  });

  it('does not call a grant outside the permissions boundary a risk', () => {
    // gateway-admin's policy allows iam:PassRole on *, its boundary does not.
    expect(finding(report, 'high-risk-grant', `arn:aws:iam::${A}:role/gateway-admin`)).toHaveLength(
      0,
    );
    expect(report.roles.find((r) => r.name === 'gateway-admin')?.outsideBoundary).toContain(
      'iam:PassRole',
    );
  });

  it('finds gateway managers from policies and from CloudTrail, including other accounts', () => {
    expect(report.managers).toContainEqual({
      arn: 'arn:aws:iam::444455556666:role/OrgDeployer',
      sources: ['cloudtrail'],
      managementActionsUsed: ['bedrock-agentcore:CreateGateway'],
    });
    expect(report.managers.find((m) => m.arn.endsWith('role/gateway-admin'))?.sources).toEqual([
      'policy',
      'cloudtrail',
    ]);
  });

  it('reports unmapped events, denied calls and the window', () => {
    expect(report.sources.unmappedEvents).toEqual([
      { eventSource: 'example.amazonaws.com', eventName: 'DoSomethingNew', count: 1 },
    ]);
    // 13 records of the fixture's calls and 98 daily service records (2026-08-25 → 2026-11-30,
    // so the trail covers the window): 1 and 8 of them outside the window, 90 unattributed.
    expect(report.sources).toMatchObject({
      usage: 'known',
      eventsRead: 13 + 98,
      eventsDenied: 1,
      eventsOutsideWindow: 1 + 8,
    });
    // alice's denied DeleteGateway is not usage.
    expect(report.principals.find((p) => p.name === 'alice')?.usedActions).toEqual([
      'bedrock-agentcore:ListGateways',
    ]);
  });

  it('skips service-linked roles and marks checks that need the inventory as skipped', () => {
    expect(report.roles.map((r) => r.name)).not.toContain('AWSServiceRoleForSupport');
    expect(report.checks.find((c) => c.checkId === 'gateway-authorizer-none')).toMatchObject({
      status: 'skipped',
    });
  });

  it('is deterministic', async () => {
    expect(JSON.stringify(await offline())).toBe(JSON.stringify(report));
  });
});

describe('report without an activity source', () => {
  it('says usage is unknown instead of calling everything unused', async () => {
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
      catalog,
      now,
    });
    const role = report.roles.find((r) => r.arn === ordersRole);
    expect(role).toMatchObject({ usageKnown: false, unusedActions: [], recommendedPolicy: null });
    expect(report.checks.find((c) => c.checkId === 'unused-permissions')?.status).toBe('skipped');
  });
});

describe('report with a gateway inventory', () => {
  const trust = (conditions: boolean) => ({
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'bedrock-agentcore.amazonaws.com', AWS: `arn:aws:iam::${A}:root` },
        Action: 'sts:AssumeRole',
        ...(conditions ? { Condition: { StringEquals: { 'aws:SourceAccount': A } } } : {}),
      },
    ],
  });
  const details = {
    RoleDetailList: [
      {
        RoleName: 'shared',
        Arn: `arn:aws:iam::${A}:role/shared`,
        AssumeRolePolicyDocument: trust(true),
        RolePolicyList: [
          {
            PolicyName: 'p',
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: [
                    'bedrock-agentcore:UpdateGateway',
                    'bedrock-agentcore:GetResourceApiKey',
                  ],
                  Resource: `arn:aws:bedrock-agentcore:us-east-1:${A}:*`,
                },
              ],
            },
          },
        ],
        AttachedManagedPolicies: [],
      },
    ],
    Policies: [],
  };
  const inventory: GatewayInventory = {
    accountId: A,
    region: 'us-east-1',
    gateways: [
      {
        gatewayId: 'gw-a',
        gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-a`,
        authorizerType: 'NONE',
        roleArn: `arn:aws:iam::${A}:role/shared`,
        targets: [],
      },
      {
        gatewayId: 'gw-b',
        gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-b`,
        authorizerType: 'CUSTOM_JWT',
        roleArn: `arn:aws:iam::${A}:role/shared`,
        targets: [],
      },
      {
        gatewayId: 'gw-c',
        gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-c`,
        authorizerType: 'AWS_IAM',
        roleArn: `arn:aws:iam::${A}:role/deleted`,
        targets: [],
      },
    ],
    credentialProviders: [
      { kind: 'apikey', name: 'managed', arn: 'arn:p/managed', secretArn: 'arn:s/service-managed' },
      {
        kind: 'apikey',
        name: 'external',
        arn: 'arn:p/external',
        secretSource: 'EXTERNAL',
        secretArn: 'arn:s/ok',
      },
    ],
    secrets: [
      {
        arn: 'arn:s/off',
        name: 'gatewarden/gw-a/apikey/off',
        rotationEnabled: false,
        gatewayIds: ['gw-a'],
        providerArns: [],
      },
      {
        arn: 'arn:s/service-managed',
        name: 'bedrock-agentcore-identity!default/apikey/managed',
        rotationEnabled: false,
        gatewayIds: [],
        providerArns: ['arn:p/managed'],
      },
      {
        arn: 'arn:s/late',
        name: 'gatewarden/gw-b/apikey/late',
        rotationEnabled: true,
        rotationDays: 30,
        lastRotated: '2026-09-01T00:00:00Z',
        gatewayIds: ['gw-b'],
        providerArns: [],
      },
      {
        arn: 'arn:s/ok',
        name: 'gatewarden/gw-b/apikey/ok',
        rotationEnabled: true,
        rotationDays: 30,
        lastRotated: '2026-11-20T00:00:00Z',
        gatewayIds: ['gw-b'],
        providerArns: ['arn:p/external'],
      },
    ],
    trails: [
      { name: 'other-region', isLogging: true, multiRegion: false, homeRegion: 'eu-west-1' },
    ],
    configuredManagers: [],
    gaps: [],
  };
  const source: InventorySource = { load: async () => structuredClone(inventory) };

  it.each([
    ['gateway-authorizer-none', `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-a`, 'high'],
    ['shared-execution-role', `arn:aws:iam::${A}:role/shared`, 'medium'],
    ['roles-not-separated', `arn:aws:iam::${A}:role/shared`, 'high'],
    ['trust-not-limited', `arn:aws:iam::${A}:role/shared`, 'high'],
    ['trust-confused-deputy', `arn:aws:iam::${A}:role/shared`, 'medium'],
    ['execution-role-missing', `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-c`, 'medium'],
    ['credential-not-rotatable', 'arn:p/managed', 'medium'],
    ['secret-rotation-disabled', 'arn:s/off', 'high'],
    ['secret-rotation-overdue', 'arn:s/late', 'medium'],
    ['cloudtrail-not-logging', 'region us-east-1', 'high'],
  ])('%s on %s (%s)', async (checkId, resource, severity) => {
    const report = await generateReport({
      iam: new MemoryIamSource(details),
      inventory: source,
      activity: new MemoryActivitySource([]),
      catalog,
      now,
    });
    expect(finding(report, checkId, resource).map((f) => f.severity)).toEqual([severity]);
  });

  it('passes the checks that hold', async () => {
    const report = await generateReport({
      iam: new MemoryIamSource(details),
      inventory: source,
      catalog,
      now,
    });
    expect(finding(report, 'credential-not-rotatable', 'arn:p/external')).toEqual([]);
    expect(finding(report, 'secret-rotation-overdue', 'arn:s/ok')).toEqual([]);
    // Reported once, as not rotatable, rather than also as rotation-disabled.
    expect(finding(report, 'secret-rotation-disabled', 'arn:s/service-managed')).toEqual([]);
    expect(report.roles[0]?.gateways).toEqual(['gw-a', 'gw-b']);
  });
});
