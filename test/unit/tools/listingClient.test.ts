import type { Binding } from '../../../lib/rotation/binding.js';
import type { GatewayEndpoint } from '../../../lib/tools/gatewayListing.js';
import {
  ListingClientTokenSource,
  type ListingClientPorts,
} from '../../../lib/tools/listingClient.js';

const SECRET = 'CANARY-client-secret-value';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:inbound-AbCdEf';

/** An IdP whose discovery document and token answer the case sets; every request recorded. */
function idp(options: {
  discoveryUrl: string;
  doc: Record<string, unknown>;
  tokenStatus?: number;
  tokenBody?: Record<string, unknown>;
}) {
  const requests: { url: string; body?: string; authorization?: string }[] = [];
  const fetchFn = (async (input: URL | string, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    requests.push({
      url,
      ...(init?.body !== undefined ? { body: String(init.body) } : {}),
      ...(headers.authorization ? { authorization: headers.authorization } : {}),
    });
    if (url === options.discoveryUrl) return Response.json(options.doc);
    return Response.json(options.tokenBody ?? { access_token: TOKEN, token_type: 'Bearer' }, {
      status: options.tokenStatus ?? 200,
    });
  }) as typeof fetch;
  return { fetchFn, requests };
}

function source(
  discoveryUrl: string,
  fetchFn: typeof fetch,
  binding: Partial<Binding['steering']> = {},
  value: Record<string, unknown> = { clientId: 'client-1', clientSecret: SECRET },
): ListingClientTokenSource {
  const doc = { issuer: '', jwksUri: '', discoveryTokenEndpoint: '', tokenEndpoint: '' };
  const ports: ListingClientPorts = {
    secretArn: () => Promise.resolve(ARN),
    currentValue: () => Promise.resolve(JSON.stringify(value)),
    binding: () =>
      Promise.resolve({
        secretArn: ARN,
        revision: 1,
        boundAt: '2026-12-01T00:00:00Z',
        steering: {
          kind: 'inboundClient',
          gatewayId: 'gw-1',
          clientId: 'client-1',
          destinations: { inbound: { ...doc, discoveryUrl } },
          ...binding,
        } as Binding['steering'],
      }),
    fetch: fetchFn,
  };
  return new ListingClientTokenSource('inbound', ports);
}

const gateway = (discoveryUrl: string, extra: Partial<GatewayEndpoint['jwtAuthorizer']> = {}) =>
  ({
    gatewayId: 'gw-1',
    gatewayArn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1',
    gatewayUrl: 'https://gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp',
    authorizerType: 'CUSTOM_JWT',
    jwtAuthorizer: { discoveryUrl, ...extra },
  }) satisfies GatewayEndpoint;

/** A binding that pins what the document says, as `register` does. */
function pinnedTo(discoveryUrl: string, doc: { issuer: string; token_endpoint: string }) {
  return {
    destinations: {
      inbound: {
        discoveryUrl,
        issuer: doc.issuer,
        jwksUri: `${doc.issuer}/jwks`,
        discoveryTokenEndpoint: doc.token_endpoint,
        tokenEndpoint: doc.token_endpoint,
      },
    },
  } as Partial<Binding['steering']>;
}

describe('ListingClientTokenSource', () => {
  it('Cognito: the token endpoint on the pool domain, scopes and audience from the authorizer', async () => {
    // Prepare
    const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool';
    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    const doc = {
      issuer,
      token_endpoint: 'https://pool.auth.us-east-1.amazoncognito.com/oauth2/token',
      jwks_uri: `${issuer}/.well-known/jwks.json`,
    };
    const { fetchFn, requests } = idp({ discoveryUrl, doc });
    // Act
    const token = await source(discoveryUrl, fetchFn, pinnedTo(discoveryUrl, doc)).token(
      gateway(discoveryUrl, { allowedScopes: ['a/read', 'a/list'], allowedAudience: ['api'] }),
    );
    // Assess
    expect(token).toBe(TOKEN);
    expect(requests.map((r) => r.url)).toEqual([discoveryUrl, doc.token_endpoint]);
    const form = new URLSearchParams(requests[1]?.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'a/read a/list',
      audience: 'api',
    });
    expect(requests[1]?.authorization).toBe(
      `Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`,
    );
  });

  const issuer = 'https://idp.example.com/realms/a';
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  const good = { issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` };

  it.each([
    [
      'a binding for another gateway',
      { binding: { gatewayId: 'gw-2' } },
      /registered for another gateway, not gw-1/,
    ],
    [
      'a binding of another kind',
      { binding: { kind: 'oauthClient' } },
      /not registered with gatewarden as an inbound client/,
    ],
    [
      'a secret value naming another client id',
      { value: { clientId: 'client-2', clientSecret: SECRET } },
      /names another client id/,
    ],
    [
      'a plain-http discovery URL off the loopback',
      { discoveryUrl: 'http://idp.example.com/.well-known/openid-configuration' },
      /discovery URL must use https/,
    ],
    [
      'a token endpoint on another host',
      { doc: { ...good, token_endpoint: 'https://evil.example.net/token' } },
      /not served by the issuer/,
    ],
    [
      'a plain-http token endpoint',
      { doc: { ...good, token_endpoint: 'http://idp.example.com/token' } },
      /token endpoint must use https/,
    ],
    [
      'an issuer that is not the discovery URL’s',
      { doc: { ...good, issuer: 'https://other.example.com' } },
      /issuer is not its discovery URL's issuer/,
    ],
    [
      'a token endpoint changed since registration',
      { doc: { ...good, token_endpoint: `${issuer}/token2` } },
      /changed since registration/,
    ],
    [
      'a token endpoint answering 401',
      { tokenStatus: 401, tokenBody: { error: 'invalid_client', error_description: SECRET } },
      /^listing client: the token endpoint answered HTTP 401$/,
    ],
    [
      'a token that is not a bearer b64token (header injection)',
      { tokenBody: { access_token: 'abc\r\nx-evil: 1', token_type: 'Bearer' } },
      /no usable access_token/,
    ],
  ] as const)('refuses %s, naming no secret', async (_name, change, reason) => {
    const url = 'discoveryUrl' in change ? change.discoveryUrl : discoveryUrl;
    const { fetchFn } = idp({
      discoveryUrl: url,
      doc: 'doc' in change ? change.doc : good,
      ...('tokenStatus' in change ? { tokenStatus: change.tokenStatus } : {}),
      ...('tokenBody' in change ? { tokenBody: change.tokenBody } : {}),
    });
    const binding = { ...pinnedTo(url, good), ...('binding' in change ? change.binding : {}) };
    const run = source(
      url,
      fetchFn,
      binding as Partial<Binding['steering']>,
      'value' in change ? change.value : undefined,
    ).token(gateway(url));
    await expect(run).rejects.toThrow(reason);
    const message = await run.catch((error: Error) => `${error.message} ${String(error.cause)}`);
    expect(message).not.toContain(SECRET);
  });
});
