import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { AuthorizationDetailsFile, MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { DirectoryActivitySource } from '../../../lib/reports/logFiles.js';
import { parsePolicyDocument, type Statement } from '../../../lib/reports/policy.js';
import { ESCALATION_METHODS } from '../../../lib/reports/privilegeEscalation.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { conditionProblem } from '../../../lib/reports/trustChecks.js';

const fixtures = new URL('../../fixtures/iam/', import.meta.url).pathname;
const A = '210987654321';
const catalog = new IamDataCatalog();
const now = () => new Date('2026-11-28T00:00:00Z');

const findings = (r: AccessReport, checkId: string, name: string) =>
  r.findings.filter((f) => f.checkId === checkId && f.resource.endsWith(`/${name}`));

describe('checks that read values and semantics (real-shaped export)', () => {
  let r: AccessReport;
  beforeAll(async () => {
    r = await generateReport({
      iam: new AuthorizationDetailsFile(`${fixtures}account-authorization-details.json`),
      activity: new DirectoryActivitySource(`${fixtures}trail-management`),
      catalog,
      now,
    });
  });

  it('fails the confused-deputy check on aws:SourceAccount "*"', () => {
    expect(findings(r, 'trust-confused-deputy', 'gw-crm-execution')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('aws:SourceAccount set to "*"') }),
    ]);
  });

  it('reports a conditional Deny and counts it as a condition on management', () => {
    const deployer = r.roles.find((x) => x.name === 'gateway-deployer');
    expect(deployer?.conditionalDenies).toEqual([
      expect.objectContaining({
        sid: 'DenyAllWithoutMFA',
        conditionKeys: ['aws:MultiFactorAuthPresent'],
      }),
    ]);
    expect(findings(r, 'management-without-conditions', 'gateway-deployer')).toEqual([]);
    // Negative: the same actions without the Deny are reported.
    expect(findings(r, 'management-without-conditions', 'deploy-bot')).toHaveLength(1);
  });

  it('raises no wildcard finding on a grant that a Deny removes', () => {
    expect(findings(r, 'wildcard-grant', 'ops-denied')).toEqual([]);
    expect(r.roles.find((x) => x.name === 'ops-denied')?.wildcardGrants).toEqual([]);
  });

  it('words NotResource as "every resource except"', () => {
    const [wild] = findings(r, 'wildcard-grant', 'secrets-except-prod');
    const [risk] = findings(r, 'high-risk-grant', 'secrets-except-prod');
    for (const f of [wild, risk]) {
      expect(f?.message).toContain(
        `on every resource except arn:aws:secretsmanager:us-east-1:${A}:secret:prod/*`,
      );
      expect(f?.message).not.toContain('NotResource');
    }
  });

  it('reports classic privilege escalation and AgentCore writes on *', () => {
    const ids = r.principals
      .find((p) => p.name === 'deploy-bot')
      ?.highRiskGrants.map((h) => h.riskId);
    expect(ids).toEqual(
      expect.arrayContaining([
        'privesc-create-access-key',
        'privesc-update-login-profile',
        'privesc-set-default-policy-version',
        'privesc-lambda-update-code',
        'privesc-agentcore-target-update',
      ]),
    );
  });

  it('lowers risk findings of a principal whose boundary is missing (upper bound, not critical)', () => {
    expect(findings(r, 'high-risk-grant', 'break-glass-bounded').map((f) => f.severity)).toEqual([
      'high',
    ]);
  });
});

describe('trust condition values', () => {
  const statement = (condition: Record<string, Record<string, unknown>>) =>
    parsePolicyDocument(
      {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: condition,
          },
        ],
      },
      'test',
    ).statements[0] as Statement;

  it.each([
    ['aws:SourceAccount', { StringEquals: { 'aws:SourceAccount': A } }, undefined],
    [
      'aws:SourceAccount',
      { StringEquals: { 'aws:SourceAccount': '*' } },
      'set to "*" (any account)',
    ],
    ['aws:SourceAccount', { StringLike: { 'aws:SourceAccount': '2109*' } }, 'any account'],
    [
      'aws:SourceAccount',
      { StringEquals: { 'aws:SourceAccount': '111122223333' } },
      'another account',
    ],
    ['aws:SourceAccount', { StringEqualsIfExists: { 'aws:SourceAccount': A } }, 'not enforced'],
    ['aws:SourceAccount', { StringEquals: { 'aws:SourceAccount': [] } }, 'without a value'],
    ['aws:SourceAccount', {}, 'missing'],
    [
      'aws:SourceArn',
      { ArnLike: { 'aws:SourceArn': `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/crm-*` } },
      undefined,
    ],
    [
      'aws:SourceArn',
      { ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock-agentcore:*:*:gateway/*' } },
      'any account',
    ],
    ['aws:SourceArn', { ArnLike: { 'aws:SourceArn': '*' } }, 'any account'],
  ])('%s under %j → %s', (key, condition, expected) => {
    const problem = conditionProblem(statement(condition), key, A);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});

describe('privilege-escalation table', () => {
  // Each method, granted alone on *, is reported; the same actions on one ARN are not.
  it.each(ESCALATION_METHODS.map((m) => [m.id, m.actions] as const))(
    '%s (%j)',
    async (id, actions) => {
      const details = (resource: string) => ({
        UserDetailList: [
          {
            UserName: 'u',
            Arn: `arn:aws:iam::${A}:user/u`,
            UserPolicyList: [
              {
                PolicyName: 'p',
                PolicyDocument: {
                  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
                },
              },
            ],
          },
        ],
      });
      const riskIds = async (resource: string) =>
        (
          await generateReport({ iam: new MemoryIamSource(details(resource)), catalog, now })
        ).principals[0]?.highRiskGrants.map((h) => h.riskId) ?? [];
      const onStar = await riskIds('*');
      // Single actions already in the risk patterns keep their historical ids.
      expect(onStar.some((x) => x === `privesc-${id}` || !x.startsWith('privesc-'))).toBe(true);
      expect(await riskIds(`arn:aws:iam::${A}:user/only-this`)).toEqual([]);
    },
  );
});
