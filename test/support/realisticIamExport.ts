import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/**
 * A large account as `aws iam get-account-authorization-details` writes it (the CLI's form:
 * documents as JSON objects, 4-space indentation, every key the CLI writes, Policies last),
 * written as a stream so 150,000 roles never sit in memory. The mix is what large accounts
 * hold: mostly service roles with scoped inline policies and small AWS managed policies, a
 * few broad ones (ReadOnlyAccess, AdministratorAccess), SSO and service-linked roles, gateway
 * execution roles, customer managed policies with several versions, boundaries, users in
 * groups; and optionally CloudTrail logs of some of them.
 */
export const REALISTIC_ACCOUNT = '210987654321';
const A = REALISTIC_ACCOUNT;

type Doc = { Version: string; Statement: Record<string, unknown>[] };
const allow = (Action: string | string[], Resource: string | string[], extra = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const policy = (...Statement: Record<string, unknown>[]): Doc => ({
  Version: '2012-10-17',
  Statement,
});

const READ_SERVICES =
  'ec2 s3 iam lambda dynamodb sqs sns kms logs cloudwatch rds ecs ecr eks cloudformation ssm secretsmanager route53 elasticloadbalancing autoscaling apigateway states events glue athena kinesis firehose sts'.split(
    ' ',
  );

/** AWS managed policies (abridged where AWS's are long, same kind of grant). */
const AWS_MANAGED: Record<string, Doc> = {
  AdministratorAccess: policy(allow('*', '*')),
  ReadOnlyAccess: policy(
    allow(
      READ_SERVICES.flatMap((s) => [`${s}:Describe*`, `${s}:Get*`, `${s}:List*`]),
      '*',
    ),
  ),
  'service-role/AWSLambdaBasicExecutionRole': policy(
    allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], '*'),
  ),
  'service-role/AWSLambdaVPCAccessExecutionRole': policy(
    allow(
      [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      '*',
    ),
  ),
  'service-role/AmazonECSTaskExecutionRolePolicy': policy(
    allow(
      [
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ],
      '*',
    ),
  ),
  AmazonSSMManagedInstanceCore: policy(
    allow(['ssm:DescribeAssociation', 'ssm:GetDocument', 'ssm:UpdateInstanceInformation'], '*'),
    allow(['ssmmessages:*', 'ec2messages:*'], '*'),
  ),
  AWSXrayWriteOnlyAccess: policy(
    allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules'], '*'),
  ),
  AmazonS3ReadOnlyAccess: policy(allow(['s3:Get*', 's3:List*'], '*')),
};

const TEAMS = ['payments', 'orders', 'search', 'identity', 'ml', 'data', 'platform', 'growth'];
const CUSTOMER_POLICIES = 400;
const customerArn = (k: number) =>
  `arn:aws:iam::${A}:policy/team-${TEAMS[k % TEAMS.length]}/shared-${k}`;
const BOUNDARY = `arn:aws:iam::${A}:policy/boundary/developer-boundary`;
const awsArn = (name: string) => `arn:aws:iam::aws:policy/${name}`;

function customerDoc(k: number, version: number): Doc {
  const team = TEAMS[k % TEAMS.length] ?? 'x';
  return policy(
    allow(
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
      `arn:aws:dynamodb:us-east-1:${A}:table/${team}-*`,
    ),
    allow(
      ['sqs:SendMessage', 'sqs:ReceiveMessage'],
      `arn:aws:sqs:us-east-1:${A}:${team}-v${version}-*`,
    ),
    ...(k % 7 === 0 ? [allow('s3:*', '*')] : []),
  );
}

/** Role `i`'s kind: the share of each is what big accounts look like. */
export function realisticKind(i: number): string {
  const r = i % 1000;
  if (r < 2) return 'admin';
  if (r < 5) return 'readonly';
  if (r < 35) return 'service-linked';
  if (r < 85) return 'sso';
  if (r < 185) return 'gateway';
  if (r < 235) return 'ci';
  if (r < 435) return 'ecs';
  return 'lambda';
}

/** Role `i`'s name; every 97th is as long as IAM allows (64 characters). */
export function realisticRoleName(i: number): string {
  const team = TEAMS[i % TEAMS.length] ?? 'x';
  const kind = realisticKind(i);
  const base =
    kind === 'sso'
      ? `AWSReservedSSO_${team}-admins_${(i * 2654435761).toString(16).slice(0, 16)}`
      : kind === 'service-linked'
        ? `AWSServiceRoleFor${team}${i}`
        : `${team}-${kind}-${i}`;
  return i % 97 === 3
    ? `${base}-with-a-name-as-long-as-iam-allows-xxxxxxxxxxxxxx`.slice(0, 64)
    : base;
}

function trust(kind: string, i: number): Doc {
  const service = (s: string) => ({
    Effect: 'Allow',
    Principal: { Service: s },
    Action: 'sts:AssumeRole',
  });
  switch (kind) {
    case 'gateway':
      return policy({
        ...service('bedrock-agentcore.amazonaws.com'),
        ...(i % 3 === 0
          ? {}
          : {
              Condition: {
                StringEquals: { 'aws:SourceAccount': A },
                ArnLike: {
                  'aws:SourceArn': `arn:aws:bedrock-agentcore:us-east-1:${A}:gateway/gw-${i}-*`,
                },
              },
            }),
      });
    case 'sso':
      return policy({
        Effect: 'Allow',
        Principal: {
          Federated: `arn:aws:iam::${A}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE`,
        },
        Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
        Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      });
    case 'ci':
      return policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::123456789012:role/ci-runner` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': `ci-${i}` } },
      });
    case 'ecs':
      return policy(service('ecs-tasks.amazonaws.com'));
    default:
      return policy(service('lambda.amazonaws.com'));
  }
}

function inlinePolicies(
  kind: string,
  i: number,
  name: string,
): { PolicyName: string; PolicyDocument: Doc }[] {
  const team = TEAMS[i % TEAMS.length] ?? 'x';
  if (kind === 'gateway')
    return [
      {
        PolicyName: 'gateway-outbound',
        PolicyDocument: policy(
          allow('bedrock-agentcore:GetWorkloadAccessToken', [
            `arn:aws:bedrock-agentcore:us-east-1:${A}:workload-identity-directory/default`,
            `arn:aws:bedrock-agentcore:us-east-1:${A}:workload-identity-directory/default/workload-identity/gw-${i}-*`,
          ]),
          allow('bedrock-agentcore:GetResourceApiKey', [
            `arn:aws:bedrock-agentcore:us-east-1:${A}:token-vault/default`,
            `arn:aws:bedrock-agentcore:us-east-1:${A}:token-vault/default/apikeycredentialprovider/p-${i}`,
          ]),
          allow(
            ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            `arn:aws:secretsmanager:us-east-1:${A}:secret:bedrock-agentcore-identity!default/apikey/p-${i}-AbCdEf`,
          ),
          ...(i % 11 === 0 ? [allow('bedrock-agentcore:*', '*')] : []),
        ),
      },
    ];
  if (kind === 'ci')
    return [
      {
        PolicyName: 'deploy',
        PolicyDocument: policy(
          allow(['cloudformation:*'], `arn:aws:cloudformation:*:${A}:stack/${team}-*/*`),
          allow('iam:PassRole', i % 2 === 0 ? '*' : `arn:aws:iam::${A}:role/${team}-*`),
          allow(['s3:PutObject', 's3:GetObject'], `arn:aws:s3:::${team}-artifacts-${A}/*`),
          allow(
            ['lambda:UpdateFunctionCode', 'lambda:GetFunction'],
            `arn:aws:lambda:us-east-1:${A}:function:${team}-*`,
          ),
        ),
      },
    ];
  if (kind !== 'lambda' && kind !== 'ecs') return [];
  const statements = [
    allow(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      [
        `arn:aws:dynamodb:us-east-1:${A}:table/${name}`,
        `arn:aws:dynamodb:us-east-1:${A}:table/${name}/index/*`,
      ],
    ),
    allow(
      ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
      `arn:aws:sqs:us-east-1:${A}:${name}-queue`,
    ),
    allow(
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:us-east-1:${A}:secret:${team}/${name}-*`,
    ),
    allow(
      'kms:Decrypt',
      `arn:aws:kms:us-east-1:${A}:key/0000${String(i).padStart(4, '0')}-1111-2222-3333-444455556666`,
      {
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      },
    ),
  ];
  if (i % 9 === 0) statements.push(allow('s3:*', '*'));
  if (i % 13 === 0) statements.push(allow('iam:PassRole', '*'));
  if (i % 17 === 0)
    statements.push({ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' } as never);
  return [
    { PolicyName: `${name}-app`, PolicyDocument: policy(...statements) },
    ...(i % 4 === 0
      ? [
          {
            PolicyName: 'bucket',
            PolicyDocument: policy(
              allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::${team}-${i}-${A}/*`),
            ),
          },
        ]
      : []),
  ];
}

function attached(kind: string, i: number): string[] {
  switch (kind) {
    case 'admin':
      return [awsArn('AdministratorAccess')];
    case 'readonly':
      return [awsArn('ReadOnlyAccess')];
    case 'sso':
      return i % 5 === 0
        ? [awsArn('AmazonS3ReadOnlyAccess')]
        : [customerArn(i % CUSTOMER_POLICIES)];
    case 'ecs':
      return [
        awsArn('service-role/AmazonECSTaskExecutionRolePolicy'),
        customerArn(i % CUSTOMER_POLICIES),
      ];
    case 'lambda':
      return [
        awsArn('service-role/AWSLambdaBasicExecutionRole'),
        ...(i % 3 === 0 ? [awsArn('service-role/AWSLambdaVPCAccessExecutionRole')] : []),
        ...(i % 5 === 0 ? [awsArn('AWSXrayWriteOnlyAccess')] : []),
        ...(i % 2 === 0 ? [customerArn(i % CUSTOMER_POLICIES)] : []),
      ];
    case 'service-linked':
      return [];
    default:
      return i % 6 === 0 ? [awsArn('AmazonSSMManagedInstanceCore')] : [];
  }
}

function roleDetail(i: number): Record<string, unknown> {
  const kind = realisticKind(i);
  const name = realisticRoleName(i);
  const path =
    kind === 'service-linked'
      ? `/aws-service-role/${TEAMS[i % TEAMS.length]}.amazonaws.com/`
      : kind === 'sso'
        ? '/aws-reserved/sso.amazonaws.com/'
        : kind === 'lambda' && i % 3 === 0
          ? '/service-role/'
          : '/';
  const out: Record<string, unknown> = {
    Path: path,
    RoleName: name,
    RoleId: `AROA${(i * 2246822519).toString(36).toUpperCase().padStart(17, 'X')}`,
    Arn: `arn:aws:iam::${A}:role${path}${name}`,
    CreateDate: `2025-${String((i % 12) + 1).padStart(2, '0')}-0${(i % 9) + 1}T10:00:00+00:00`,
    AssumeRolePolicyDocument: trust(kind, i),
    InstanceProfileList: [],
    RolePolicyList: inlinePolicies(kind, i, name),
    AttachedManagedPolicies: attached(kind, i).map((arn) => ({
      PolicyName: arn.split('/').pop(),
      PolicyArn: arn,
    })),
    Tags: [
      { Key: 'team', Value: TEAMS[i % TEAMS.length] },
      { Key: 'cost-center', Value: `cc-${i % 40}` },
    ],
    RoleLastUsed:
      i % 10 === 0 ? {} : { LastUsedDate: '2026-11-20T10:00:00+00:00', Region: 'us-east-1' },
  };
  if ((kind === 'lambda' || kind === 'ecs') && i % 10 === 1)
    out.PermissionsBoundary = {
      PermissionsBoundaryType: 'Policy',
      PermissionsBoundaryArn: BOUNDARY,
    };
  return out;
}

function managedPolicies(): Record<string, unknown>[] {
  const entry = (arn: string, name: string, versions: Doc[]) => ({
    PolicyName: name,
    PolicyId: `ANPA${name.length}${arn.length}`,
    Arn: arn,
    Path: '/',
    DefaultVersionId: `v${versions.length}`,
    AttachmentCount: 1,
    IsAttachable: true,
    CreateDate: '2025-01-01T00:00:00+00:00',
    UpdateDate: '2026-01-01T00:00:00+00:00',
    PolicyVersionList: versions.map((Document, v) => ({
      Document,
      VersionId: `v${v + 1}`,
      IsDefaultVersion: v === versions.length - 1,
      CreateDate: '2025-01-01T00:00:00+00:00',
    })),
  });
  return [
    ...Object.entries(AWS_MANAGED).map(([name, doc]) =>
      entry(awsArn(name), name.split('/').pop() ?? name, [doc]),
    ),
    ...Array.from({ length: CUSTOMER_POLICIES }, (_, k) =>
      entry(customerArn(k), `shared-${k}`, [
        customerDoc(k, 1),
        customerDoc(k, 2),
        customerDoc(k, 3),
      ]),
    ),
    entry(BOUNDARY, 'developer-boundary', [
      policy(
        allow(
          [
            'dynamodb:*',
            'sqs:*',
            's3:*',
            'logs:*',
            'kms:Decrypt',
            'secretsmanager:GetSecretValue',
            'xray:*',
            'ec2:*',
          ],
          '*',
        ),
      ),
    ]),
  ];
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}

/** Writes a list as the CLI does: one element at a time, 4-space indented. */
async function writeList(
  out: WriteStream,
  key: string,
  count: number,
  item: (i: number) => unknown,
  last = false,
) {
  await write(out, `    "${key}": [`);
  for (let i = 0; i < count; i++)
    await write(
      out,
      `${i === 0 ? '' : ','}\n        ${JSON.stringify(item(i), null, 4).replace(/\n/g, '\n        ')}`,
    );
  await write(out, `\n    ]${last ? '' : ','}\n`);
}

export interface RealisticExport {
  iam: string;
  /** Folder of gzip CloudTrail log files, when records were asked for. */
  trail?: string;
  bytes: number;
}

/**
 * Writes the export (and `trailRecords` CloudTrail records of the roles' own calls, 2,000 per
 * gzip file) under `dir`. The records fall on 2026-11-20, or spread over `trailDays.days` UTC
 * days ending on `trailDays.last` (`YYYY-MM-DD`): a trail that covers a report's window.
 */
export async function writeRealisticExport(
  dir: string,
  options: {
    roles: number;
    users?: number;
    trailRecords?: number;
    trailDays?: { last: string; days: number };
  },
): Promise<RealisticExport> {
  await mkdir(dir, { recursive: true });
  const iam = join(dir, 'authorization-details.json');
  const out = createWriteStream(iam);
  const users = options.users ?? Math.ceil(options.roles / 100);
  await write(out, '{\n');
  await writeList(out, 'UserDetailList', users, (u) => ({
    Path: '/',
    UserName: `user-${u}@example.com`,
    UserId: `AIDA${u}`,
    Arn: `arn:aws:iam::${A}:user/user-${u}@example.com`,
    CreateDate: '2025-01-01T00:00:00+00:00',
    UserPolicyList: [],
    GroupList: [
      `${TEAMS[u % TEAMS.length]}-developers`,
      ...(u % 50 === 0 ? ['deleted-group'] : []),
    ],
    AttachedManagedPolicies: [],
    Tags: [],
  }));
  await writeList(out, 'GroupDetailList', TEAMS.length, (g) => ({
    Path: '/',
    GroupName: `${TEAMS[g]}-developers`,
    GroupId: `AGPA${g}`,
    Arn: `arn:aws:iam::${A}:group/${TEAMS[g]}-developers`,
    CreateDate: '2025-01-01T00:00:00+00:00',
    GroupPolicyList: [
      {
        PolicyName: 'mfa',
        PolicyDocument: policy({
          Effect: 'Deny',
          NotAction: ['iam:*'],
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        }),
      },
    ],
    AttachedManagedPolicies: [
      { PolicyName: 'ReadOnlyAccess', PolicyArn: awsArn('ReadOnlyAccess') },
    ],
  }));
  await writeList(out, 'RoleDetailList', options.roles, roleDetail);
  const policies = managedPolicies();
  await writeList(out, 'Policies', policies.length, (k) => policies[k], true);
  await write(out, '}\n');
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const result: RealisticExport = { iam, bytes: out.bytesWritten };
  if (options.trailRecords)
    result.trail = await writeTrail(
      join(dir, 'trail'),
      options.roles,
      options.trailRecords,
      options.trailDays ?? { last: '2026-11-20', days: 1 },
    );
  return result;
}

const OPERATIONS: Record<string, [string, string][]> = {
  lambda: [
    ['dynamodb.amazonaws.com', 'GetItem'],
    ['dynamodb.amazonaws.com', 'Query'],
    ['sqs.amazonaws.com', 'SendMessage'],
    ['secretsmanager.amazonaws.com', 'GetSecretValue'],
    ['kms.amazonaws.com', 'Decrypt'],
  ],
  gateway: [
    ['bedrock-agentcore.amazonaws.com', 'GetWorkloadAccessToken'],
    ['bedrock-agentcore.amazonaws.com', 'GetResourceApiKey'],
    ['secretsmanager.amazonaws.com', 'GetSecretValue'],
  ],
  ci: [
    ['cloudformation.amazonaws.com', 'DescribeStacks'],
    ['lambda.amazonaws.com', 'GetFunction20150331v2'],
  ],
};

async function writeTrail(
  root: string,
  roles: number,
  records: number,
  span: { last: string; days: number },
): Promise<string> {
  const perFile = 2_000;
  const last = Date.parse(`${span.last}T00:00:00Z`);
  const dayOf = (n: number) =>
    new Date(last - (n % span.days) * 86_400_000).toISOString().slice(0, 10);
  const dir = join(root, 'AWSLogs', A, 'CloudTrail', 'us-east-1', '2026', '11', '20');
  await mkdir(dir, { recursive: true });
  const gzipAsync = promisify(gzip);
  for (let f = 0; f * perFile < records; f++) {
    const batch = Array.from({ length: Math.min(perFile, records - f * perFile) }, (_, r) => {
      const n = f * perFile + r;
      // Nine roles in ten are seen (the tenth is idle); a role calls a few of its operations.
      let i = (n * 7919) % roles;
      if (i % 10 === 0) i = (i + 1) % roles;
      const kind = realisticKind(i);
      const ops = OPERATIONS[kind] ?? OPERATIONS.lambda ?? [];
      const [eventSource, eventName] = ops[n % ops.length] ?? ['', ''];
      const name = realisticRoleName(i);
      return {
        eventVersion: '1.11',
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${A}:assumed-role/${name}/s-${n % 5}`,
          accountId: A,
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${A}:role/${name}`, userName: name },
          },
        },
        eventTime: `${dayOf(n)}T${String(n % 24).padStart(2, '0')}:00:00Z`,
        eventSource,
        eventName,
        awsRegion: 'us-east-1',
        eventCategory: 'Management',
        managementEvent: true,
        readOnly: true,
      };
    });
    await writeFile(
      join(dir, `${A}_CloudTrail_us-east-1_20261120T0000Z_${String(f).padStart(6, '0')}.json.gz`),
      await gzipAsync(JSON.stringify({ Records: batch })),
    );
  }
  return root;
}
