import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDetectionState } from '../../../lib/aws/detectionState.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { DetectionEngine } from '../../../lib/detection/engine.js';
import { validateRecord, type CloudTrailRecord } from '../../../lib/detection/record.js';
import { allRules } from '../../../lib/detection/registry.js';
import { testClientConfig, uniqueName } from '../../support/localStack.js';
import { createStateTable, deleteTable } from '../../support/stateTable.js';
import { requireLocalStack } from './stack.js';

/**
 * Principal baselines kept in DynamoDB on the local stack, through the real engine: quiet while
 * learning, then first-time actions and new networks/clients alert — and the state survives a
 * cold start (a new engine and client on the same table).
 */
const ACCOUNT = '123456789012';
const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T09:00:00Z');
const BASELINE_RULES = [
  'first-time-gateway-action',
  'gateway-manager-new-source-ip',
  'gateway-manager-new-user-agent',
];

function gatewayCall(
  atMs: number,
  eventName: string,
  ip = '203.0.113.10',
  userAgent = 'aws-cli/2.22.4 md/awscrt#0.22.0 os/linux',
): CloudTrailRecord {
  const result = validateRecord({
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID00042:deploy',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/platform-deployer/deploy-${atMs}`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/platform-deployer`,
          accountId: ACCOUNT,
          userName: 'platform-deployer',
        },
      },
    },
    eventTime: new Date(atMs).toISOString(),
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userAgent,
    requestParameters: { gatewayIdentifier: 'gw-orders-01', name: '***' },
    responseElements: { gatewayId: 'gw-orders-01' },
    eventID: uniqueName('evt'),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

describe('principal baselines in DynamoDB', () => {
  const client = new DynamoDBClient(testClientConfig());
  let tableName = '';

  beforeAll(async () => {
    requireLocalStack();
    tableName = await createStateTable(client);
  });
  afterAll(async () => {
    await deleteTable(client, tableName);
    client.destroy();
  });

  /** A fresh engine on the table: what a new Lambda container would have. */
  function coldEngine(): DetectionEngine {
    return new DetectionEngine({
      config: parseDetectionConfig({ baseline: { learningDays: 7 } }),
      state: dynamoDetectionState({ tableName, client }),
      rules: allRules,
    });
  }

  async function baselineFindings(engine: DetectionEngine, record: CloudTrailRecord) {
    const result = await engine.evaluate(record);
    return result.findings.map((f) => f.ruleId).filter((id) => BASELINE_RULES.includes(id));
  }

  it('learns quietly, then flags a first-time action, a new source IP and a new client', async () => {
    // Prepare: a week and a half of routine updates from the usual network and tool
    const learning = coldEngine();
    const during: string[] = [];
    for (let day = 0; day <= 9; day++) {
      during.push(
        ...(await baselineFindings(learning, gatewayCall(T0 + day * DAY, 'UpdateGateway'))),
      );
    }
    // Novelty inside the learning period stays quiet too
    during.push(
      ...(await baselineFindings(
        learning,
        gatewayCall(T0 + 2 * DAY, 'UpdateGatewayTarget', '192.0.2.50', 'Boto3/1.35.0'),
      )),
    );

    // Act: after learning, on a cold container
    const engine = coldEngine();
    const routine = await baselineFindings(engine, gatewayCall(T0 + 10 * DAY, 'UpdateGateway'));
    const sameHabits = await baselineFindings(
      engine,
      gatewayCall(
        T0 + 10 * DAY + 60_000,
        'UpdateGateway',
        '203.0.113.10',
        'aws-cli/2.23.0 md/awscrt#0.23.1 os/linux',
      ),
    );
    const novel = await baselineFindings(
      engine,
      gatewayCall(T0 + 11 * DAY, 'DeleteGateway', '198.51.100.7', 'curl/8.5.0'),
    );

    // Assess
    expect(during).toEqual([]);
    expect(routine).toEqual([]);
    expect(sameHabits).toEqual([]);
    expect(novel.sort()).toEqual([...BASELINE_RULES].sort());
  });
});
