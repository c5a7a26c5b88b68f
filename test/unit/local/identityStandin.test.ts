import { parseOAuth2Config } from '../../../local/standin/identity/oauthConfig.js';
import { page } from '../../../local/standin/identity/registry.js';
import { WorkloadTokens } from '../../../local/standin/identity/workloadTokens.js';
import { exportLines } from '../../../local/state.js';

const discovery = { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration' };

describe('OAuth2 provider configuration (vendor union)', () => {
  it('accepts a custom vendor with a MANAGED secret and keeps the secret out of the output', () => {
    const parsed = parseOAuth2Config('CustomOauth2', {
      customOauth2ProviderConfig: {
        oauthDiscovery: discovery,
        clientId: 'c',
        clientSecret: 's3cret',
      },
    });
    expect(parsed).toEqual({
      configKey: 'customOauth2ProviderConfig',
      configOutput: { oauthDiscovery: discovery, clientId: 'c' },
      clientId: 'c',
      clientSecret: 's3cret',
    });
  });

  it('accepts an EXTERNAL secret reference', () => {
    const parsed = parseOAuth2Config('CustomOauth2', {
      customOauth2ProviderConfig: {
        oauthDiscovery: discovery,
        clientId: 'c',
        clientSecretSource: 'EXTERNAL',
        clientSecretConfig: { secretId: 'arn:x', jsonKey: 'k' },
      },
    });
    expect(parsed.external).toEqual({ secretId: 'arn:x', jsonKey: 'k' });
    expect(parsed.clientSecret).toBeUndefined();
  });

  it('publishes endpoints for vendors with their own member, and for "included" vendors', () => {
    expect(
      parseOAuth2Config('GithubOauth2', {
        githubOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' },
      }).configOutput.oauthDiscovery,
    ).toMatchObject({
      authorizationServerMetadata: { tokenEndpoint: 'https://github.com/login/oauth/access_token' },
    });
    expect(
      parseOAuth2Config('OktaOauth2', {
        includedOauth2ProviderConfig: {
          clientId: 'c',
          clientSecret: 's',
          issuer: 'https://dev.okta.example/oauth2/default',
        },
      }).configOutput,
    ).toEqual({
      oauthDiscovery: {
        discoveryUrl: 'https://dev.okta.example/oauth2/default/.well-known/openid-configuration',
      },
      clientId: 'c',
    });
  });

  it.each([
    [
      'an unknown vendor',
      'NopeOauth2',
      {
        customOauth2ProviderConfig: { oauthDiscovery: discovery, clientId: 'c', clientSecret: 's' },
      },
    ],
    [
      'a member of another vendor',
      'GoogleOauth2',
      {
        customOauth2ProviderConfig: { oauthDiscovery: discovery, clientId: 'c', clientSecret: 's' },
      },
    ],
    [
      'an included vendor in a dedicated member',
      'OktaOauth2',
      { googleOauth2ProviderConfig: { clientId: 'c', clientSecret: 's' } },
    ],
    [
      'two members',
      'CustomOauth2',
      { customOauth2ProviderConfig: {}, googleOauth2ProviderConfig: {} },
    ],
    [
      'both discovery forms',
      'CustomOauth2',
      {
        customOauth2ProviderConfig: {
          oauthDiscovery: { ...discovery, authorizationServerMetadata: {} },
          clientId: 'c',
          clientSecret: 's',
        },
      },
    ],
    [
      'a secret and an EXTERNAL source',
      'CustomOauth2',
      {
        customOauth2ProviderConfig: {
          oauthDiscovery: discovery,
          clientId: 'c',
          clientSecret: 's',
          clientSecretSource: 'EXTERNAL',
          clientSecretConfig: { secretId: 'a', jsonKey: 'k' },
        },
      },
    ],
    [
      'an EXTERNAL source without jsonKey',
      'CustomOauth2',
      {
        customOauth2ProviderConfig: {
          oauthDiscovery: discovery,
          clientId: 'c',
          clientSecretSource: 'EXTERNAL',
          clientSecretConfig: { secretId: 'a' },
        },
      },
    ],
    [
      'a Google client without a secret',
      'GoogleOauth2',
      { googleOauth2ProviderConfig: { clientId: 'c' } },
    ],
  ])('rejects %s', (_case, vendor, config) => {
    expect(() => parseOAuth2Config(vendor, config)).toThrow(
      expect.objectContaining({ type: 'ValidationException' }),
    );
  });

  it('never echoes a secret in a validation message', () => {
    try {
      parseOAuth2Config('GoogleOauth2', {
        customOauth2ProviderConfig: {
          oauthDiscovery: discovery,
          clientId: 'c',
          clientSecret: 'canary-xyz',
        },
      });
    } catch (error) {
      expect((error as Error).message).not.toContain('canary-xyz');
    }
  });
});

describe('workload access tokens', () => {
  const tokens = new WorkloadTokens(Buffer.alloc(32, 7));
  const claims = { workloadName: 'gw1', accountId: '123456789012', region: 'us-east-1' };

  it('verifies a token it issued, for the same account and region', () => {
    expect(tokens.verify(tokens.issue(claims), '123456789012', 'us-east-1')).toMatchObject(claims);
  });

  it.each([
    [
      'a tampered payload',
      (token: string) => token.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}xx.`),
      '123456789012',
      'us-east-1',
    ],
    ['another account', (token: string) => token, '999999999999', 'us-east-1'],
    ['another region', (token: string) => token, '123456789012', 'eu-west-1'],
    [
      'a token of another key',
      () => new WorkloadTokens(Buffer.alloc(32, 8)).issue(claims),
      '123456789012',
      'us-east-1',
    ],
  ])('refuses %s', (_case, mutate, account, region) => {
    expect(() => tokens.verify(mutate(tokens.issue(claims)), account, region)).toThrow(
      expect.objectContaining({ type: 'AccessDeniedException' }),
    );
  });

  it('refuses an expired token', () => {
    const token = tokens.issue(claims, Date.now() - 2 * 60 * 60_000);
    expect(() => tokens.verify(token, '123456789012', 'us-east-1')).toThrow(/expired/);
  });
});

describe('list paging and export lines', () => {
  it('pages with an opaque token', () => {
    const first = page([1, 2, 3], 2, undefined);
    expect(first.items).toEqual([1, 2]);
    expect(page([1, 2, 3], 2, first.nextToken)).toEqual({ items: [3] });
    expect(() => page([1], 0, undefined)).toThrow(/maxResults/);
  });

  it('quotes export values for the shell', () => {
    expect(exportLines({ A: "it's", B: 'http://127.0.0.1:1' })).toBe(
      "export A='it'\\''s'\nexport B='http://127.0.0.1:1'",
    );
  });
});
