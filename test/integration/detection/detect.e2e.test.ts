import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { defaultDeps, makeHandler, type DetectResult } from '../../../functions/detect.js';
import { createQueue, ruleToQueue, subscribeQueue } from '../../support/queues.js';
import { putServiceEvents } from '../../support/serviceEvents.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { deployedDetectPattern, drain, requireLocalStack, sqsEventOf } from './stack.js';

/**
 * The deployed detection path end to end on the local stack, real SDK throughout:
 * CloudTrail-shaped event → bus → rule (the deployed pattern) → SQS → detect handler (production
 * wiring: DynamoDB state, SNS, findings bus, SQS dead letters) → SNS topic → SQS subscription,
 * and findings bus → rule → SQS. Every resource has a unique name; nothing is reset.
 */

const ACCOUNT = '123456789012';
const context = {} as Context;

/** UpdateGateway switching inbound auth off, as CloudTrail records it (name redacted `***`). */
function updateGatewayDetail(eventId: string, gatewayId: string): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID00001:mallory',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ops-automation/mallory`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID00001',
          arn: `arn:aws:iam::${ACCOUNT}:role/ops-automation`,
          accountId: ACCOUNT,
          userName: 'ops-automation',
        },
        attributes: { creationDate: '2026-11-20T09:58:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'UpdateGateway',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.77',
    userAgent: 'Boto3/1.35.60 md/Botocore#1.35.60 ua/2.0 os/linux#6.8 lang/python#3.12.7',
    requestParameters: {
      gatewayIdentifier: gatewayId,
      name: '***',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/gateway-exec-${gatewayId}`,
      protocolType: 'MCP',
      authorizerType: 'NONE',
    },
    responseElements: { gatewayId, status: 'UPDATING', authorizerType: 'NONE' },
    requestID: `req-${eventId}`,
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
}

/** SNS → SQS notifications carry the message attributes in the JSON envelope. */
interface SnsNotification {
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe('detect end to end on the local stack', () => {
  const events = new EventBridgeClient(testClientConfig());
  const sns = new SNSClient(testClientConfig());
  const sqs = new SQSClient(testClientConfig());
  const dynamo = new DynamoDBClient(testClientConfig());
  const secrets = new SecretsManagerClient(testClientConfig());
  const names = {
    sourceBus: uniqueName('gw-cloudtrail-bus'),
    findingsBus: uniqueName('gw-findings-bus'),
    detectRule: uniqueName('gw-detect'),
    secretReadsRule: uniqueName('gw-detect-secretreads'),
    secretsRule: uniqueName('gw-detect-secrets'),
    findingsRule: uniqueName('gw-findings'),
  };
  const createdSecrets: string[] = [];
  const queues: Record<'inbound' | 'alerts' | 'findings' | 'dlq', { url: string; arn: string }> =
    {} as never;
  let topicArn = '';
  let tableName = '';
  let env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    requireLocalStack();
    queues.inbound = await createQueue(sqs, uniqueName('gw-detect-in'));
    queues.alerts = await createQueue(sqs, uniqueName('gw-alerts-sub'));
    queues.findings = await createQueue(sqs, uniqueName('gw-findings'));
    queues.dlq = await createQueue(sqs, uniqueName('gw-detect-dlq'));
    tableName = await createStateTable(dynamo);
    topicArn =
      (await sns.send(new CreateTopicCommand({ Name: uniqueName('gw-alerts') }))).TopicArn ?? '';
    await subscribeQueue(sns, sqs, topicArn, queues.alerts);
    // Stands in for the default bus CloudTrail delivers to, with the deployed detect pattern.
    await events.send(new CreateEventBusCommand({ Name: names.sourceBus }));
    await ruleToQueue(events, {
      sqs,
      rule: names.detectRule,
      bus: names.sourceBus,
      pattern: deployedDetectPattern('agentcore'),
      queueArn: queues.inbound.arn,
      targetId: 'detect-queue',
    });
    await ruleToQueue(events, {
      sqs,
      rule: names.secretReadsRule,
      bus: names.sourceBus,
      pattern: deployedDetectPattern('secretReads'),
      queueArn: queues.inbound.arn,
      targetId: 'detect-queue',
    });
    await ruleToQueue(events, {
      sqs,
      rule: names.secretsRule,
      bus: names.sourceBus,
      pattern: deployedDetectPattern('secrets'),
      queueArn: queues.inbound.arn,
      targetId: 'detect-queue',
    });
    // The gatewarden findings bus, with a consumer rule as a SIEM would have.
    await events.send(new CreateEventBusCommand({ Name: names.findingsBus }));
    await ruleToQueue(events, {
      sqs,
      rule: names.findingsRule,
      bus: names.findingsBus,
      pattern: { source: ['gatewarden'], 'detail-type': ['Gateway Finding'] },
      queueArn: queues.findings.arn,
      targetId: 'findings-queue',
    });
    env = {
      ...process.env,
      GATEWARDEN_STATE_TABLE: tableName,
      GATEWARDEN_ALERT_TOPIC_ARN: topicArn,
      GATEWARDEN_EVENT_BUS_NAME: names.findingsBus,
      GATEWARDEN_DLQ_URL: queues.dlq.url,
      GATEWARDEN_DETECTION_CONFIG: '{}',
      GATEWARDEN_CHAT_WEBHOOK_SECRET_ID: '',
    };
  });

  afterAll(async () => {
    for (const [rule, bus, target] of [
      [names.detectRule, names.sourceBus, 'detect-queue'],
      [names.secretReadsRule, names.sourceBus, 'detect-queue'],
      [names.secretsRule, names.sourceBus, 'detect-queue'],
      [names.findingsRule, names.findingsBus, 'findings-queue'],
    ] as const) {
      await events
        .send(new RemoveTargetsCommand({ Rule: rule, EventBusName: bus, Ids: [target] }))
        .catch(() => undefined);
      await events
        .send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }))
        .catch(() => undefined);
    }
    for (const bus of [names.sourceBus, names.findingsBus]) {
      await events.send(new DeleteEventBusCommand({ Name: bus })).catch(() => undefined);
    }
    for (const secretId of createdSecrets) {
      await secrets
        .send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }))
        .catch(() => undefined);
    }
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => undefined);
    for (const queue of Object.values(queues)) {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url })).catch(() => undefined);
    }
    await deleteTable(dynamo, tableName);
    for (const client of [events, sns, sqs, dynamo, secrets]) client.destroy();
  });

  /** Puts CloudTrail-shaped events on the source bus and returns what the rule delivered. */
  async function routeThroughBus(
    details: Record<string, unknown>[],
    source = 'aws.bedrock-agentcore',
    detailType = 'AWS API Call via CloudTrail',
  ): Promise<Message[]> {
    // As the AWS service does: no PutEvents caller may use an aws. source.
    const result = await putServiceEvents(
      details.map((detail) => ({
        EventBusName: names.sourceBus,
        Source: source,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
      })),
    );
    expect(result.FailedEntryCount ?? 0).toBe(0);
    return drain(sqs, queues.inbound.url, details.length);
  }

  it('alerts on SNS (with filterable attributes) and on the findings bus, once per event', async () => {
    // Prepare: a weakened gateway arrives through the deployed routing
    const detail = updateGatewayDetail(uniqueName('evt'), uniqueName('gw'));
    const delivered = await routeThroughBus([detail]);
    expect(delivered).toHaveLength(1);
    const handler = makeHandler(() => defaultDeps(env));

    // Act
    const result = (await handler(
      sqsEventOf(delivered, queues.inbound.arn),
      context,
    )) as DetectResult;
    const alerts = await drain(sqs, queues.alerts.url, 2);
    const findings = await drain(sqs, queues.findings.url, 2);

    // Assess: SNS
    expect(result).toEqual({ batchItemFailures: [] });
    const notifications = alerts.map((m) => JSON.parse(m.Body ?? '{}') as SnsNotification);
    const weakened = notifications.find(
      (n) => n.MessageAttributes?.ruleId?.Value === 'gateway-auth-weakened',
    );
    expect(weakened).toBeDefined();
    expect(weakened?.MessageAttributes?.severity?.Value).toBe('critical');
    expect(weakened?.MessageAttributes?.tactic?.Value).toBe('Defense Evasion');
    expect(weakened?.Subject).toContain(
      '[gatewarden CRITICAL] Gateway inbound authorization weakened',
    );
    expect(weakened?.Message).toContain('198.51.100.77');
    expect(weakened?.Message).toContain(String(detail.eventID));
    expect(weakened?.Message).toContain('Runbook:');
    // Assess: findings bus
    const onBus = findings.map(
      (m) =>
        JSON.parse(m.Body ?? '{}') as {
          source: string;
          'detail-type': string;
          detail: Record<string, unknown>;
        },
    );
    const busFinding = onBus.find((e) => e.detail.ruleId === 'gateway-auth-weakened');
    expect(busFinding).toMatchObject({
      source: 'gatewarden',
      'detail-type': 'Gateway Finding',
      detail: {
        schemaVersion: 1,
        severity: 'critical',
        eventId: detail.eventID,
        eventName: 'UpdateGateway',
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/ops-automation/mallory`,
        sourceIp: '198.51.100.77',
        resource: (detail.requestParameters as Record<string, string>).gatewayIdentifier,
      },
    });
    expect(onBus).toHaveLength(notifications.length);

    // Act again: the same event delivered twice (EventBridge is at-least-once)
    const again = await handler(sqsEventOf(delivered, queues.inbound.arn), context);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(await drain(sqs, queues.alerts.url, 0, 2_500)).toHaveLength(0);
    expect(await drain(sqs, queues.findings.url, 0, 500)).toHaveLength(0);
  });

  it('alerts once when concurrent invocations see the same event', async () => {
    const detail = updateGatewayDetail(uniqueName('evt'), uniqueName('gw'));
    const delivered = await routeThroughBus([detail]);
    // Five cold containers: separate handlers, separate clients, one table.
    const handlers = Array.from({ length: 5 }, () => makeHandler(() => defaultDeps(env)));
    const results = await Promise.all(
      handlers.map((h) => h(sqsEventOf(delivered, queues.inbound.arn), context)),
    );
    const alerts = await drain(sqs, queues.alerts.url, 10, 4_000);
    const ruleIds = alerts.map(
      (m) => (JSON.parse(m.Body ?? '{}') as SnsNotification).MessageAttributes?.ruleId?.Value,
    );
    expect(results.every((r) => JSON.stringify(r) === '{"batchItemFailures":[]}')).toBe(true);
    expect(ruleIds.filter((id) => id === 'gateway-auth-weakened')).toHaveLength(1);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    await drain(sqs, queues.findings.url, ruleIds.length, 2_000);
  });

  it('dead-letters a malformed event with its reason and still processes the good one', async () => {
    const good = updateGatewayDetail(uniqueName('evt'), uniqueName('gw'));
    const badId = uniqueName('evt');
    const bad = {
      ...updateGatewayDetail(badId, uniqueName('gw')),
      userIdentity: 'root',
    };
    const delivered = await routeThroughBus([bad, good]);
    expect(delivered).toHaveLength(2);
    const handler = makeHandler(() => defaultDeps(env));

    const result = await handler(sqsEventOf(delivered, queues.inbound.arn), context);
    const letters = await drain(sqs, queues.dlq.url, 1);
    const alerts = await drain(sqs, queues.alerts.url, 1);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.MessageAttributes?.reason?.StringValue).toContain('userIdentity');
    expect(letters[0]?.MessageAttributes?.source?.StringValue).toBe('detect');
    const letter = JSON.parse(letters[0]?.Body ?? '{}') as { detail: { eventID: string } };
    expect(letter.detail.eventID).toBe(badId);
    expect(alerts.length).toBeGreaterThan(0);
    await drain(sqs, queues.findings.url, alerts.length, 2_000);
  });

  it('dead-letters a malformed event invoked directly by EventBridge', async () => {
    const handler = makeHandler(() => defaultDeps(env));
    const event = {
      id: uniqueName('eb'),
      'detail-type': 'AWS API Call via CloudTrail',
      detail: 'x',
    };
    const result = await handler(event as never, context);
    const letters = await drain(sqs, queues.dlq.url, 1);
    expect(result).toMatchObject({ counts: { 'dead-lettered': 1 } });
    expect(JSON.parse(letters[0]?.Body ?? '{}')).toEqual(event);
  });

  it('auto-remediation: a gateway secret read by an unexpected principal starts its rotation', async () => {
    // Prepare: a gatewarden secret, and a developer reading it (routed by the deployed pattern)
    const gatewayId = uniqueName('gw');
    const created = await secrets.send(
      new CreateSecretCommand({
        Name: `gatewarden/${gatewayId}/apiKey/weather`,
        SecretString: JSON.stringify({ apiKey: 'canary-remediation-value' }),
      }),
    );
    const secretArn = created.ARN ?? '';
    createdSecrets.push(secretArn);
    const originalVersion = created.VersionId ?? '';
    const read = {
      ...updateGatewayDetail(uniqueName('evt'), gatewayId),
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'GetSecretValue',
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLEUSER00009',
        arn: `arn:aws:iam::${ACCOUNT}:user/contractor`,
        accountId: ACCOUNT,
        userName: 'contractor',
      },
      requestParameters: { secretId: secretArn, versionStage: 'AWSCURRENT' },
      responseElements: null,
      readOnly: true,
    };
    const delivered = await routeThroughBus([read], 'aws.secretsmanager');
    expect(delivered).toHaveLength(1);
    const handler = makeHandler(() => defaultDeps({ ...env, GATEWARDEN_AUTO_REMEDIATION: 'true' }));

    // Act
    const result = await handler(sqsEventOf(delivered, queues.inbound.arn), context);
    const alerts = await drain(sqs, queues.alerts.url, 1);
    const after = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));

    // Assess: alerted, and the secret moved to a new version through RotateSecret
    expect(result).toEqual({ batchItemFailures: [] });
    const notification = JSON.parse(alerts[0]?.Body ?? '{}') as SnsNotification;
    expect(notification.MessageAttributes?.ruleId?.Value).toBe(
      'secret-read-by-unexpected-principal',
    );
    expect(JSON.stringify(alerts)).not.toContain('canary-remediation-value');
    const current = Object.entries(after.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    );
    expect(current?.[0]).toMatch(/^remediate-/);
    expect(current?.[0]).not.toBe(originalVersion);
    await drain(sqs, queues.findings.url, alerts.length, 2_000);
  });

  it('alerts on a failed rotation (a Secrets Manager service event)', async () => {
    const sample = JSON.parse(readFileSync('events/detect.rotationFailed.json', 'utf8')) as {
      detail: Record<string, unknown>;
    };
    const detail = {
      ...sample.detail,
      eventID: uniqueName('evt'),
      eventTime: new Date().toISOString(),
    };
    const delivered = await routeThroughBus(
      [detail],
      'aws.secretsmanager',
      'AWS Service Event via CloudTrail',
    );
    expect(delivered).toHaveLength(1);

    const result = await makeHandler(() => defaultDeps(env))(
      sqsEventOf(delivered, queues.inbound.arn),
      context,
    );
    const alerts = await drain(sqs, queues.alerts.url, 1);

    expect(result).toEqual({ batchItemFailures: [] });
    const ruleIds = alerts.map(
      (m) => (JSON.parse(m.Body ?? '{}') as SnsNotification).MessageAttributes?.ruleId?.Value,
    );
    expect(ruleIds).toContain('secret-rotation-problem');
    await drain(sqs, queues.findings.url, alerts.length, 2_000);
  });
});
