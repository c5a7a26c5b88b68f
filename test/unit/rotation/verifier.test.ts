import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CredentialTestError } from '../../../lib/rotation/errors.js';
import { checkClaims, HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';

const ISSUER = 'https://idp.example';
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;

/** An IdP served by a fake fetch: discovery, JWKS, and a token endpoint for one client. */
async function fakeIdp(options: {
  secret: string;
  claims?: Record<string, unknown>;
  issuer?: string;
  opaque?: boolean;
}) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const requests: string[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    requests.push(url);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    if (url === DISCOVERY)
      return json(200, {
        issuer: ISSUER,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
      });
    if (url === `${ISSUER}/jwks`) return json(200, { keys: [jwk] });
    if (url === `${ISSUER}/token`) {
      const auth = new Headers(init?.headers).get('authorization') ?? '';
      const [id, secret] = Buffer.from(auth.replace('Basic ', ''), 'base64').toString().split(':');
      if (secret !== encodeURIComponent(options.secret))
        return json(401, { error: 'invalid_client' });
      if (options.opaque) return json(200, { access_token: 'opaque-token-value' });
      const token = await new SignJWT({ client_id: id, scope: 'gateway:invoke', ...options.claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.issuer ?? ISSUER)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json(200, { access_token: token });
    }
    return json(404, {});
  }) as typeof fetch;
  return { verifier: new HttpCredentialVerifier(fetchFn), requests };
}

const PINNED = {
  discoveryUrl: DISCOVERY,
  issuer: ISSUER,
  jwksUri: `${ISSUER}/jwks`,
  discoveryTokenEndpoint: `${ISSUER}/token`,
  tokenEndpoint: `${ISSUER}/token`,
};

describe('HttpCredentialVerifier with a pinned inbound destination', () => {
  it('tests at the pinned token endpoint, JWKS and issuer', async () => {
    const { verifier, requests } = await fakeIdp({ secret: 's' });
    await verifier.verifyClient({
      clientId: 'agent',
      clientSecret: 's',
      discoveryUrl: 'https://ignored.example/.well-known/openid-configuration',
      pinned: PINNED,
    });
    expect(requests).toEqual([DISCOVERY, `${ISSUER}/token`, `${ISSUER}/jwks`]);
  });

  it.each([
    ['token endpoint', { discoveryTokenEndpoint: `${ISSUER}/old-token` }, 'discoveryTokenEndpoint'],
    ['JWKS', { jwksUri: `${ISSUER}/old-jwks` }, 'jwksUri'],
    ['issuer', { issuer: 'https://idp.example/other' }, 'issuer'],
  ])(
    'sends no credential when the discovery document names another %s than was pinned',
    async (_what, pinned, field) => {
      const { verifier, requests } = await fakeIdp({ secret: 's' });
      await expect(
        verifier.verifyClient({
          clientId: 'agent',
          clientSecret: 's',
          discoveryUrl: DISCOVERY,
          pinned: { ...PINNED, ...pinned },
        }),
      ).rejects.toMatchObject({
        name: 'BindingMismatchError',
        fields: [`destinations.inbound.${field}`],
      });
      expect(requests).toEqual([DISCOVERY]);
    },
  );
});

describe('HttpCredentialVerifier', () => {
  it('accepts a client whose JWT matches the gateway authorizer', async () => {
    const { verifier } = await fakeIdp({ secret: 's3cret/+=' });
    await expect(
      verifier.verifyClient({
        clientId: 'agent',
        clientSecret: 's3cret/+=',
        discoveryUrl: DISCOVERY,
        scopes: ['gateway:invoke'],
        authorizer: {
          discoveryUrl: DISCOVERY,
          allowedClients: ['agent'],
          allowedScopes: ['gateway:invoke'],
        },
      }),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['a wrong secret', { secret: 'right' }, 'wrong', /HTTP 401 \(invalid_client\)/],
    [
      'another issuer',
      { secret: 's', issuer: 'https://evil.example' },
      's',
      /JWT verification failed/,
    ],
    ['an opaque token', { secret: 's', opaque: true }, 's', /not a JWT/],
  ])('refuses %s', async (_name, idp, secret, message) => {
    const { verifier } = await fakeIdp(idp);
    const attempt = verifier.verifyClient({
      clientId: 'agent',
      clientSecret: secret,
      discoveryUrl: DISCOVERY,
    });
    await expect(attempt).rejects.toBeInstanceOf(CredentialTestError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses plain http outside loopback', async () => {
    const { verifier } = await fakeIdp({ secret: 's' });
    await expect(
      verifier.verifyClient({
        clientId: 'a',
        clientSecret: 's',
        discoveryUrl: 'http://idp.example/.well-known/openid-configuration',
      }),
    ).rejects.toThrow(/must use https/);
  });
});

describe('checkClaims (what a CUSTOM_JWT authorizer checks)', () => {
  const authorizer = { discoveryUrl: DISCOVERY };
  it.each([
    [
      'client not allowed',
      { client_id: 'other' },
      { ...authorizer, allowedClients: ['agent'] },
      /client_id/,
    ],
    [
      'audience not allowed',
      { client_id: 'agent', aud: 'x' },
      { ...authorizer, allowedAudience: ['gw'] },
      /aud/,
    ],
    [
      'no allowed scope',
      { client_id: 'agent', scope: 'a b' },
      { ...authorizer, allowedScopes: ['c'] },
      /allowedScopes/,
    ],
  ])('rejects %s', (_name, payload, config, message) => {
    expect(() => checkClaims(payload, 'agent', undefined, config)).toThrow(message);
  });

  it.each([
    ['allowed client', { client_id: 'agent' }, { ...authorizer, allowedClients: ['agent'] }],
    [
      'audience in array',
      { client_id: 'agent', aud: ['x', 'gw'] },
      { ...authorizer, allowedAudience: ['gw'] },
    ],
    [
      'one allowed scope',
      { client_id: 'agent', scope: 'a c' },
      { ...authorizer, allowedScopes: ['c'] },
    ],
  ])('accepts %s', (_name, payload, config) => {
    expect(() => checkClaims(payload, 'agent', undefined, config)).not.toThrow();
  });
});
