import { IamDataCatalog } from '../../../lib/reports/catalog.js';
import { MemoryIamSource } from '../../../lib/reports/iamFile.js';
import { generateReport } from '../../../lib/reports/report.js';
import type { AccessReport, PrincipalReport } from '../../../lib/reports/reportTypes.js';
import type { RiskCategory } from '../../../lib/reports/riskCategories.js';

/**
 * Cloudsplaining's risk categories on effective permissions: each case has a positive (the
 * risky grant on every resource) and a negative (the same grant scoped, denied, bounded).
 */

const A = '111122223333';
const catalog = new IamDataCatalog();
const now = () => new Date('2026-12-01T00:00:00Z');

type Doc = { Statement: Record<string, unknown>[] };
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({
  Effect: 'Allow',
  Action,
  Resource,
});
const deny = (Action: string | string[], Resource: string | string[] = '*') => ({
  Effect: 'Deny',
  Action,
  Resource,
});

interface RoleSpec {
  inline?: Record<string, Doc>;
  managed?: string[];
  boundary?: string;
}

function role(name: string, spec: RoleSpec) {
  return {
    RoleName: name,
    RoleId: name,
    Path: '/',
    Arn: `arn:aws:iam::${A}:role/${name}`,
    RolePolicyList: Object.entries(spec.inline ?? {}).map(([PolicyName, PolicyDocument]) => ({
      PolicyName,
      PolicyDocument,
    })),
    AttachedManagedPolicies: (spec.managed ?? []).map((n) => ({
      PolicyName: n,
      PolicyArn: `arn:aws:iam::${A}:policy/${n}`,
    })),
    ...(spec.boundary === undefined
      ? {}
      : {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: `arn:aws:iam::${A}:policy/${spec.boundary}`,
          },
        }),
  };
}

function managed(name: string, document: Doc) {
  return {
    PolicyName: name,
    PolicyId: name,
    Arn: `arn:aws:iam::${A}:policy/${name}`,
    Path: '/',
    DefaultVersionId: 'v1',
    PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: document }],
  };
}

async function report(roles: unknown[], policies: unknown[] = []): Promise<AccessReport> {
  return generateReport({
    iam: new MemoryIamSource({ RoleDetailList: roles, Policies: policies }),
    catalog,
    now,
  });
}

const categoryOf = (p: PrincipalReport | undefined, c: RiskCategory) =>
  p?.riskCategories.find((r) => r.category === c);

async function held(statements: Record<string, unknown>[], c: RiskCategory) {
  const r = await report([role('r', { inline: { p: { Statement: statements } } })]);
  return categoryOf(r.roles[0], c);
}

describe('privilege escalation', () => {
  it.each([
    ['EC2 Instance Connect', ['ec2-instance-connect:SendSSHPublicKey']],
    ['SageMaker notebook URL', ['sagemaker:CreatePresignedNotebookInstanceUrl']],
    ['SageMaker processing job', ['iam:PassRole', 'sagemaker:CreateProcessingJob']],
    ['SageMaker training job', ['iam:PassRole', 'sagemaker:CreateTrainingJob']],
    ['SSM SendCommand', ['ssm:SendCommand']],
    ['SSM StartSession', ['ssm:StartSession']],
    ['CloudFormation stack create', ['iam:PassRole', 'cloudformation:CreateStack']],
    ['CloudFormation stack update', ['iam:PassRole', 'cloudformation:UpdateStack']],
    ['EC2 instance profile attached', ['iam:PassRole', 'ec2:AssociateIamInstanceProfile']],
    ['EC2 instance profile replaced', ['iam:PassRole', 'ec2:ReplaceIamInstanceProfileAssociation']],
  ])('%s on * is an escalation; on one ARN it is not', async (_name, actions) => {
    expect(await held([allow(actions)], 'privilege-escalation')).toBeDefined();
    expect(
      await held(
        [allow(actions, `arn:aws:ec2:us-east-1:${A}:instance/i-0abc`)],
        'privilege-escalation',
      ),
    ).toBeUndefined();
  });

  it.each(['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation'])(
    '%s without iam:PassRole is no escalation (it cannot hand the instance a role)',
    async (action) => {
      expect(await held([allow(action)], 'privilege-escalation')).toBeUndefined();
    },
  );

  it('a method split across two policies is one escalation naming both', async () => {
    const r = await report([
      role('split', {
        inline: {
          pass: { Statement: [allow('iam:PassRole')] },
          run: { Statement: [allow('ec2:RunInstances')] },
        },
      }),
    ]);
    expect(categoryOf(r.roles[0], 'privilege-escalation')).toMatchObject({
      items: ['passrole-ec2: iam:PassRole + ec2:RunInstances'],
      policies: ['inline:pass', 'inline:run'],
    });
  });

  it('a Deny in another policy removes the escalation (cloudsplaining reads each policy alone)', async () => {
    const r = await report([
      role('denied', {
        inline: {
          grant: { Statement: [allow(['iam:PassRole', 'ec2:RunInstances'])] },
          guard: { Statement: [deny('iam:PassRole')] },
        },
      }),
    ]);
    expect(categoryOf(r.roles[0], 'privilege-escalation')).toBeUndefined();
  });

  it('CreatePolicyVersion on a pattern matching its own policy is a self-edit', async () => {
    const own = managed('team-ops', {
      Statement: [allow('iam:CreatePolicyVersion', `arn:aws:iam::${A}:policy/team-*`)],
    });
    const r = await report([role('self', { managed: ['team-ops'] })], [own]);
    expect(categoryOf(r.roles[0], 'privilege-escalation')?.items).toEqual([
      `self-policy-version: iam:CreatePolicyVersion on its own arn:aws:iam::${A}:policy/team-ops`,
    ]);
    // Negative: the pattern covers other policies, not its own.
    const other = managed('team-ops', {
      Statement: [allow('iam:CreatePolicyVersion', `arn:aws:iam::${A}:policy/app-*`)],
    });
    const r2 = await report([role('self', { managed: ['team-ops'] })], [other]);
    expect(categoryOf(r2.roles[0], 'privilege-escalation')).toBeUndefined();
  });

  it('PutRolePolicy on its own role ARN is a self-edit', async () => {
    expect(
      (await held([allow('iam:PutRolePolicy', `arn:aws:iam::${A}:role/r`)], 'privilege-escalation'))
        ?.items,
    ).toEqual([`self-policy-write: iam:PutRolePolicy on its own arn:aws:iam::${A}:role/r`]);
    expect(
      await held(
        [allow('iam:PutRolePolicy', `arn:aws:iam::${A}:role/other`)],
        'privilege-escalation',
      ),
    ).toBeUndefined();
  });
});

describe('data exfiltration, credentials and resource exposure', () => {
  it.each<[RiskCategory, string]>([
    ['data-exfiltration', 's3:GetObject'],
    ['data-exfiltration', 'ssm:GetParameter'],
    ['data-exfiltration', 'ssm:GetParameters'],
    ['data-exfiltration', 'secretsmanager:GetSecretValue'],
    ['data-exfiltration', 'kms:Decrypt'],
    ['credentials-exposure', 'cognito-identity:GetCredentialsForIdentity'],
    ['credentials-exposure', 'codeartifact:GetAuthorizationToken'],
    ['credentials-exposure', 'ecr:GetAuthorizationToken'],
    ['credentials-exposure', 'sts:GetFederationToken'],
    ['credentials-exposure', 'iam:CreateAccessKey'],
    ['credentials-exposure', 'bedrock-agentcore:GetResourceApiKey'],
    ['resource-exposure', 's3:PutBucketPolicy'],
    ['resource-exposure', 's3:PutObjectAcl'],
    ['resource-exposure', 'sqs:AddPermission'],
    ['resource-exposure', 'sns:SetTopicAttributes'],
    ['resource-exposure', 'kms:PutKeyPolicy'],
    ['resource-exposure', 'secretsmanager:PutResourcePolicy'],
    ['resource-exposure', 'lambda:AddPermission'],
    ['resource-exposure', 'ecr:SetRepositoryPolicy'],
    ['resource-exposure', 'es:UpdateDomainConfig'],
  ])('%s: %s on * is held, denied it is not', async (category, action) => {
    expect((await held([allow(action)], category))?.items).toContain(action);
    expect(await held([allow(action), deny(action)], category)).toBeUndefined();
  });

  it('a permissions boundary that leaves the action out removes the category', async () => {
    const boundary = managed('bound', { Statement: [allow('s3:ListBucket')] });
    const r = await report(
      [
        role('bounded', {
          inline: { p: { Statement: [allow('kms:Decrypt')] } },
          boundary: 'bound',
        }),
      ],
      [boundary],
    );
    expect(categoryOf(r.roles[0], 'data-exfiltration')).toBeUndefined();
  });

  it('a conditional grant is held but marked conditional, one severity lower', async () => {
    const r = await report([
      role('cond', {
        inline: {
          p: {
            Statement: [
              { ...allow('s3:GetObject'), Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
            ],
          },
        },
      }),
    ]);
    expect(categoryOf(r.roles[0], 'data-exfiltration')?.conditional).toBe(true);
    expect(r.findings.find((f) => f.checkId === 'data-exfiltration')?.severity).toBe('low');
  });
});

describe('findings', () => {
  it('one finding per principal and risk, naming every policy, with unique ids', async () => {
    // Prepare: the same risky policy attached twice, and a second policy granting it again.
    const risky = managed('risky', { Statement: [allow(['iam:PassRole', 's3:GetObject'])] });
    const again = managed('again', { Statement: [allow('iam:PassRole')] });
    const r = await report(
      [
        role('twice', {
          managed: ['risky', 'risky', 'again'],
          inline: { own: { Statement: [allow('s3:GetObject')] } },
        }),
      ],
      [risky, again],
    );
    // Assess
    const ids = r.findings.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    const passRole = r.findings.filter((f) => f.checkId === 'high-risk-grant');
    expect(passRole).toHaveLength(1);
    expect(passRole[0]?.message).toContain(
      `by arn:aws:iam::${A}:policy/again, arn:aws:iam::${A}:policy/risky`,
    );
    const exfil = r.findings.filter((f) => f.checkId === 'data-exfiltration');
    expect(exfil).toHaveLength(1);
    expect(exfil[0]?.message).toContain(`arn:aws:iam::${A}:policy/risky, inline:own`);
  });
});

describe('infrastructure modification (cloudsplaining InfrastructureModification)', () => {
  it.each([
    ['an object write', ['s3:PutObject']],
    ['a queue write', ['sqs:SendMessage']],
    ['a tag write', ['dynamodb:TagResource']],
  ])('%s on * is flagged; on one ARN it is not', async (_name, actions) => {
    expect(await held([allow(actions)], 'infrastructure-modification')).toMatchObject({
      items: actions,
    });
    expect(
      await held([allow(actions, 'arn:aws:s3:::one-bucket/*')], 'infrastructure-modification'),
    ).toBeUndefined();
  });

  it.each([
    ['a list', 's3:ListBucket'],
    ['a read', 'dynamodb:GetItem'],
    ['a data read (data exfiltration says it)', 's3:GetObject'],
    ['a bucket policy write (resource exposure says it)', 's3:PutBucketPolicy'],
    ['a function code update (privilege escalation says it)', 'lambda:UpdateFunctionCode'],
    ['a write that takes no resource (only * can grant it)', 'iam:CreateAccountAlias'],
  ])('%s on * is not infrastructure modification', async (_name, action) => {
    expect(await held([allow(action)], 'infrastructure-modification')).toBeUndefined();
  });

  it('a Deny of the write removes it', async () => {
    expect(
      await held(
        [allow(['s3:PutObject', 's3:ListBucket']), deny('s3:PutObject')],
        'infrastructure-modification',
      ),
    ).toBeUndefined();
  });
});
