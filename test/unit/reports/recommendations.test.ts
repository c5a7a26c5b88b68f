import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import {
  MANAGED_POLICY_LIMIT,
  splitPolicy,
  validatePolicy,
} from '../../../lib/reports/policyValidation.js';
import { widenObjectArn } from '../../../lib/reports/recommend.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport, RecommendedPolicy } from '../../../lib/reports/reportTypes.js';

// A real-shaped `aws iam get-account-authorization-details` export (RoleId, CreateDate,
// RoleLastUsed, Tags, several policy versions, service-linked roles) and a management-only
// trail of real-shaped records (eventVersion 1.11, sessionContext, tlsDetails).
const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const A = '210987654321';
const catalog = new IamDataCatalog();

function report(): Promise<AccessReport> {
  return generateReport({
    iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
    activity: new DirectoryActivitySource(`${fixtures}trail-management`),
    catalog,
    now: () => new Date('2026-11-28T00:00:00Z'),
  });
}

const role = (r: AccessReport, name: string) => {
  const found = [...r.roles, ...r.principals].find((p) => p.name === name);
  if (found === undefined) throw new Error(`no principal ${name}`);
  return found;
};

describe('recommendations you can apply (management-only trail)', () => {
  let r: AccessReport;
  beforeAll(async () => {
    // Prepare / Act
    r = await report();
  });

  it('keeps data-event-only actions the trail does not log, marked kept: not observable', () => {
    const gw = role(r, 'gw-crm-execution');
    expect(gw.recommendation.kept).toEqual([
      expect.objectContaining({
        action: 'bedrock-agentcore:GetResourceApiKey',
        kept: 'not observable',
      }),
      expect.objectContaining({ action: 'lambda:InvokeFunction', kept: 'not observable' }),
    ]);
    expect(gw.recommendedPolicy?.Statement).toContainEqual({
      Sid: 'KeptNotObservable1',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [
        `arn:aws:lambda:us-east-1:${A}:function:crm-tools`,
        `arn:aws:lambda:us-east-1:${A}:function:crm-tools:*`,
      ],
    });
    // The S3 object read of a reader whose trail has no S3 data events stays, on its prefix.
    expect(role(r, 'reports-reader').recommendedPolicy?.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'KeptNotObservable',
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: ['arn:aws:s3:::acme-reports', 'arn:aws:s3:::acme-reports/exports/*'],
      }),
    );
  });

  it('keeps iam:PassRole next to the CreateGateway/UpdateGateway calls that need it, with its condition', () => {
    const deployer = role(r, 'gateway-deployer');
    expect(deployer.recommendation.kept).toEqual([
      expect.objectContaining({
        action: 'iam:PassRole',
        why: expect.stringContaining('CreateGateway'),
      }),
    ]);
    expect(deployer.recommendedPolicy?.Statement).toContainEqual({
      Sid: 'KeptNotObservable',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [`arn:aws:iam::${A}:role/service-role/gw-*`],
      Condition: { StringEquals: { 'iam:PassedToService': 'bedrock-agentcore.amazonaws.com' } },
    });
  });

  it('carries the MFA Deny unchanged and says the permissions boundary still applies', () => {
    const deployer = role(r, 'gateway-deployer');
    expect(deployer.recommendedPolicy?.Statement).toContainEqual({
      Sid: 'DenyAllWithoutMFA',
      Effect: 'Deny',
      NotAction: ['iam:ListMFADevices', 'sts:GetSessionToken'],
      Resource: ['*'],
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    });
    expect(deployer.recommendation).toMatchObject({
      carriedDenies: 1,
      boundary: `arn:aws:iam::${A}:policy/GatewayDeployerBoundary`,
    });
  });

  it('gives an idle role an idle finding and no policy (never an empty Statement)', () => {
    const idle = role(r, 'legacy-etl');
    expect(idle.recommendation.status).toBe('idle');
    expect(idle.recommendedPolicy).toBeNull();
    expect(
      r.findings.filter((f) => f.checkId === 'idle-principal').map((f) => f.resource),
    ).toContain(idle.arn);
    for (const p of [...r.roles, ...r.principals]) {
      if (p.recommendedPolicy !== null)
        expect(p.recommendedPolicy.Statement.length).toBeGreaterThan(0);
    }
  });

  it('validates every recommended policy and diffs it against the current one', () => {
    for (const p of [...r.roles, ...r.principals].filter((x) => x.recommendedPolicy !== null)) {
      expect(p.recommendation.validation).toMatchObject({ valid: true, limit: 6144 });
    }
    const diff = role(r, 'gateway-deployer').recommendation.diff;
    expect(diff?.removed).toEqual(['bedrock-agentcore:ListGateways']);
    expect(diff?.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^- arn:aws:iam::\d+:policy\/GatewayDeployer ManageGateways: Allow/),
        expect.stringMatching(/^ {2}inline:RequireMfa DenyAllWithoutMFA: Deny every action except/),
        expect.stringMatching(/^\+ KeptNotObservable: Allow iam:PassRole on/),
      ]),
    );
  });
});

describe('object ARNs widen to the granted prefix', () => {
  it.each([
    ['arn:aws:s3:::b/reports/a.csv', ['arn:aws:s3:::b/*'], 'arn:aws:s3:::b/*'],
    [
      'arn:aws:s3:::b/reports/a.csv',
      ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/reports/*'],
      'arn:aws:s3:::b/reports/*',
    ],
    // A grant on every bucket never narrows below the bucket seen.
    ['arn:aws:s3:::b/reports/a.csv', ['*'], 'arn:aws:s3:::b/*'],
    ['arn:aws:s3:::b/reports/a.csv', ['arn:aws:s3:::*/*'], 'arn:aws:s3:::b/*'],
    ['arn:aws:lambda:us-east-1:1:function:f', ['*'], 'arn:aws:lambda:us-east-1:1:function:f'],
  ])('%s under %j → %s', (arn, grants, expected) => {
    expect(widenObjectArn(arn, grants)).toBe(expected);
  });
});

describe('policy validation', () => {
  const allow = (actions: string[], resources = ['*']): RecommendedPolicy['Statement'][number] => ({
    Effect: 'Allow',
    Action: actions,
    Resource: resources,
  });

  it.each([
    [{ Version: '2012-10-17', Statement: [] }, 'Statement must hold at least one statement'],
    [
      { Version: '2012-10-17', Statement: [allow(['s3 GetObject'])] },
      'action s3 GetObject is malformed',
    ],
    [
      { Version: '2012-10-17', Statement: [allow(['s3:GetObject'], ['bucket/key'])] },
      'resource bucket/key is not an ARN',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [{ ...allow(['s3:GetObject']), Condition: { StringEqualz: { 'aws:x': 'y' } } }],
      },
      'unknown condition operator StringEqualz',
    ],
  ] as [RecommendedPolicy, string][])('refuses %j', (policy, error) => {
    expect(validatePolicy(policy).errors.join('\n')).toContain(error);
  });

  it('flags a policy over 6,144 characters and splits it into parts within the limit', () => {
    // Prepare: 400 distinct resource-scoped statements.
    const policy: RecommendedPolicy = {
      Version: '2012-10-17',
      Statement: Array.from({ length: 400 }, (_, i) =>
        allow(
          ['secretsmanager:GetSecretValue'],
          [`arn:aws:secretsmanager:us-east-1:${A}:secret:app/${i}-*`],
        ),
      ),
    };
    // Act
    const validation = validatePolicy(policy);
    const parts = splitPolicy(policy);
    // Assess
    expect(validation.valid).toBe(false);
    expect(validation.characters).toBeGreaterThan(MANAGED_POLICY_LIMIT);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(validatePolicy(part).valid).toBe(true);
    expect(parts.flatMap((p) => p.Statement)).toHaveLength(400);
  });
});
