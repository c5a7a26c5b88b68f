import { credentialScope, describeAwsRequest } from '../../../local/standin/awsRequest.js';
import { signedRequest } from './support.js';

describe('describeAwsRequest', () => {
  it.each([
    ['the gateway host', 'gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com', 'InvokeGateway'],
    ['with a port', 'gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com:443', 'InvokeGateway'],
    [
      'another host',
      'gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com.evil.example',
      undefined,
    ],
  ])(
    'a signed POST to a gateway MCP endpoint (%s) is InvokeGateway on that gateway',
    (_, host, op) => {
      const base = signedRequest({
        service: 'bedrock-agentcore',
        path: '/mcp',
        body: { jsonrpc: '2.0' },
      });
      const headers = { ...base.headers, host };
      const request = describeAwsRequest({ ...base, headers });
      expect(request.operation).toBe(op);
      if (op !== undefined) expect(request.labels).toEqual({ gatewayIdentifier: 'gw-1' });
    },
  );

  it.each([
    [
      'a bearer JWT to a gateway host',
      'gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com',
      'Bearer a.b.c',
      undefined,
    ],
    [
      'a bearer JWT to another host',
      'secretsmanager.us-east-1.amazonaws.com',
      'Bearer a.b.c',
      /not one SigV4/,
    ],
    [
      'a bearer with a second header line',
      'gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com',
      'Bearer a.b.c, AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/x',
      /not one SigV4/,
    ],
  ])(
    '%s: the IAM gate reads it as no AWS signature only on a gateway host',
    (_, host, authorization, malformed) => {
      // Prepare: a CUSTOM_JWT gateway's MCP call carries a bearer token, no SigV4.
      const base = signedRequest({ service: 'bedrock-agentcore', path: '/mcp', body: {} });
      const headers = { ...base.headers, host, authorization };
      // Act
      const request = describeAwsRequest({ ...base, headers });
      // Assess: no service, no key (nothing for moto); elsewhere it stays a malformed signature.
      expect(request.service).toBeUndefined();
      expect(request.accessKeyId).toBeUndefined();
      if (malformed === undefined) expect(request.malformed).toBeUndefined();
      else expect(request.malformed).toMatch(malformed);
    },
  );

  it('reads service, region and access key from the SigV4 credential scope', () => {
    const request = signedRequest({
      service: 'secretsmanager',
      region: 'eu-west-1',
      accessKeyId: 'AKIA1',
      target: 'secretsmanager.GetSecretValue',
      body: { SecretId: 's' },
    });
    expect(request.aws).toMatchObject({
      service: 'secretsmanager',
      region: 'eu-west-1',
      accessKeyId: 'AKIA1',
      operation: 'GetSecretValue',
      params: { SecretId: 's' },
    });
  });

  it.each([
    [
      'JSON 1.1 target',
      { service: 'cloudtrail', target: 'CloudTrail_20131101.LookupEvents', body: {} },
      'LookupEvents',
    ],
    [
      'JSON 1.0 target',
      { service: 'dynamodb', target: 'DynamoDB_20120810.CreateTable', body: {} },
      'CreateTable',
    ],
    [
      'query protocol body',
      { service: 'iam', body: 'Action=CreateRole&RoleName=r&Version=2010-05-08' },
      'CreateRole',
    ],
    [
      'query protocol in the URL',
      { service: 'sts', method: 'GET', query: 'Action=GetCallerIdentity' },
      'GetCallerIdentity',
    ],
    [
      // Lambda's AddPermission has an `Action` member (the permission granted): it names no
      // operation of a REST JSON request.
      'REST JSON request with an Action member',
      {
        service: 'lambda',
        path: '/2015-03-31/functions/f/policy',
        body: { StatementId: 's', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' },
      },
      'AddPermission',
    ],
  ])('names the operation of a %s', (_kind, options, operation) => {
    expect(signedRequest(options).aws.operation).toBe(operation);
  });

  it('recognises unsigned Cognito calls by their target', () => {
    const raw = {
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: {
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: Buffer.from('{"ClientId":"c"}'),
    };
    expect(describeAwsRequest(raw)).toMatchObject({
      service: 'cognito-idp',
      operation: 'InitiateAuth',
      region: 'us-east-1',
    });
    expect(describeAwsRequest(raw).accessKeyId).toBeUndefined();
  });

  it('reads a presigned URL credential', () => {
    const query = new URLSearchParams({
      'X-Amz-Credential': 'AKIA2/20261128/us-west-2/s3/aws4_request',
    });
    expect(credentialScope({}, query)).toEqual({
      accessKeyId: 'AKIA2',
      region: 'us-west-2',
      service: 's3',
    });
  });

  it('survives a body that is not JSON', () => {
    const request = signedRequest({
      service: 'secretsmanager',
      target: 'secretsmanager.ListSecrets',
      body: '{oops',
      contentType: 'application/x-amz-json-1.1',
    });
    expect(request.aws.params).toEqual({});
    expect(request.aws.operation).toBe('ListSecrets');
  });
});
