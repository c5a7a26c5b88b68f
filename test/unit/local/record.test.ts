import { cloudTrailRecordSchema } from '../../../lib/detection/record.js';
import { shapeRecord, type RecordInput } from '../../../local/standin/cloudtrail/record.js';
import { signedRequest } from './support.js';

const identity = {
  type: 'IAMUser' as const,
  userName: 'alice',
  accountId: '123456789012',
  accessKeyId: 'AKIDEXAMPLE',
};

function input(overrides: Partial<RecordInput> & Pick<RecordInput, 'request'>): RecordInput {
  return {
    status: 200,
    responseHeaders: {},
    responseBody: Buffer.from('{}'),
    userIdentity: identity,
    accountId: '123456789012',
    ...overrides,
  };
}

describe('CloudTrail record shaping', () => {
  it('keeps identifiers and drops secret values and bodies', () => {
    const request = signedRequest({
      service: 'secretsmanager',
      target: 'secretsmanager.PutSecretValue',
      body: {
        SecretId: 'gatewarden/gw/apiKey/x',
        SecretString: 'canary-value',
        ClientRequestToken: 'tok-1',
        VersionStages: ['AWSPENDING'],
      },
    });
    const record = shapeRecord(
      input({
        request,
        responseBody: Buffer.from(
          '{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:x","VersionId":"v1"}',
        ),
      }),
    );
    expect(record?.requestParameters).toEqual({
      secretId: 'gatewarden/gw/apiKey/x',
      clientRequestToken: 'tok-1',
    });
    expect(record?.responseElements).toEqual({
      arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
      versionId: 'v1',
    });
    expect(JSON.stringify(record)).not.toContain('canary-value');
  });

  it('records tags as CloudTrail does, but a Value outside a tag list never', () => {
    const request = signedRequest({
      service: 'ssm',
      target: 'AmazonSSM.PutParameter',
      body: {
        Name: '/app/db',
        Value: 'canary-param',
        Type: 'SecureString',
        Tags: [{ Key: 'team', Value: 'payments' }],
      },
    });
    const record = shapeRecord(input({ request }));
    expect(record?.requestParameters).toEqual({
      name: '/app/db',
      tags: [{ key: 'team', value: 'payments' }],
    });
    expect(JSON.stringify(record)).not.toContain('canary-param');
  });

  it('rebuilds query-protocol lists and keeps policy documents whole', () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 30 }, (_, i) => ({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${String(i).padStart(12, '0')}:root` },
        Action: 'sts:AssumeRole',
      })),
    });
    const body = new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'r',
      AssumeRolePolicyDocument: policy,
      'Tags.member.1.Key': 'a',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'b',
      'Tags.member.2.Value': '2',
      MaxSessionDuration: '7200',
    }).toString();
    const record = shapeRecord(input({ request: signedRequest({ service: 'iam', body }) }));
    expect(policy.length).toBeGreaterThan(512);
    expect(record?.requestParameters).toEqual({
      roleName: 'r',
      assumeRolePolicyDocument: policy,
      tags: [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ],
      maxSessionDuration: 7200,
    });
  });

  it('takes no prototype path or huge list index from a query parameter name', () => {
    const body =
      'Action=CreateRole&Version=2010-05-08&RoleName=r&__proto__.polluted=1&constructor.prototype.polluted=1&Tags.__proto__.polluted=1&Tags.member.999999999.Key=k';
    const record = shapeRecord(input({ request: signedRequest({ service: 'iam', body }) }));
    expect(record?.requestParameters).toEqual({ roleName: 'r' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['apiKey', { name: 'p', apiKey: 'canary-1' }],
    [
      'clientSecret',
      {
        name: 'p',
        credentialProviderVendor: 'CustomOauth2',
        oauth2ProviderConfigInput: {
          customOauth2ProviderConfig: { clientId: 'c', clientSecret: 'canary-1' },
        },
      },
    ],
  ])('never records %s of a credential provider', (_field, body) => {
    const request = signedRequest({
      service: 'bedrock-agentcore',
      path: '/identities/CreateApiKeyCredentialProvider',
      body,
    });
    const record = shapeRecord(input({ request }));
    expect(record?.requestParameters).toEqual({
      name: 'p',
      ...('credentialProviderVendor' in body ? { credentialProviderVendor: 'CustomOauth2' } : {}),
    });
    expect(JSON.stringify(record)).not.toContain('canary-1');
  });

  it('writes gateway names as *** like AgentCore does, and keeps the gateway id', () => {
    const request = signedRequest({
      service: 'bedrock-agentcore',
      method: 'PUT',
      path: '/gateways/gw-123/',
      body: {
        name: 'payments',
        authorizerType: 'NONE',
        roleArn: 'arn:aws:iam::123456789012:role/r',
      },
    });
    const record = shapeRecord(input({ request, status: 202 }));
    expect(record).toMatchObject({
      eventName: 'UpdateGateway',
      eventSource: 'bedrock-agentcore.amazonaws.com',
      requestParameters: { name: '***', authorizerType: 'NONE', gatewayIdentifier: 'gw-123' },
      readOnly: false,
    });
    expect(record?.resources).toEqual([
      {
        ARN: 'arn:aws:iam::123456789012:role/r',
        accountId: '123456789012',
        type: 'AWS::IAM::Role',
      },
    ]);
  });

  it('produces records the detection engine accepts', () => {
    const request = signedRequest({
      service: 'iam',
      body: 'Action=DeleteRolePolicy&RoleName=gw-role&PolicyName=p&Version=2010-05-08',
    });
    const record = shapeRecord(input({ request }));
    expect(cloudTrailRecordSchema.parse(record)).toMatchObject({
      eventName: 'DeleteRolePolicy',
      eventTime: '2026-11-28T10:00:00Z',
      requestParameters: { roleName: 'gw-role', policyName: 'p' },
    });
  });

  it.each([
    [
      'an x-amzn-errortype header',
      { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal' },
      '{"message":"not here"}',
      'ResourceNotFoundException',
      'not here',
    ],
    [
      'a JSON __type',
      {},
      '{"__type":"com.amazonaws#AccessDeniedException","Message":"denied"}',
      'AccessDeniedException',
      'denied',
    ],
    [
      'an XML error',
      {},
      '<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>role x</Message></Error></ErrorResponse>',
      'NoSuchEntity',
      'role x',
    ],
  ])('reads the error code from %s', (_kind, responseHeaders, body, errorCode, errorMessage) => {
    const request = signedRequest({
      service: 'secretsmanager',
      target: 'secretsmanager.DescribeSecret',
      body: { SecretId: 's' },
    });
    const record = shapeRecord(
      input({ request, status: 400, responseHeaders, responseBody: Buffer.from(body) }),
    );
    expect(record).toMatchObject({ errorCode, errorMessage, readOnly: true });
    expect(record?.responseElements).toBeNull();
  });

  it.each([
    ['s3', 'PUT', '/bucket/key', 'x-id=PutObject'],
    ['dynamodb', 'POST', '/', ''],
  ])('leaves %s data events out, as LookupEvents does', (service, method, path, query) => {
    const request =
      service === 'dynamodb'
        ? signedRequest({ service, target: 'DynamoDB_20120810.PutItem', body: {} })
        : signedRequest({ service, method, path, query });
    expect(shapeRecord(input({ request }))).toBeUndefined();
  });

  it('masks tokens that slip into identifier fields', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const request = signedRequest({
      service: 'secretsmanager',
      target: 'secretsmanager.DescribeSecret',
      body: { SecretId: jwt },
    });
    expect(JSON.stringify(shapeRecord(input({ request })))).not.toContain(jwt);
  });
});
