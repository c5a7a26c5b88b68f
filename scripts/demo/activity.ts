/**
 * CloudTrail for the demo: a few suspicious records seeded into the local stack's CloudTrail
 * (as an attacker or a careless admin would leave them), and an export of everything
 * `LookupEvents` returns — the demo's own API calls included — as an S3-style log file.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { clientConfig } from '../../lib/aws/clients.js';
import type { DemoGateway } from './provision.js';

const minutesAgo = (minutes: number): string =>
  new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function record(
  gw: DemoGateway,
  fields: {
    eventSource: string;
    eventName: string;
    identity: Record<string, unknown>;
    sourceIPAddress: string;
    minutesAgo: number;
    requestParameters?: Record<string, unknown>;
    errorCode?: string;
    readOnly?: boolean;
  },
): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: fields.identity,
    eventTime: minutesAgo(fields.minutesAgo),
    eventSource: fields.eventSource,
    eventName: fields.eventName,
    awsRegion: gw.region,
    sourceIPAddress: fields.sourceIPAddress,
    userAgent: 'aws-cli/2.22.35 md/command#demo',
    requestParameters: fields.requestParameters ?? null,
    responseElements: null,
    ...(fields.errorCode ? { errorCode: fields.errorCode, errorMessage: 'not authorized' } : {}),
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: fields.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: gw.accountId,
    eventCategory: 'Management',
  };
}

/**
 * Seeds a week of the gateway's normal work (its execution role fetching credentials through
 * AgentCore, which the access report counts as use) and the suspicious activity the detection
 * step is expected to flag.
 */
export interface SeededScenario {
  /** eventIDs of the suspicious calls: findings on them are the scenario's, the rest set-up noise. */
  suspiciousEventIds: Set<string>;
  /** Who made them, for the demo's output. */
  actors: string[];
}

/**
 * Seeds the scenario. `since` is when the demo created its gateway: the suspicious calls are
 * dated between then and now, so none predates the gateway it is about; the week of routine
 * before it is replayed history (baselines need one), and the demo says so.
 */
export async function seedActivity(
  gw: DemoGateway,
  secretArn: string,
  since: number = Date.now() - 60_000,
): Promise<SeededScenario> {
  // Minutes ago of a moment `share` of the way from the gateway's creation to now.
  const afterCreation = (share: number): number => ((Date.now() - since) * (1 - share)) / 60_000;
  const gatewaySession = {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEGATEWAY:${gw.gatewayId}`,
    arn: `arn:aws:sts::${gw.accountId}:assumed-role/${gw.roleName}/${gw.gatewayId}`,
    accountId: gw.accountId,
    accessKeyId: 'ASIAEXAMPLEGATEWAY01',
    invokedBy: 'bedrock-agentcore.amazonaws.com',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEGATEWAY',
        arn: gw.roleArn,
        accountId: gw.accountId,
        userName: gw.roleName,
      },
      attributes: { creationDate: minutesAgo(60), mfaAuthenticated: 'false' },
    },
  };
  const routine = [1, 2, 3, 4, 5, 6, 7].flatMap((day) =>
    [
      ['GetWorkloadAccessToken', { workloadName: gw.workloadIdentity }],
      ['GetResourceApiKey', { resourceCredentialProviderName: gw.apiKeyProvider.name }],
      ['GetResourceOauth2Token', { resourceCredentialProviderName: gw.oauthProvider.name }],
    ].map(([eventName, requestParameters]) =>
      record(gw, {
        eventSource: 'bedrock-agentcore.amazonaws.com',
        eventName: eventName as string,
        identity: gatewaySession,
        sourceIPAddress: 'bedrock-agentcore.amazonaws.com',
        minutesAgo: day * 24 * 60,
        readOnly: true,
        requestParameters: requestParameters as Record<string, unknown>,
      }),
    ),
  );
  const contractor = {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLECONTRACTOR',
    arn: `arn:aws:iam::${gw.accountId}:user/contractor-dev`,
    accountId: gw.accountId,
    accessKeyId: 'AKIAEXAMPLECONTRACT1',
    userName: 'contractor-dev',
  };
  const batchJob = {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEANALYTICS:nightly',
    arn: `arn:aws:sts::${gw.accountId}:assumed-role/analytics-batch/nightly`,
    accountId: gw.accountId,
    accessKeyId: 'ASIAEXAMPLEANALYTIC1',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEANALYTICS',
        arn: `arn:aws:iam::${gw.accountId}:role/analytics-batch`,
        accountId: gw.accountId,
        userName: 'analytics-batch',
      },
      attributes: { creationDate: minutesAgo(30), mfaAuthenticated: 'false' },
    },
  };
  const suspicious = [
    record(gw, {
      eventSource: 'bedrock-agentcore.amazonaws.com',
      eventName: 'UpdateGateway',
      identity: contractor,
      sourceIPAddress: '198.51.100.77',
      minutesAgo: afterCreation(0.5),
      requestParameters: {
        gatewayIdentifier: gw.gatewayId,
        name: '***',
        roleArn: gw.roleArn,
        protocolType: 'MCP',
        authorizerType: 'NONE',
      },
    }),
    record(gw, {
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'GetSecretValue',
      identity: batchJob,
      sourceIPAddress: '10.20.30.40',
      minutesAgo: afterCreation(0.65),
      readOnly: true,
      requestParameters: { secretId: secretArn },
    }),
    record(gw, {
      eventSource: 'iam.amazonaws.com',
      eventName: 'UpdateAssumeRolePolicy',
      identity: contractor,
      sourceIPAddress: '198.51.100.77',
      minutesAgo: afterCreation(0.8),
      requestParameters: {
        roleName: gw.roleName,
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::999988887777:root' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      },
    }),
    record(gw, {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      identity: contractor,
      sourceIPAddress: '198.51.100.77',
      minutesAgo: afterCreation(0.95),
      requestParameters: {
        name: `arn:aws:cloudtrail:${gw.region}:${gw.accountId}:trail/management`,
      },
    }),
  ];
  const records = [...routine, ...suspicious];
  const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
  const response = await fetch(`${endpoint}/_gatewarden/cloudtrail/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Records: records }),
  });
  if (!response.ok) throw new Error(`seeding CloudTrail failed with HTTP ${response.status}`);
  return {
    suspiciousEventIds: new Set(suspicious.map((r) => String(r.eventID))),
    actors: [contractor.arn, batchJob.arn],
  };
}

/**
 * Writes every record LookupEvents returns to `file` as `{"Records":[…]}`, with `dataEvents`
 * (which event history never returns: a trail delivers them to its log files only) merged in
 * time order, as the trail's log files hold both; returns the count.
 */
export async function exportCloudTrail(
  file: string,
  dataEvents: readonly Record<string, unknown>[] = [],
): Promise<number> {
  const cloudtrail = new CloudTrailClient(clientConfig());
  const records: unknown[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudtrail.send(
      new LookupEventsCommand({ MaxResults: 50, ...(NextToken ? { NextToken } : {}) }),
    );
    for (const event of page.Events ?? []) {
      if (event.CloudTrailEvent) records.push(JSON.parse(event.CloudTrailEvent));
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const all = [...records.reverse(), ...dataEvents].sort((a, b) =>
    String((a as { eventTime?: string }).eventTime).localeCompare(
      String((b as { eventTime?: string }).eventTime),
    ),
  );
  writeFileSync(file, JSON.stringify({ Records: all }));
  return all.length;
}
