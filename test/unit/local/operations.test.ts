import {
  compileTemplate,
  matchRestOperation,
  restOperationsFor,
} from '../../../local/standin/operations.js';
import { signedRequest } from './support.js';

describe('REST operation names from the SDK schemas', () => {
  const table = [
    compileTemplate('ListThings', 'GET', '/things/'),
    compileTemplate('GetThing', 'GET', '/things/{id}/'),
    compileTemplate('GetThingPart', 'GET', '/things/{id}/parts/{part+}'),
    compileTemplate('GetThingPolicy', 'GET', '/things/{id}?policy'),
  ];

  it.each([
    ['GET', '/things', '', 'ListThings', {}],
    ['GET', '/things/a%20b/', '', 'GetThing', { id: 'a b' }],
    ['GET', '/things/t1/parts/x/y.json', '', 'GetThingPart', { id: 't1', part: 'x/y.json' }],
    ['GET', '/things/t1', 'policy', 'GetThingPolicy', { id: 't1' }],
  ])('%s %s?%s is %s', (method, path, query, name, labels) => {
    expect(matchRestOperation(table, method, path, new URLSearchParams(query))).toEqual({
      name,
      labels,
    });
  });

  it('answers undefined for an unknown method or path', () => {
    expect(
      matchRestOperation(table, 'DELETE', '/things/t1', new URLSearchParams()),
    ).toBeUndefined();
    expect(matchRestOperation(table, 'GET', '/other', new URLSearchParams())).toBeUndefined();
  });

  it('reads the AgentCore control and data plane tables out of the installed SDKs', () => {
    const agentcore = restOperationsFor('bedrock-agentcore');
    const names = new Set(agentcore.map((operation) => operation.name));
    for (const name of [
      'CreateGateway',
      'UpdateGatewayTarget',
      'CreateApiKeyCredentialProvider',
      'GetResourceApiKey',
      'GetWorkloadAccessToken',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each([
    ['bedrock-agentcore', 'POST', '/gateways/', '', 'CreateGateway'],
    ['bedrock-agentcore', 'GET', '/gateways/', '', 'ListGateways'],
    ['bedrock-agentcore', 'PUT', '/gateways/gw1/', '', 'UpdateGateway'],
    ['bedrock-agentcore', 'DELETE', '/gateways/gw1/targets/t1/', '', 'DeleteGatewayTarget'],
    ['bedrock-agentcore', 'POST', '/identities/api-key', '', 'GetResourceApiKey'],
    ['bedrock-agentcore', 'POST', '/identities/oauth2/token', '', 'GetResourceOauth2Token'],
    ['s3', 'PUT', '/bucket-1', '', 'CreateBucket'],
    ['s3', 'PUT', '/bucket-1/dir/key.json', 'x-id=PutObject', 'PutObject'],
    ['s3', 'GET', '/bucket-1', 'policy', 'GetBucketPolicy'],
    ['s3', 'PUT', '/bucket-1', 'publicAccessBlock', 'PutPublicAccessBlock'],
  ])('%s %s %s?%s is %s', (service, method, path, query, name) => {
    expect(signedRequest({ service, method, path, query }).aws.operation).toBe(name);
  });

  it('keeps path labels, and the bucket of path-style S3', () => {
    expect(
      signedRequest({
        service: 'bedrock-agentcore',
        method: 'GET',
        path: '/gateways/gw1/targets/t9/',
      }).aws.labels,
    ).toEqual({
      gatewayIdentifier: 'gw1',
      targetId: 't9',
    });
    expect(
      signedRequest({
        service: 's3',
        method: 'GET',
        path: '/reports/a/b.json',
        query: 'x-id=GetObject',
      }).aws.labels,
    ).toEqual({
      Bucket: 'reports',
      Key: 'a/b.json',
    });
  });
});
