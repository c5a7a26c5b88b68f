/**
 * An InvokeGateway data event in the shape AgentCore's developer guide documents, for the
 * demo (where the local stack has no gateway data plane: such records are marked as generated),
 * the benchmark and tests. Arguments are redacted, as AWS writes them.
 */
export interface SampleCall {
  gatewayArn: string;
  /** `<target>___<tool>`; absent for other methods. */
  tool?: string;
  method?: string;
  targetId?: string;
  /** JWT claims (OAuth gateways); absent with `iamArn` for AWS_IAM gateways. */
  claims?: Record<string, unknown>;
  iamArn?: string;
  time: string;
  statusCode?: number;
  /** A JSON-RPC error in the response body. */
  error?: { code: number; message: string };
  eventId?: string;
  /** Marks the record as made by gatewarden's demo, not by AWS. */
  generatedBy?: string;
}

export function sampleInvokeRecord(call: SampleCall): Record<string, unknown> {
  const [, , , region = 'us-east-1', account = '111122223333'] = call.gatewayArn.split(':');
  const method = call.method ?? 'tools/call';
  const anonymous = call.statusCode === 401;
  return {
    eventVersion: '1.11',
    userIdentity: anonymous
      ? { type: 'AWSAccount', principalId: '', accountId: 'anonymous' }
      : call.iamArn !== undefined
        ? { type: 'AssumedRole', arn: call.iamArn, accountId: account }
        : { type: 'AWSAccount', principalId: '', accountId: account },
    eventTime: call.time,
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'InvokeGateway',
    awsRegion: region,
    sourceIPAddress: '10.0.0.1',
    userAgent: 'python-httpx/0.28.1',
    requestParameters: {
      body: {
        jsonrpc: '2.0',
        id: 1,
        method,
        ...(method === 'tools/call'
          ? { params: { name: call.tool, arguments: 'HIDDEN_DUE_TO_SECURITY_REASONS' } }
          : {}),
      },
    },
    responseElements: {
      statusCode: call.statusCode ?? 200,
      contentType: 'application/json',
      body:
        call.error !== undefined
          ? { jsonrpc: '2.0', id: 1, error: call.error }
          : 'HIDDEN_DUE_TO_SECURITY_REASONS',
    },
    additionalEventData: {
      ...(call.targetId !== undefined ? { targetId: call.targetId } : {}),
      ...(call.claims !== undefined && !anonymous ? { jwt: { claims: call.claims } } : {}),
      downstreamRequestIds: [],
      ...(call.generatedBy !== undefined ? { generatedBy: call.generatedBy } : {}),
    },
    requestID: call.eventId ?? '00000000-0000-4000-8000-000000000000',
    eventID: call.eventId ?? '00000000-0000-4000-8000-000000000000',
    readOnly: false,
    resources: [
      { accountId: account, type: 'AWS::BedrockAgentCore::Gateway', ARN: call.gatewayArn },
    ],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: account,
    eventCategory: 'Data',
  };
}
