import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport } from '../../../lib/reports/reportTypes.js';
import { MemoryActivitySource } from '../../../lib/reports/usage.js';
import { dailyRecords } from '../../support/dailyRecords.js';

/**
 * A recommended policy is judged by the same risk checks before it is offered: what it still
 * risks is reported, and an idle principal's data actions kept on "*" are flagged.
 */

const A = '111122223333';
const catalog = new IamDataCatalog();
const now = () => new Date('2026-12-01T00:00:00Z');

const role = (name: string, statements: unknown[]) => ({
  RoleName: name,
  RoleId: name,
  Path: '/',
  Arn: `arn:aws:iam::${A}:role/${name}`,
  RolePolicyList: [{ PolicyName: 'p', PolicyDocument: { Statement: statements } }],
  AttachedManagedPolicies: [],
});

const call = (roleName: string, eventSource: string, eventName: string, params: object) => ({
  eventVersion: '1.11',
  eventTime: '2026-11-20T10:00:00Z',
  eventSource,
  eventName,
  awsRegion: 'us-east-1',
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${A}:assumed-role/${roleName}/s`,
    accountId: A,
    sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${A}:role/${roleName}` } },
  },
  requestParameters: params,
});

async function report(roles: unknown[], records: unknown[]): Promise<AccessReport> {
  return generateReport({
    iam: new MemoryIamSource({ RoleDetailList: roles, Policies: [] }),
    // Records on every day of the window: the trail covers it (usage known).
    activity: new MemoryActivitySource([
      ...records,
      ...dailyRecords(A, '2026-09-02', '2026-11-30'),
    ]),
    catalog,
    now,
  });
}

const byName = (r: AccessReport, name: string) => r.roles.find((x) => x.name === name);
const findingOf = (r: AccessReport, name: string) =>
  r.findings.filter((f) => f.checkId === 'recommendation-risk' && f.resource.endsWith(`/${name}`));

describe('recommended policies are re-scored', () => {
  let r: AccessReport;
  beforeAll(async () => {
    r = await report(
      [
        // Reads a secret by name: the trail names no ARN, so the recommendation keeps "*".
        role('reader', [
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
        ]),
        // Reads one secret by ARN: the recommendation narrows to it.
        role('narrow', [
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
        ]),
        // Idle, with S3 object reads and SQS sends granted by name on every resource (both data
        // events; this trail logs none).
        role('idle', [
          { Effect: 'Allow', Action: ['s3:GetObject', 'sqs:SendMessage'], Resource: '*' },
        ]),
        // Used sts:GetCallerIdentity only: nothing risky remains.
        role('quiet', [
          { Effect: 'Allow', Action: ['sts:GetCallerIdentity', 'iam:PassRole'], Resource: '*' },
        ]),
      ],
      [
        call('reader', 'secretsmanager.amazonaws.com', 'GetSecretValue', { secretId: 'app/db' }),
        call('narrow', 'secretsmanager.amazonaws.com', 'GetSecretValue', {
          secretId: `arn:aws:secretsmanager:us-east-1:${A}:secret:app/db-AbCdEf`,
        }),
        call('quiet', 'sts.amazonaws.com', 'GetCallerIdentity', {}),
      ],
    );
  });

  it('reports the risk a recommendation still carries', () => {
    expect(byName(r, 'reader')?.recommendation.residualRisk).toMatchObject({
      highRisk: ['secret-read-any'],
      categories: [{ category: 'data-exfiltration', items: ['secretsmanager:GetSecretValue'] }],
    });
    expect(findingOf(r, 'reader')).toEqual([
      expect.objectContaining({
        severity: 'medium',
        message: expect.stringContaining('high-risk grants secret-read-any'),
      }),
    ]);
  });

  it("flags an idle principal's data actions kept on every resource", () => {
    const idle = byName(r, 'idle');
    expect(idle?.recommendation.status).toBe('idle');
    expect(idle?.recommendation.residualRisk?.idleDataOnStar).toEqual([
      's3:GetObject',
      'sqs:SendMessage',
    ]);
    expect(findingOf(r, 'idle')[0]?.message).toContain(
      'keeps s3:GetObject, sqs:SendMessage on every resource for an idle role',
    );
  });

  it('raises nothing for a recommendation narrowed to what was used', () => {
    expect(byName(r, 'narrow')?.recommendedPolicy?.Statement[0]?.Resource).toEqual([
      `arn:aws:secretsmanager:us-east-1:${A}:secret:app/db-AbCdEf`,
    ]);
    expect(byName(r, 'narrow')?.recommendation.residualRisk).toBeUndefined();
    expect(findingOf(r, 'narrow')).toEqual([]);
    expect(byName(r, 'quiet')?.recommendation.residualRisk).toBeUndefined();
    expect(findingOf(r, 'quiet')).toEqual([]);
  });
});
