/**
 * The resource policies the IAM gate takes from a deployed template where moto's CloudFormation
 * applied none: intrinsics resolved against the stack (parameters, physical ids, conditions).
 */
import {
  templateResourcePolicies,
  type DeployedStack,
} from '../../../local/iam/templatePolicies.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

function stack(
  resources: Record<string, unknown>,
  parameters: Record<string, string> = {},
): DeployedStack {
  return {
    template: {
      Conditions: {
        CreateBucket: { 'Fn::Equals': [{ Ref: 'ExistingBucket' }, ''] },
        AcceptOrg: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OrgId' }, ''] }] },
      },
      Resources: resources as DeployedStack['template']['Resources'],
    },
    parameters: { ExistingBucket: '', OrgId: '', ...parameters },
    resources: {
      Topic: { physicalId: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`, type: 'AWS::SNS::Topic' },
      Dlq: {
        physicalId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/stage-dlq`,
        type: 'AWS::SQS::Queue',
      },
      Bucket: { physicalId: 'stage-reports', type: 'AWS::S3::Bucket' },
    },
    region: REGION,
    account: ACCOUNT,
  };
}

const statement = (resource: unknown, condition?: unknown) => ({
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: resource,
  ...(condition ? { Condition: condition } : {}),
});

describe('templateResourcePolicies', () => {
  it('resolves a queue policy: Ref to the queue URL, GetAtt Arn, Sub with pseudo parameters', () => {
    const policies = templateResourcePolicies(
      stack({
        DlqPolicy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Dlq' }],
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                statement(
                  { 'Fn::GetAtt': ['Dlq', 'Arn'] },
                  {
                    ArnLike: {
                      'aws:SourceArn': {
                        'Fn::Sub':
                          'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/stage-*',
                      },
                    },
                  },
                ),
              ],
            },
          },
        },
      }),
    );
    expect([...policies.keys()]).toEqual([`arn:aws:sqs:${REGION}:${ACCOUNT}:stage-dlq`]);
    expect(policies.get(`arn:aws:sqs:${REGION}:${ACCOUNT}:stage-dlq`)).toEqual({
      Version: '2012-10-17',
      Statement: [
        statement(`arn:aws:sqs:${REGION}:${ACCOUNT}:stage-dlq`, {
          ArnLike: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/stage-*` },
        }),
      ],
    });
  });

  it.each([
    ['the stack made the bucket', '', 'arn:aws:s3:::stage-reports'],
    ['a kept bucket is named', 'kept-reports', 'arn:aws:s3:::kept-reports'],
  ])('follows Fn::If on a condition for a bucket policy (%s)', (_, existing, arn) => {
    const policies = templateResourcePolicies(
      stack(
        {
          BucketPolicy: {
            Type: 'AWS::S3::BucketPolicy',
            Properties: {
              Bucket: { 'Fn::If': ['CreateBucket', { Ref: 'Bucket' }, { Ref: 'ExistingBucket' }] },
              PolicyDocument: {
                Statement: [
                  {
                    Effect: 'Deny',
                    Principal: '*',
                    Action: 's3:*',
                    Resource: {
                      'Fn::Join': [
                        '',
                        [
                          {
                            'Fn::If': [
                              'CreateBucket',
                              { 'Fn::GetAtt': ['Bucket', 'Arn'] },
                              { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ExistingBucket}' },
                            ],
                          },
                          '/*',
                        ],
                      ],
                    },
                  },
                ],
              },
            },
          },
        },
        { ExistingBucket: existing },
      ),
    );
    expect([...policies.keys()]).toEqual([arn]);
    expect(policies.get(arn)).toMatchObject({ Statement: [{ Resource: `${arn}/*` }] });
  });

  it('skips a resource whose condition is false, and a policy it cannot resolve', () => {
    const policies = templateResourcePolicies(
      stack({
        OrgBusPolicy: {
          Type: 'AWS::Events::EventBusPolicy',
          Condition: 'AcceptOrg',
          Properties: {
            EventBusName: 'default',
            StatementId: 'org',
            Statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents' },
          },
        },
        TopicPolicy: {
          Type: 'AWS::SNS::TopicPolicy',
          Properties: {
            Topics: [{ Ref: 'Topic' }],
            PolicyDocument: { Statement: [{ Resource: { 'Fn::GetAtt': ['Topic', 'Unknown'] } }] },
          },
        },
      }),
    );
    expect(policies.size).toBe(0);
  });

  it('turns an event bus policy statement into a policy on the bus, its StatementId as Sid', () => {
    const policies = templateResourcePolicies(
      stack(
        {
          OrgBusPolicy: {
            Type: 'AWS::Events::EventBusPolicy',
            Condition: 'AcceptOrg',
            Properties: {
              EventBusName: 'default',
              StatementId: 'org',
              Statement: {
                Effect: 'Allow',
                Principal: '*',
                Action: 'events:PutEvents',
                Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' } } },
              },
            },
          },
        },
        { OrgId: 'o-abc' },
      ),
    );
    expect(policies.get(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'org',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } },
        },
      ],
    });
  });
  it.each([
    ['OUs given', 'ou-ab12-cdefgh34,ou-ab12-ijklmn56', true],
    ['no OU', '', false],
  ])(
    'reads a list parameter as a list (the central stage’s OrganizationUnitIds): %s',
    (_case, units, enrols) => {
      const deployed = stack(
        {
          OrgBusPolicy: {
            Type: 'AWS::Events::EventBusPolicy',
            Condition: 'EnrolsMembers',
            Properties: {
              EventBusName: 'default',
              StatementId: 'org',
              Statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents' },
            },
          },
        },
        { Units: units },
      );
      deployed.template.Parameters = { Units: { Type: 'CommaDelimitedList' } };
      deployed.template.Conditions = {
        ...deployed.template.Conditions,
        EnrolsMembers: {
          'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'Units' }] }, ''] }],
        },
      };

      const policies = templateResourcePolicies(deployed);

      expect(policies.size).toBe(enrols ? 1 : 0);
    },
  );
});
