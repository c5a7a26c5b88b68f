/**
 * The local IAM gate in an account other than the stack's own (a stage deployed in an
 * organization's security account): a function name is looked up in the caller's account, and
 * a resource policy that moto's CloudFormation drops (a TopicPolicy) is read from the template
 * deployed in the resource's account, so that account's own policies decide. Set-up of the
 * account (its administrator role) is made on moto directly, as an account factory would.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import path from 'node:path';
import type { ClientCredentials } from '../../../lib/aws/clients.js';
import { functionRoleSession } from '../../../local/functionRole.js';
import { readState } from '../../../local/state.js';
import { consumeDenials } from '../../support/iamDenials.js';
import { localStack, localStackStateDir, uniqueName } from '../../support/localStack.js';
import {
  ADMINISTRATOR_ACCESS,
  MANAGEMENT_ACCOUNT,
  roleSession,
} from '../../support/organization.js';

const ACCOUNT = '246813579024';
const REGION = 'us-east-1';
const config = (credentials?: ClientCredentials) => ({
  region: REGION,
  maxAttempts: 1,
  ...(credentials ? { credentials } : {}),
});
const trustStackAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});
const name = uniqueName('other-acct');
let admin: ClientCredentials;

beforeAll(async () => {
  // Prepare: the account's administrator, made on moto directly (no gate: the account factory).
  const state = readState(path.join(localStackStateDir(), 'local-stack.json'));
  if (!state) throw new Error('no local stack state');
  const direct = { endpoint: state.motoUrl, region: REGION, maxAttempts: 1 };
  const factory = await roleSession(
    new STSClient(direct),
    `arn:aws:iam::${ACCOUNT}:role/account-factory`,
  );
  const iam = new IAMClient({ ...direct, credentials: factory });
  await iam.send(
    new CreateRoleCommand({
      RoleName: `${name}-admin`,
      AssumeRolePolicyDocument: trustStackAccount,
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({ RoleName: `${name}-admin`, PolicyArn: ADMINISTRATOR_ACCESS }),
  );
  // Through the front from here on: the stack's admin assumes it, as a member's operator would.
  admin = await roleSession(new STSClient(config()), `arn:aws:iam::${ACCOUNT}:role/${name}-admin`);
}, 60_000);

describe('the local IAM gate in another account than the stack’s own', () => {
  it('issues a function’s role session to a caller of that account, looking the name up there', async () => {
    // Prepare: a function in the account, its role trusting Lambda.
    const iam = new IAMClient(config(admin));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: `${name}-fn`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    await new LambdaClient(config(admin)).send(
      new CreateFunctionCommand({
        FunctionName: `${name}-fn`,
        Role: role.Role?.Arn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('not run: moto runs no function here') },
      }),
    );

    // Act: the account's administrator asks for the function's role session.
    const session = await functionRoleSession(localStack().endpoint, `${name}-fn`, {
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_SESSION_TOKEN: admin.sessionToken,
    });

    // Assess: the account's function and role, not one of the stack's own account.
    expect(session.functionArn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}-fn`);
    expect(session.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/${name}-fn`);
  }, 60_000);

  it('decides a Publish by the TopicPolicy of the template deployed in the topic’s account', async () => {
    // Prepare: a stack in the account with a topic, its TopicPolicy (which moto drops) admitting
    // one role, and two roles without any policy of their own.
    const cfn = new CloudFormationClient(config(admin));
    const stack = `${name}-topic`;
    await cfn.send(
      new CreateStackCommand({
        StackName: stack,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        TemplateBody: JSON.stringify({
          Resources: {
            Publisher: {
              Type: 'AWS::IAM::Role',
              Properties: {
                RoleName: `${name}-pub`,
                AssumeRolePolicyDocument: JSON.parse(trustStackAccount),
              },
            },
            Outsider: {
              Type: 'AWS::IAM::Role',
              Properties: {
                RoleName: `${name}-out`,
                AssumeRolePolicyDocument: JSON.parse(trustStackAccount),
              },
            },
            Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${name}-topic` } },
            TopicPolicy: {
              Type: 'AWS::SNS::TopicPolicy',
              Properties: {
                Topics: [{ Ref: 'Topic' }],
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      // A role's Arn the gate does not derive; Sub it as templates often do.
                      Principal: {
                        AWS: { 'Fn::Sub': `arn:aws:iam::\${AWS::AccountId}:role/${name}-pub` },
                      },
                      Action: 'sns:Publish',
                      Resource: { Ref: 'Topic' },
                    },
                  ],
                },
              },
            },
          },
        }),
      }),
    );
    const until = Date.now() + 30_000;
    for (;;) {
      const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
      const status = Stacks[0]?.StackStatus ?? '';
      if (status === 'CREATE_COMPLETE') break;
      if (/FAILED|ROLLBACK/.test(status) || Date.now() > until)
        throw new Error(`stack ${stack}: ${status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name}-topic`;
    const as = async (role: string) =>
      new SNSClient(
        config(await roleSession(new STSClient(config()), `arn:aws:iam::${ACCOUNT}:role/${role}`)),
      );

    // Act / Assess: the role the policy names publishes; the other is refused.
    await expect(
      (await as(`${name}-pub`)).send(new PublishCommand({ TopicArn: topicArn, Message: 'hello' })),
    ).resolves.toMatchObject({ MessageId: expect.any(String) });
    await expect(
      (await as(`${name}-out`)).send(new PublishCommand({ TopicArn: topicArn, Message: 'hello' })),
    ).rejects.toThrow();
    const refused = await consumeDenials();
    expect(refused.map((d) => `${d.action} ${d.resource}`)).toEqual([`sns:Publish ${topicArn}`]);
  }, 60_000);
});
