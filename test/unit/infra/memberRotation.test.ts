import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DROPPED_STATEMENTS,
  MEMBER_ROTATION_STACKSET_FILE,
  memberRotationStacksetFile,
  memberRotationTemplate,
  readMemberRotation,
} from '../../../lib/deploy/memberRotation.js';
import { readStageYaml } from '../../../lib/deploy/stageYaml.js';
import { guardrails } from '../../../lib/guardrails/index.js';
import { packagedTemplate, ROOT, type CfnTemplate } from './packagedTemplate.js';
import { asArray } from './policies.js';

/**
 * The member rotation StackSet of the central stage (resources/organization.yml) and its
 * template (lib/deploy/memberRotation.ts, generated into resources/member-rotation-stackset.yml):
 * the stage's rotate and rotateNow functions where the gateway secrets live, their code in the
 * central code bucket (resources/member-code.yml).
 */
let template: CfnTemplate;
let member: CfnTemplate;
let packageDir = '';

beforeAll(async () => {
  const packaged = await packagedTemplate();
  template = packaged.template;
  packageDir = packaged.dir;
  const body = (template.Resources.MemberRotationStackSet?.Properties as { TemplateBody: string })
    .TemplateBody;
  member = JSON.parse(body) as CfnTemplate;
}, 300_000);

type Statement = { Sid?: string } & Record<string, unknown>;
const resource = (t: CfnTemplate, id: string) => {
  const found = t.Resources[id];
  if (!found) throw new Error(`no ${id}`);
  return found as { Type: string; Condition?: string; Properties: Record<string, unknown> };
};
const inlineStatements = (role: { Properties: Record<string, unknown> }): Statement[] =>
  (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
/** A statement's Sid, also inside an `Fn::If` (both branches). */
const sids = (statements: unknown[]): string[] =>
  statements.flatMap((s) => {
    const choice = (s as { 'Fn::If'?: unknown[] })['Fn::If'];
    if (choice)
      return sids(choice.slice(1).filter((b) => (b as { Ref?: string }).Ref === undefined));
    return [String((s as Statement).Sid)];
  });

describe('the member rotation StackSet of the central stage', () => {
  it('packages the rotation template generated from today’s stage', () => {
    expect(readFileSync(join(ROOT, MEMBER_ROTATION_STACKSET_FILE), 'utf8')).toBe(
      memberRotationStacksetFile(readMemberRotation()),
    );
    expect(member).toEqual(memberRotationTemplate(readMemberRotation()));
    // Under a StackSet's 51,200-character template body limit.
    expect(JSON.stringify(member).length).toBeLessThan(51_200);
  });

  it('names the SHA-256 of the packaged zips as the code keys, in the central code bucket', () => {
    const stackSet = resource(template, 'MemberRotationStackSet');
    expect(stackSet.Condition).toBe('RotatesMembers');
    const byKey = Object.fromEntries(
      (stackSet.Properties.Parameters as { ParameterKey: string; ParameterValue: unknown }[]).map(
        (p) => [p.ParameterKey, p.ParameterValue],
      ),
    );
    for (const [name, key] of [
      ['rotate', 'RotateCodeKey'],
      ['rotateNow', 'RotateNowCodeKey'],
    ] as const) {
      const sha = createHash('sha256')
        .update(readFileSync(join(packageDir, `${name}.zip`)))
        .digest('hex');
      expect(byKey[key]).toBe(`member-code/${sha}.zip`);
    }
    expect(byKey.CodeBucket).toEqual({ Ref: 'MemberCodeBucket' });
    expect(byKey.CentralRotationRoleArn).toEqual({ Ref: 'MemberRotationRoleArn' });
    // Every parameter of the template, each member's own ones empty (instance overrides).
    expect(Object.keys(byKey).sort()).toEqual(Object.keys(member.Parameters ?? {}).sort());
    expect([byKey.AdminRoleArn, byKey.ExtraSecretsKmsKeyArns, byKey.TokenVaultKmsKeyArn]).toEqual([
      '',
      '',
      '',
    ]);
  });

  it('lets the organization read the member code and nobody outside this account write it', () => {
    const policy = resource(template, 'MemberCodeBucketPolicy').Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const read = policy.Statement.find((s) => s.Sid === 'OrganizationReadsMemberCode');
    expect(read).toMatchObject({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Sub': '${MemberCodeBucket.Arn}/member-code/*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(policy.Statement.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
    expect(policy.Statement.find((s) => s.Sid === 'OnlyThisAccountWrites')).toMatchObject({
      Effect: 'Deny',
      Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
    });
    const bucket = resource(template, 'MemberCodeBucket') as unknown as {
      DeletionPolicy: string;
      Properties: Record<string, unknown>;
    };
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });
});

describe('the member rotation template', () => {
  it('gives the member roles the stage roles’ statements, Sid for Sid, but the alert ones', () => {
    for (const [file, id] of [
      ['role-rotate.yml', 'RotateRole'],
      ['role-rotateNow.yml', 'RotateNowRole'],
    ] as const) {
      const stage = readStageYaml(join(ROOT, 'resources', file)).Resources as Record<
        string,
        { Properties: Record<string, unknown> }
      >;
      const stageRole = stage[id];
      if (!stageRole) throw new Error(`no ${id}`);
      const expected = sids(inlineStatements(stageRole)).filter(
        (sid) => !Object.hasOwn(DROPPED_STATEMENTS, sid),
      );
      expect(sids(inlineStatements(resource(member, id)))).toEqual(expected);
      expect(expected.length).toBeGreaterThan(10);
    }
  });

  it('names functions and roles as the member-resources SCP protects them', () => {
    const stage = 'prod';
    const scp = JSON.stringify(
      guardrails({ stage }).find((g) => g.name === `gatewarden-${stage}-protect-member-resources`)
        ?.document,
    );
    expect(resource(member, 'RotateRole').Properties.RoleName).toEqual({
      'Fn::Sub': 'gatewarden-${Stage}-${AWS::Region}-rotate',
    });
    expect(resource(member, 'RotateNowRole').Properties.RoleName).toEqual({
      'Fn::Sub': 'gatewarden-${Stage}-${AWS::Region}-rotateNow',
    });
    expect(scp).toContain(`role/gatewarden-${stage}-*-rotate"`);
    expect(scp).toContain(`role/gatewarden-${stage}-*-rotateNow"`);
    expect(scp).toContain(`function:gatewarden-${stage}-rotate"`);
    expect(scp).toContain(`function:gatewarden-${stage}-rotateNow"`);
    for (const [id, name] of [
      ['RotateLambdaFunction', 'rotate'],
      ['RotateNowLambdaFunction', 'rotateNow'],
    ] as const) {
      const fn = resource(member, id);
      expect(fn.Condition).toBe('RotatesHere');
      expect(fn.Properties.FunctionName).toEqual({ 'Fn::Sub': `gatewarden-\${Stage}-${name}` });
      expect(fn.Properties.Code).toEqual({
        S3Bucket: { Ref: 'CodeBucket' },
        S3Key: { Ref: name === 'rotate' ? 'RotateCodeKey' : 'RotateNowCodeKey' },
      });
    }
  });

  it('lets only the central rotation role, Secrets Manager and the sweep schedule invoke the functions', () => {
    const permissions = Object.entries(member.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Permission',
    );
    const principals = permissions.map(
      ([, r]) => (r.Properties as { Principal: unknown }).Principal,
    );
    expect(principals).toEqual(
      expect.arrayContaining([
        'secretsmanager.amazonaws.com',
        'events.amazonaws.com',
        { Ref: 'CentralRotationRoleArn' },
      ]),
    );
    expect(permissions).toHaveLength(3);
    expect(resource(member, 'RotateNowCentralPermission').Condition).toBe('AllowsCentralRotation');
    expect(member.Conditions?.RotatesHere).toEqual({
      'Fn::Not': [{ Condition: 'IsCentralAccount' }],
    });
    expect(resource(member, 'SweepSchedulePermission').Properties.SourceArn).toEqual({
      'Fn::GetAtt': ['SweepSchedule', 'Arn'],
    });
  });

  it('refuses to generate a statement naming what the member lacks (the alert topic, say)', () => {
    const root = mkdtempSync(join(tmpdir(), 'gatewarden-member-rotation-'));
    cpSync(join(ROOT, 'resources'), join(root, 'resources'), { recursive: true });
    cpSync(join(ROOT, 'serverless.yml'), join(root, 'serverless.yml'));
    const file = join(root, 'resources', 'role-rotate.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '              - Sid: WriteOwnLogs',
        [
          '              - Sid: ReadTopic',
          '                Effect: Allow',
          '                Action: sns:GetTopicAttributes',
          '                Resource: !Ref AlertTopic',
          '              - Sid: WriteOwnLogs',
        ].join('\n'),
      ),
    );
    expect(() => readMemberRotation(pathToFileURL(`${root}/`))).toThrow(/AlertTopic/);
  });

  it('keeps no statement with an unresolved stage variable', () => {
    expect(JSON.stringify(member)).not.toMatch(/\$\{(sls|param|self|opt|env):/);
    expect(asArray(member.Resources.RotateRole?.Type)).toEqual(['AWS::IAM::Role']);
  });
});
