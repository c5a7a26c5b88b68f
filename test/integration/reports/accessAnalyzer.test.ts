import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { AccessAnalyzerPolicyValidator } from '../../../lib/aws/accessAnalyzerValidator.js';
import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile, MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { renderHtml } from '../../../lib/reports/render/html.js';
import { renderMarkdown } from '../../../lib/reports/render/markdown.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { RecommendedPolicy } from '../../../lib/reports/reportTypes.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { testClientConfig } from '../../support/localStack.js';
import { dailyRecords } from '../../support/dailyRecords.js';

/**
 * Access Analyzer ValidatePolicy through the real SDK client. moto has no Access Analyzer, so
 * the local stack answers with its STAND-IN (local/standin/accessAnalyzer.ts): a few real
 * checks in the real wire format, not the service's validator. What is tested is the adapter
 * (request, paging, finding mapping, failure classes) and how the report shows the result.
 */
const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const policy = (statements: RecommendedPolicy['Statement']): RecommendedPolicy => ({
  Version: '2012-10-17',
  Statement: statements,
});

describe('Access Analyzer ValidatePolicy (stand-in on the local stack)', () => {
  const validator = new AccessAnalyzerPolicyValidator(new AccessAnalyzerClient(testClientConfig()));

  it.each([
    [
      'a scoped policy',
      policy([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }]),
      [],
    ],
    [
      'iam:PassRole on *',
      policy([{ Effect: 'Allow', Action: ['iam:PassRole'], Resource: ['*'] }]),
      [['SECURITY_WARNING', 'PASS_ROLE_WITH_STAR_IN_RESOURCE']],
    ],
    [
      'an action listed twice',
      policy([
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:getobject'],
          Resource: ['arn:aws:s3:::b/*'],
        },
      ]),
      [['SUGGESTION', 'REDUNDANT_ACTION']],
    ],
    [
      'no Version',
      {
        Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }],
      } as unknown as RecommendedPolicy,
      [['ERROR', 'MISSING_VERSION']],
    ],
  ])('%s', async (_name, document, expected) => {
    // Act
    const result = await validator.validate(document);
    // Assess
    expect('findings' in result && result.findings.map((f) => [f.type, f.code])).toEqual(expected);
  });

  it('says "unreachable" when nothing answers, without throwing or quoting the error', async () => {
    // Prepare: a port nothing listens on.
    const offline = new AccessAnalyzerPolicyValidator(
      new AccessAnalyzerClient({ ...testClientConfig(), endpoint: 'http://127.0.0.1:9' }),
    );
    // Act / Assess
    await expect(
      offline.validate(policy([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }])),
    ).resolves.toEqual({
      unavailable: 'unreachable',
    });
  });

  it('merges its findings into every recommended policy of a report, and the pages show them', async () => {
    // Prepare: a deployer granted CreateGateway and iam:PassRole on *, seen creating a gateway:
    // its recommendation keeps PassRole (never logged) on the granted *, which is flagged.
    const account = '123456789012';
    const arn = `arn:aws:iam::${account}:role/deployer`;
    const details = {
      UserDetailList: [],
      GroupDetailList: [],
      Policies: [],
      RoleDetailList: [
        {
          Path: '/',
          RoleName: 'deployer',
          RoleId: 'AROADEPLOYER0000000001',
          Arn: arn,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          },
          RolePolicyList: [
            {
              PolicyName: 'deploy',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: [
                      'bedrock-agentcore:CreateGateway',
                      'bedrock-agentcore:ListGateways',
                      'iam:PassRole',
                    ],
                    Resource: '*',
                  },
                ],
              },
            },
          ],
          AttachedManagedPolicies: [],
        },
      ],
    };
    const record = {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/deployer/s`,
        accountId: account,
        sessionContext: { sessionIssuer: { type: 'Role', arn } },
      },
      eventTime: '2026-11-20T10:00:00Z',
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'CreateGateway',
      awsRegion: 'us-east-1',
      eventCategory: 'Management',
    };

    // Act
    const report = await generateReport({
      iam: new MemoryIamSource(details),
      // With a record a day through the window: the trail covers it (usage known).
      activity: new MemoryActivitySource([
        record,
        ...dailyRecords(account, '2026-08-30', '2026-11-27'),
      ]),
      catalog: new IamDataCatalog(),
      policyValidator: validator,
      now: () => new Date('2026-11-28T00:00:00Z'),
    });

    // Assess
    const deployer = report.roles.find((r) => r.arn === arn);
    expect(JSON.stringify(deployer?.recommendedPolicy)).toContain('iam:PassRole');
    expect(deployer?.recommendation.validation).toMatchObject({
      valid: true,
      validators: ['grammar', 'access-analyzer'],
      warnings: [
        expect.stringMatching(
          /^access-analyzer SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE: /,
        ),
      ],
    });
    expect(renderMarkdown(report)).toContain(
      'Validator finding: access-analyzer SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE',
    );
    expect(renderHtml(report)).toContain(
      'Validator finding: access-analyzer SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE',
    );
  });

  it('notes "not validated by Access Analyzer: unreachable" on each policy when it cannot be reached', async () => {
    // Act
    const report = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}authorization-details.json`),
      activity: new DirectoryActivitySource(`${fixtures}trail`),
      catalog: new IamDataCatalog(),
      policyValidator: new AccessAnalyzerPolicyValidator(
        new AccessAnalyzerClient({ ...testClientConfig(), endpoint: 'http://127.0.0.1:9' }),
      ),
      now: () => new Date('2026-11-28T00:00:00Z'),
    });
    // Assess
    const validated = report.roles.filter((r) => r.recommendedPolicy !== null);
    expect(validated.length).toBeGreaterThan(0);
    for (const r of validated)
      expect(r.recommendation.validation).toMatchObject({
        validators: ['grammar'],
        notes: ['not validated by Access Analyzer: unreachable'],
      });
    expect(renderMarkdown(report)).toContain('not validated by Access Analyzer: unreachable');
  });
});
