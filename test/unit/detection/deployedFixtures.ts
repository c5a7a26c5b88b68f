import type { CloudTrailRecord } from '../../../lib/detection/record.js';
import type { Finding } from '../../../lib/detection/types.js';

/** Shared test data for the deployed-path unit tests (realistic, redacted identifiers). */
export const ACCOUNT = '123456789012';
export const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/PlatformAdmin`;

/** An UpdateGateway that removes JWT auth, as CloudTrail logs it (name redacted as `***`). */
export function updateGatewayRecord(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID:alice',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/PlatformAdmin/alice`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLEKEY',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID',
          arn: ADMIN_ROLE,
          accountId: ACCOUNT,
          userName: 'PlatformAdmin',
        },
        attributes: { creationDate: '2026-11-20T09:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: '2026-11-20T10:15:00Z',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'UpdateGateway',
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.10',
    userAgent:
      'aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.1 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6',
    requestParameters: {
      gatewayIdentifier: 'gw-abc123',
      name: '***',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/gateway-exec-abc123`,
      protocolType: 'MCP',
      authorizerType: 'NONE',
    },
    responseElements: { gatewayId: 'gw-abc123', status: 'UPDATING' },
    requestID: '6f1c2f64-0000-4000-8000-000000000001',
    eventID: 'e0f9a6c1-0000-4000-8000-000000000001',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  } as CloudTrailRecord;
}

/** The EventBridge envelope CloudTrail events arrive in. */
export function envelope(
  detail: unknown,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: 'c1a2b3c4-0000-4000-8000-00000000000a',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.bedrock-agentcore',
    account: ACCOUNT,
    time: '2026-11-20T10:15:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: 1,
    findingId: 'f-0001',
    ruleId: 'gateway-auth-weakened',
    title: 'Gateway inbound authorization weakened',
    severity: 'critical',
    tactic: 'Defense Evasion',
    technique: 'T1556 Modify Authentication Process',
    summary: 'gateway gw-abc123 authorizer set to NONE',
    runbook: 'Restore CUSTOM_JWT on the gateway and review who changed it.',
    eventId: 'e0f9a6c1-0000-4000-8000-000000000001',
    eventName: 'UpdateGateway',
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventTime: '2026-11-20T10:15:00Z',
    awsRegion: 'us-east-1',
    accountId: ACCOUNT,
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/PlatformAdmin/alice`,
    principalType: 'AssumedRole',
    sourceIp: '203.0.113.10',
    userAgent: 'aws-cli/2.22.4',
    resource: 'gw-abc123',
    details: { authorizerType: 'NONE' },
    ...overrides,
  };
}

export const GATEWAY_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden/gw-abc123/apiKey/weather-Qw12Er`;

/** A developer reading a gatewarden secret: a credential-exposure finding. */
export function secretReadRecord(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return updateGatewayRecord({
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    eventID: 'e0f9a6c1-0000-4000-8000-000000000077',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID02:bob',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/bob`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/developer`,
          accountId: ACCOUNT,
          userName: 'developer',
        },
      },
    },
    requestParameters: { secretId: GATEWAY_SECRET_ARN, versionStage: 'AWSCURRENT' },
    responseElements: null,
    readOnly: true,
    ...overrides,
  });
}
