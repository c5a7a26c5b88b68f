/**
 * Resource policies moto's CloudFormation drops are taken from the deployed template: the
 * local stage's dead-letter queue policy (resources/dlq.yml) lets EventBridge deliver dead
 * letters only from the stage's own rules, and the stack's IAM evaluates it — against the
 * deployed stack, as the front does for every call (local/iam/templatePolicies.ts).
 */
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
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'Policy'] }),
  );
  queueArn = Attributes?.QueueArn ?? '';
  // The premise: moto applied no policy to the queue its CloudFormation made.
  expect(Attributes?.Policy).toBeUndefined();
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
