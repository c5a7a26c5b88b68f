/**
 * Resource policies moto's CloudFormation drops are taken from the deployed template: the
 * local stage's dead-letter queue policy (resources/dlq.yml) lets EventBridge deliver dead
 * letters only from the stage's own rules, and the stack's IAM evaluates it — against the
 * deployed stack, as the front does for every call (local/iam/templatePolicies.ts).
 */
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { IamEnforcer, serviceCaller } from '../../../local/iam/enforcer.js';
import { MotoPolicyStore } from '../../../local/iam/policies.js';
import { readState } from '../../../local/state.js';
import { localClient, localStack, localStackStateDir } from '../../support/localStack.js';

const ACCOUNT = '123456789012';
let enforcer: IamEnforcer;
let queueArn = '';

beforeAll(async () => {
  const state = readState(join(localStackStateDir(), 'local-stack.json'));
  if (!state) throw new Error('no local stack state');
  enforcer = new IamEnforcer(new MotoPolicyStore(state.motoUrl, () => ({})));
  const sqs = localClient(SQSClient);
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: 'gatewarden-local-dlq' }),
  );
  // The premise: moto applied no policy to the queue its CloudFormation made (asked directly).
  const moto = new SQSClient({
    endpoint: state.motoUrl,
    region: localStack().region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const { Attributes } = await moto.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'Policy'] }),
  );
  queueArn = Attributes?.QueueArn ?? '';
  expect(Attributes?.Policy).toBeUndefined();
});

describe('reads of those policies through the front answer the template’s, as AWS shows them', () => {
  const sids = (policy: string | undefined) =>
    (
      JSON.parse(policy ?? '{"Statement":[]}') as { Statement: Array<{ Sid?: string }> }
    ).Statement.map((statement) => statement.Sid);

  it('GetQueueAttributes names the dead-letter queue’s policy', async () => {
    const sqs = localClient(SQSClient);
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: 'gatewarden-local-dlq' }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(sids(Attributes?.Policy).length).toBeGreaterThan(0);
  });

  it('GetTopicAttributes names the alert topic’s policy instead of the default one', async () => {
    const { Attributes } = await localClient(SNSClient).send(
      new GetTopicAttributesCommand({
        TopicArn: `arn:aws:sns:${localStack().region}:${ACCOUNT}:gatewarden-local-alerts`,
      }),
    );
    expect(sids(Attributes?.Policy)).toContain('CloudWatchAlarmsPublish');
  });

  it('GetBucketPolicy names the report bucket’s policy', async () => {
    const { Policy } = await localClient(S3Client).send(
      new GetBucketPolicyCommand({ Bucket: 'gatewarden-local-reports' }),
    );
    expect(sids(Policy)).toContain('DenyInsecureTransport');
  });
});

const deliverFrom = (ruleName: string) =>
  enforcer.authorize(
    serviceCaller('events.amazonaws.com', {
      arn: `arn:aws:events:${localStack().region}:${ACCOUNT}:rule/${ruleName}`,
      account: ACCOUNT,
    }),
    { action: 'sqs:SendMessage', resource: queueArn, resourceAccount: ACCOUNT, context: {} },
  );

describe('resource policies from the deployed template', () => {
  it("lets EventBridge dead-letter from the stage's own rules into the DLQ", async () => {
    const decision = await deliverFrom('gatewarden-local-detect-secrets');
    expect(decision).toMatchObject({ allowed: true });
  });

  it('refuses a dead letter from a rule of someone else, naming the queue policy', async () => {
    const decision = await deliverFrom('someone-elses-rule');
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/resource-based policy|no .*policy allows/);
  });
});
