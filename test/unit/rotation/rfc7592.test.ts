import { Rfc7592Issuer, parseToken } from '../../../lib/rotation/issuers/rfc7592.js';
import {
  issuerConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';

function rfc7592Config(raw: unknown): Extract<IssuerConfig, { type: 'rfc7592' }> {
  const parsed = issuerConfigSchema.parse(raw);
  if (parsed.type !== 'rfc7592') throw new Error('not an rfc7592 config');
  return parsed;
}

const URI = 'https://idp.example/reg/client-1';

/** An RFC 7592 server in a fake fetch: PUT issues a new secret (and, optionally, a new token). */
function server(
  options: { rotatesSecret?: boolean; rotatesToken?: boolean; rotatesTokenOnGet?: boolean } = {},
) {
  const state = { secret: 'old-secret', token: 'rat-1', bodies: [] as Record<string, unknown>[] };
  const fetchFn = (async (_url: string | URL | Request, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get('authorization');
    if (auth !== `Bearer ${state.token}`)
      return new Response(JSON.stringify({ error: 'invalid_token' }), { status: 401 });
    if (init?.method === 'PUT') {
      state.bodies.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      if (options.rotatesSecret !== false) state.secret = `new-secret-${state.bodies.length}`;
      if (options.rotatesToken) state.token = `rat-${state.bodies.length + 1}`;
    } else if (options.rotatesTokenOnGet) {
      state.token = `${state.token}-get`;
    }
    return new Response(
      JSON.stringify({
        client_id: 'client-1',
        client_secret: state.secret,
        client_id_issued_at: 1,
        client_secret_expires_at: 0,
        registration_client_uri: URI,
        registration_access_token: state.token,
        grant_types: ['client_credentials'],
      }),
      { status: 200 },
    );
  }) as typeof fetch;
  const saved: string[] = [];
  const secrets = {
    getValue: async () => saved.at(-1) ?? JSON.stringify({ registrationAccessToken: 'rat-1' }),
    putCurrent: async (_id: string, value: string) => void saved.push(value),
  };
  return { state, saved, issuer: new Rfc7592Issuer(secrets, fetchFn) };
}

const config = rfc7592Config({
  type: 'rfc7592',
  registrationClientUri: URI,
  registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
});
const doc = {} as SecretDocument;

describe('RFC 7592 issuer', () => {
  it('mints by updating the client without read-only fields, and lists the same credential id', async () => {
    const { issuer, state } = server();
    const minted = await issuer.mint(config, doc, 'tok');
    expect(minted.clientSecret).toBe('new-secret-1');
    expect(Object.keys(state.bodies[0] ?? {}).sort()).toEqual(['client_id', 'grant_types']);
    expect(await issuer.list(config)).toEqual([{ credentialId: minted.credentialId }]);
    expect(minted.credentialId).not.toContain('new-secret');
    expect(issuer.supportsOverlap).toBe(false);
  });

  it('fails clearly when the server keeps the old secret', async () => {
    const { issuer } = server({ rotatesSecret: false });
    await expect(issuer.mint(config, doc, 'tok')).rejects.toThrow(
      /did not issue a new client secret/,
    );
  });

  it('saves a rotated registration access token before anything else', async () => {
    const { issuer, saved } = server({ rotatesToken: true });
    await issuer.mint(config, doc, 'tok');
    expect(saved).toEqual([JSON.stringify({ registrationAccessToken: 'rat-2' })]);
    await expect(issuer.mint(config, doc, 'tok2')).resolves.toMatchObject({
      clientSecret: 'new-secret-2',
    });
  });

  it('keeps a registration access token the server rotates on GET, and uses it', async () => {
    // Prepare: every GET answers with a new token (the old one stops working at once).
    const { issuer, saved, state } = server({ rotatesTokenOnGet: true });

    // Act
    const minted = await issuer.mint(config, doc, 'tok');

    // Assess: saved before the PUT, which used it; listing afterwards still works.
    expect(minted.clientSecret).toBe('new-secret-1');
    expect(saved[0]).toBe(JSON.stringify({ registrationAccessToken: 'rat-1-get' }));
    await expect(issuer.list(config)).resolves.toHaveLength(1);
    expect(saved.at(-1)).toBe(JSON.stringify({ registrationAccessToken: state.token }));
  });

  it.each([
    ['{"registrationAccessToken":"a"}', 'a'],
    ['{"registration_access_token":"b"}', 'b'],
    [' plain-token\n', 'plain-token'],
  ])('reads the token secret %j', (value, token) => {
    expect(parseToken(value)).toBe(token);
  });

  it.each([
    ['{"registrationAccessToken": rat-CANARY-1}', /is not valid JSON/],
    ['{"token": "rat-CANARY-1"}', /has no registrationAccessToken/],
  ])('refuses the token secret %j rather than send it, quoting none of it', (value, message) => {
    expect(() => parseToken(value)).toThrow(message);
    expect(() => parseToken(value)).not.toThrow(/CANARY/);
  });
});
