/**
 * A real OpenID Connect provider (`oidc-provider`, certified) on its own loopback port, for
 * the local stack: discovery, JWKS, `client_credentials` tokens as signed JWTs, Dynamic Client
 * Registration (with an initial access token) and RFC 7592 registration management, where
 * every update (PUT) issues a new client secret — so a rotation issuer can mint and retire
 * secrets for real. TEST/DEMO COMPONENT; plain HTTP on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ProviderContext } from 'oidc-provider';
import { DEFAULT_AUDIENCE, DEFAULT_RESOURCE, DEMO_CLIENTS, SCOPES } from './oidcClients.js';

export { DEFAULT_AUDIENCE, DEFAULT_RESOURCE, DEMO_CLIENTS, SCOPES };

export interface OidcServer {
  issuer: string;
  port: number;
  /** Bearer token for `POST <issuer>/reg` (Dynamic Client Registration). */
  initialAccessToken: string;
  close(): Promise<void>;
}

const ROTATE_SECRET_POLICY = 'rotate-client-secret-on-update';

export async function startOidcProvider(): Promise<OidcServer> {
  const server: Server = createServer();
  server.keepAliveTimeout = 0; // as the front: no idle close racing a client's next request
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: `gatewarden-local-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };

  const provider = new Provider(issuer, {
    clients: DEMO_CLIENTS.map((client) => ({
      ...client,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', ...SCOPES],
    ttl: { ClientCredentials: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken: true,
        policies: {
          // RFC 7592 lets the server issue a new secret on update; ours always does, so
          // "update the client" is how a rotation mints a fresh secret.
          [ROTATE_SECRET_POLICY]: (ctx: ProviderContext, properties: Record<string, unknown>) => {
            if (ctx.method === 'PUT')
              properties.client_secret = randomBytes(32).toString('base64url');
          },
        },
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEFAULT_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => ({
          scope: SCOPES.join(' '),
          audience: indicator === DEFAULT_RESOURCE ? DEFAULT_AUDIENCE : indicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const initialAccessToken = await new provider.InitialAccessToken({
    policies: [ROTATE_SECRET_POLICY],
  }).save();
  server.on('request', provider.callback());

  return {
    issuer,
    port,
    initialAccessToken,
    close: () =>
      new Promise((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      }),
  };
}
