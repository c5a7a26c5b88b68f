import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A large, deterministic account for report tests: `get-account-authorization-details` output
 * with `roles` roles and a CloudTrail log file of their calls. Built to exercise what a page
 * of 500+ roles must show: an admin role (22,000 actions), a role that used 1 of many, idle
 * roles, long role names, a service-linked role (skipped), a missing permissions boundary.
 */
export const LARGE_ACCOUNT = '444455556666';

/** Name of role `i`; every 25th has a long name that must not be cut. */
export function largeRoleName(i: number): string {
  const base = i % 4 === 0 ? `gw-${i}-execution` : `svc-${i}`;
  return i % 25 === 8
    ? `${base}-with-a-very-long-name-that-a-chart-would-have-truncated-before`
    : base;
}

const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));

function role(i: number): Record<string, unknown> {
  const name = largeRoleName(i);
  const statements: unknown[] = [
    {
      Sid: 'Secrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: `arn:aws:secretsmanager:us-east-1:${LARGE_ACCOUNT}:secret:gatewarden/r${i}-*`,
    },
    { Sid: 'Reads', Effect: 'Allow', Action: ['s3:Get*', 'dynamodb:Describe*'], Resource: '*' },
  ];
  // Long-named roles are granted a little more, so the chart (top 40 by grant) shows them.
  if (i % 25 === 8)
    statements.push({ Sid: 'Keys', Effect: 'Allow', Action: 'kms:*', Resource: '*' });
  if (i === 1) statements.push({ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' });
  const out: Record<string, unknown> = {
    Path: i === 2 ? '/aws-service-role/ops.amazonaws.com/' : '/',
    RoleName: name,
    RoleId: `AROA${String(i).padStart(16, '0')}`,
    Arn: `arn:aws:iam::${LARGE_ACCOUNT}:role/${name}`,
    CreateDate: '2026-01-01T00:00:00Z',
    AssumeRolePolicyDocument: enc({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Service: i % 4 === 0 ? 'bedrock-agentcore.amazonaws.com' : 'lambda.amazonaws.com',
          },
          Action: 'sts:AssumeRole',
        },
      ],
    }),
    RolePolicyList: [
      {
        PolicyName: `inline-${i}`,
        PolicyDocument: enc({ Version: '2012-10-17', Statement: statements }),
      },
    ],
    AttachedManagedPolicies:
      i % 3 === 0
        ? [{ PolicyName: 'Shared', PolicyArn: `arn:aws:iam::${LARGE_ACCOUNT}:policy/Shared` }]
        : [],
  };
  if (i === 3)
    out.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: `arn:aws:iam::${LARGE_ACCOUNT}:policy/NotExported`,
    };
  return out;
}

function record(i: number, eventName: string, source: string, minute: number): unknown {
  const name = largeRoleName(i);
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${LARGE_ACCOUNT}:assumed-role/${name}/s`,
      accountId: LARGE_ACCOUNT,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${LARGE_ACCOUNT}:role/${name}` },
      },
    },
    eventTime: `2026-11-20T10:${String(minute % 60).padStart(2, '0')}:00Z`,
    eventSource: source,
    eventName,
    awsRegion: 'us-east-1',
    eventCategory: 'Management',
  };
}

/** Writes the export and a trail folder under `dir`; returns their paths. */
export async function writeLargeExport(
  dir: string,
  roles: number,
): Promise<{ iam: string; trail: string }> {
  const roleList = Array.from({ length: roles }, (_, i) => role(i));
  const shared = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: '*' }],
  };
  const iam = join(dir, 'authorization-details.json');
  await writeFile(
    iam,
    JSON.stringify({
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: roleList,
      Policies: [
        {
          PolicyName: 'Shared',
          Arn: `arn:aws:iam::${LARGE_ACCOUNT}:policy/Shared`,
          DefaultVersionId: 'v1',
          PolicyVersionList: [{ Document: enc(shared), VersionId: 'v1', IsDefaultVersion: true }],
        },
      ],
    }),
  );
  // Every role but each 10th (idle) read its secret; every 5th also described one.
  const records: unknown[] = [];
  for (let i = 0; i < roles; i++) {
    if (i % 10 === 5) continue;
    records.push(record(i, 'GetSecretValue', 'secretsmanager.amazonaws.com', i));
    if (i % 5 === 0) records.push(record(i, 'DescribeSecret', 'secretsmanager.amazonaws.com', i));
  }
  const trail = join(
    dir,
    'trail',
    'AWSLogs',
    LARGE_ACCOUNT,
    'CloudTrail',
    'us-east-1',
    '2026',
    '11',
    '20',
  );
  await mkdir(trail, { recursive: true });
  await writeFile(
    join(trail, `${LARGE_ACCOUNT}_CloudTrail_us-east-1_20261120T1000Z_a.json`),
    JSON.stringify({ Records: records }),
  );
  return { iam, trail: join(dir, 'trail') };
}
