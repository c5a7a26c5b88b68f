/**
 * Record builders for the "who may read" tests (token vault, gateway secrets): a fixture
 * record re-issued as another role's session, and a gateway created with a given role.
 */
export const ACCOUNT = '111122223333';

/** `record` as made by a session of the role `roleArn` (its name is the ARN's last segment). */
export function asRole(
  record: Record<string, unknown>,
  roleArn: string,
  suffix: string,
): Record<string, unknown> {
  const name = roleArn.split('/').pop() ?? roleArn;
  return {
    ...record,
    eventID: `${String(record.eventID)}-${suffix}`,
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEROLE00001:session',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/session`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEROLE00001',
          arn: roleArn,
          accountId: ACCOUNT,
          userName: name,
        },
      },
    },
  };
}

/** A CreateGateway record (by an admin) whose execution role is `roleArn`. */
export function createGateway(roleArn: string, at: string, id = 'gw-billing-0001') {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEADMIN0001:alice',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/alice`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEADMIN0001',
          arn: `arn:aws:iam::${ACCOUNT}:role/admin`,
          accountId: ACCOUNT,
          userName: 'admin',
        },
      },
    },
    eventTime: at,
    eventSource: 'bedrock-agentcore.amazonaws.com',
    eventName: 'CreateGateway',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    requestParameters: {
      name: 'billing',
      roleArn,
      protocolType: 'MCP',
      authorizerType: 'CUSTOM_JWT',
    },
    responseElements: {
      gatewayId: id,
      gatewayArn: `arn:aws:bedrock-agentcore:us-east-1:${ACCOUNT}:gateway/${id}`,
      roleArn,
    },
    eventID: `create-${id}-${at}`,
    eventType: 'AwsApiCall',
    recipientAccountId: ACCOUNT,
  };
}

/** An UpdateGateway record (a full replace: the request names the whole gateway) to `roleArn`. */
export function updateGateway(roleArn: string, at: string, id = 'gw-billing-0001') {
  const created = createGateway(roleArn, at, id);
  return {
    ...created,
    eventName: 'UpdateGateway',
    requestParameters: { ...created.requestParameters, gatewayIdentifier: id },
    eventID: `update-${id}-${at}`,
  };
}

/** A DeleteGateway record of gateway `id`. */
export function deleteGateway(at: string, id = 'gw-billing-0001') {
  const created = createGateway('arn:aws:iam::111122223333:role/unused', at, id);
  return {
    ...created,
    eventName: 'DeleteGateway',
    requestParameters: { gatewayIdentifier: id },
    responseElements: { gatewayId: id, status: 'DELETING' },
    eventID: `delete-${id}-${at}`,
  };
}
