/**
 * The local OpenID Connect provider: discovery, client_credentials JWTs, Dynamic Client
 * Registration and RFC 7592 management where an update issues a new client secret.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEFAULT_AUDIENCE, DEMO_CLIENTS, localStack } from '../../support/localStack.js';

interface Discovery {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  grant_types_supported: string[];
}

async function discovery(): Promise<Discovery> {
  return (await (
    await fetch(`${localStack().oidcIssuer}/.well-known/openid-configuration`)
  ).json()) as Discovery;
}

async function clientCredentials(
  clientId: string,
  secret: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  const { token_endpoint } = await discovery();
  return fetch(token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
  });
}

describe('local stack: OpenID Connect provider', () => {
  it('publishes discovery with client_credentials and registration', async () => {
    const document = await discovery();
    expect(document.issuer).toBe(localStack().oidcIssuer);
    expect(document.grant_types_supported).toContain('client_credentials');
    expect(document.registration_endpoint).toBe(`${localStack().oidcIssuer}/reg`);
  });

  it('issues JWT access tokens with audience, client_id and scope', async () => {
    const [client] = DEMO_CLIENTS;
    const response = await clientCredentials(client.client_id, client.client_secret, {
      scope: 'gateway:invoke',
    });
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    const { issuer, jwks_uri } = await discovery();
    const { payload } = await jwtVerify(body.access_token, createRemoteJWKSet(new URL(jwks_uri)), {
      issuer,
      audience: DEFAULT_AUDIENCE,
    });
    expect(payload).toMatchObject({ client_id: client.client_id, scope: 'gateway:invoke' });
  });

  it('registers a client dynamically, rotates its secret on update (RFC 7592) and deletes it', async () => {
    const { registration_endpoint } = await discovery();
    const registration = await fetch(registration_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${localStack().oidcInitialAccessToken}`,
      },
      body: JSON.stringify({
        client_name: 'gw-test-dcr',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }),
    });
    expect(registration.status).toBe(201);
    const client = (await registration.json()) as {
      client_id: string;
      client_secret: string;
      registration_access_token: string;
      registration_client_uri: string;
    };
    expect((await clientCredentials(client.client_id, client.client_secret)).status).toBe(200);

    // Act: RFC 7592 update with the full metadata.
    const update = await fetch(client.registration_client_uri, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${client.registration_access_token}`,
      },
      body: JSON.stringify({
        client_id: client.client_id,
        client_name: 'gw-test-dcr',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }),
    });
    expect(update.status).toBe(200);
    const updated = (await update.json()) as { client_secret: string };

    // Assess: a new secret works, the old one no longer does.
    expect(updated.client_secret).not.toBe(client.client_secret);
    expect((await clientCredentials(client.client_id, updated.client_secret)).status).toBe(200);
    expect((await clientCredentials(client.client_id, client.client_secret)).status).toBe(401);

    const removed = await fetch(client.registration_client_uri, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });
    expect(removed.status).toBe(204);
    expect((await clientCredentials(client.client_id, updated.client_secret)).status).toBe(401);
  });

  it('refuses registration without the initial access token', async () => {
    const { registration_endpoint } = await discovery();
    const response = await fetch(registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }),
    });
    expect(response.status).toBe(401);
  });
});
