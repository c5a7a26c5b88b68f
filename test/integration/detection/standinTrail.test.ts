/**
 * Real IAM calls, made through the SDK on the local stack, reach detect as CloudTrail delivers
 * them: the stand-in records each call in CloudTrail's shape (`roleName`, `policyArn`,
 * `policyDocument`), puts it on the default bus in us-east-1, the deployed `iam` pattern routes
 * it to a queue, and the detect handler (production wiring) alerts with the rule that reads it.
 * No fixture: if the record's keys were the SDK's wire names (`RoleName`), no rule would fire.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { defaultDeps, makeHandler } from '../../../functions/detect.js';
import { createQueue, ruleToQueue, subscribeQueue, type TestQueue } from '../../support/queues.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { deployedDetectPattern, drain, requireLocalStack, sqsEventOf } from './stack.js';

/** IAM is a global service: CloudTrail delivers its events in us-east-1 only. */
const GLOBAL = { ...testClientConfig(), region: 'us-east-1' };
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const OTHER_ACCOUNT = '210987654321';

function trust(principal: Record<string, string>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  });
}

interface SnsNotification {
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe('real IAM calls on the local stack reach detect in CloudTrail shape', () => {
  const iam = new IAMClient(GLOBAL);
  const events = new EventBridgeClient(GLOBAL);
  const sqs = new SQSClient(GLOBAL);
  const sns = new SNSClient(GLOBAL);
  const dynamo = new DynamoDBClient(GLOBAL);
  const roleName = uniqueName('gw-trail-shape');
  const ruleName = uniqueName('gw-detect-iam');
  let inbound: TestQueue;
  let alerts: TestQueue;
  let dlq: TestQueue;
  let topicArn = '';
  let tableName = '';
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    requireLocalStack();
    inbound = await createQueue(sqs, uniqueName('gw-detect-in'));
    alerts = await createQueue(sqs, uniqueName('gw-alerts-sub'));
    dlq = await createQueue(sqs, uniqueName('gw-detect-dlq'));
    tableName = await createStateTable(dynamo);
    topicArn =
      (await sns.send(new CreateTopicCommand({ Name: uniqueName('gw-alerts') }))).TopicArn ?? '';
    await subscribeQueue(sns, sqs, topicArn, alerts);
    // The deployed pattern, narrowed to this test's role by the key CloudTrail uses.
    const pattern = deployedDetectPattern('iam') as { detail: Record<string, unknown> };
    await ruleToQueue(events, {
      sqs,
      rule: ruleName,
      pattern: {
        ...pattern,
        detail: { ...pattern.detail, requestParameters: { roleName: [roleName] } },
      },
      queueArn: inbound.arn,
    });
    env = {
      ...process.env,
      AWS_REGION: 'us-east-1',
      GATEWARDEN_STATE_TABLE: tableName,
      GATEWARDEN_ALERT_TOPIC_ARN: topicArn,
      // Findings go to the default bus, where the rule above does not match them.
      GATEWARDEN_EVENT_BUS_NAME: 'default',
      GATEWARDEN_DLQ_URL: dlq.url,
      GATEWARDEN_DETECTION_CONFIG: '{}',
      GATEWARDEN_CHAT_WEBHOOK_SECRET_ID: '',
    };
  });

  afterAll(async () => {
    await iam
      .send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: ADMIN }))
      .catch(() => undefined);
    await iam.send(new DeleteRoleCommand({ RoleName: roleName })).catch(() => undefined);
    await events
      .send(new RemoveTargetsCommand({ Rule: ruleName, Ids: ['queue'] }))
      .catch(() => undefined);
    await events.send(new DeleteRuleCommand({ Name: ruleName })).catch(() => undefined);
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => undefined);
    for (const queue of [inbound, alerts, dlq]) {
      if (queue) await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url })).catch(() => 0);
    }
    await deleteTable(dynamo, tableName);
    for (const client of [iam, events, sqs, sns, dynamo]) client.destroy();
  });

  it('alerts on AdministratorAccess attached and on a trust policy opened to another account', async () => {
    // Act: real calls through the front, as any caller would make them
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: ADMIN }));
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: roleName,
        PolicyDocument: trust({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }),
      }),
    );

    // Assess: the three records arrive through the default bus, in CloudTrail's shape
    const delivered: Message[] = await drain(sqs, inbound.url, 3, 15_000);
    const details = delivered.map(
      (m) => (JSON.parse(m.Body ?? '{}') as { detail: Record<string, unknown> }).detail,
    );
    expect(details.map((d) => d.eventName).sort()).toEqual([
      'AttachRolePolicy',
      'CreateRole',
      'UpdateAssumeRolePolicy',
    ]);
    const byName = (name: string) => details.find((d) => d.eventName === name);
    expect(byName('AttachRolePolicy')?.requestParameters).toEqual({
      roleName,
      policyArn: ADMIN,
    });
    expect(byName('CreateRole')?.requestParameters).toMatchObject({
      roleName,
      tags: [{ key: 'team', value: 'payments' }],
    });

    // Act: detect, as deployed, on what the rule delivered
    const handler = makeHandler(() => defaultDeps(env));
    const result = await handler(sqsEventOf(delivered, inbound.arn), {} as Context);
    expect(result).toEqual({ batchItemFailures: [] });

    // Assess: the rules that read roleName / policyArn / policyDocument fired
    const notifications = (await drain(sqs, alerts.url, 2, 10_000)).map(
      (m) => JSON.parse(m.Body ?? '{}') as SnsNotification,
    );
    const ruleIds = notifications.map((n) => n.MessageAttributes?.ruleId?.Value).sort();
    expect(ruleIds).toEqual(['iam-admin-policy-attached', 'iam-trust-policy-changed']);
    const admin = notifications.find(
      (n) => n.MessageAttributes?.ruleId?.Value === 'iam-admin-policy-attached',
    );
    expect(admin?.Message).toContain(`AdministratorAccess granted to ${roleName}`);
    const trustChanged = notifications.find(
      (n) => n.MessageAttributes?.ruleId?.Value === 'iam-trust-policy-changed',
    );
    expect(trustChanged?.Message).toContain(OTHER_ACCOUNT);
  });
});
