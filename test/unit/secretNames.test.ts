import { credentialSecretName, parseCredentialSecret } from '../../lib/shared/secretNames.js';

describe('gateway credential secret names', () => {
  it.each([
    ['gatewarden/gw-1/apiKey/weather', { gatewayId: 'gw-1', kind: 'apiKey', name: 'weather' }],
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-1/inboundClient/app-AbCdEf',
      { gatewayId: 'gw-1', kind: 'inboundClient', name: 'app-AbCdEf' },
    ],
    ['gatewarden-admin/gw-1/registration-token', undefined],
    ['gatewarden/gw-1/apiKey', undefined],
    ['gatewarden-settings/chat-webhook', undefined],
    ['bedrock-agentcore-identity!default/apikey/weather', undefined],
  ])('%s', (id, expected) => {
    expect(parseCredentialSecret(id)).toEqual(expected);
  });

  it('builds names that parse back, replacing characters Secrets Manager refuses', () => {
    const name = credentialSecretName('gw-1', 'oauthClient', 'crm client');
    expect(name).toBe('gatewarden/gw-1/oauthClient/crm-client');
    expect(parseCredentialSecret(name)).toEqual({
      gatewayId: 'gw-1',
      kind: 'oauthClient',
      name: 'crm-client',
    });
  });
});
