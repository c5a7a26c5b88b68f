import { standinRoutes } from '../../../local/standin/index.js';
import type { FrontRequest } from '../../../local/standin/context.js';
import { signedRequest } from './support.js';

const routeOf = (request: FrontRequest): string =>
  standinRoutes().find((route) => route.matches(request))?.name ?? 'moto';

describe('front routing', () => {
  it.each([
    [
      {
        service: 'bedrock-agentcore',
        path: '/identities/CreateApiKeyCredentialProvider',
        body: {},
      },
      'agentcore-identity:control',
    ],
    [
      { service: 'bedrock-agentcore', path: '/identities/ListOauth2CredentialProviders', body: {} },
      'agentcore-identity:control',
    ],
    [
      { service: 'bedrock-agentcore', path: '/identities/set-token-vault-cmk', body: {} },
      'agentcore-identity:control',
    ],
    [
      { service: 'bedrock-agentcore', path: '/identities/GetWorkloadAccessToken', body: {} },
      'agentcore-identity:data',
    ],
    [
      { service: 'bedrock-agentcore', path: '/identities/api-key', body: {} },
      'agentcore-identity:data',
    ],
    [
      { service: 'bedrock-agentcore', path: '/identities/oauth2/token', body: {} },
      'agentcore-identity:data',
    ],
    [{ service: 'bedrock-agentcore', path: '/gateways/', body: {} }, 'moto'],
    [{ service: 'bedrock-agentcore', method: 'GET', path: '/gateways/abc/' }, 'moto'],
    [
      { service: 'cloudtrail', target: 'CloudTrail_20131101.LookupEvents', body: {} },
      'cloudtrail:LookupEvents',
    ],
    [{ service: 'cloudtrail', target: 'CloudTrail_20131101.CreateTrail', body: {} }, 'moto'],
    [{ service: 'secretsmanager', target: 'secretsmanager.CreateSecret', body: {} }, 'moto'],
    [
      { service: 'none', path: '/_gatewarden/cloudtrail/events', body: [] },
      'admin:seed-cloudtrail',
    ],
  ])('%j goes to %s', (options, expected) => {
    expect(routeOf(signedRequest(options))).toBe(expected);
  });

  it('does not record its own admin calls in CloudTrail', () => {
    const admin = standinRoutes().filter((route) => route.name.startsWith('admin:'));
    expect(admin.length).toBeGreaterThan(0);
    expect(admin.every((route) => route.recordInCloudTrail === false)).toBe(true);
  });
});
