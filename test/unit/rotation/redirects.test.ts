/**
 * No value leaks on odd paths (issue 8 §5): redirects. Real HTTP servers on the loopback — a
 * pinned endpoint that answers 302 or 307 with a Location on a second server. The probe's key
 * (header or query parameter), the token request's Basic credentials, the JWKS fetch, the
 * registration access token and the vendor admin credentials must never reach the second
 * server: the call fails, naming the status and the host that answered, never the Location.
 * Malformed admin-secret JSON never puts the token in an error.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialTestError, IssuerError } from '../../../lib/rotation/errors.js';
import { Auth0Issuer } from '../../../lib/rotation/issuers/auth0.js';
import { EntraIssuer } from '../../../lib/rotation/issuers/entra.js';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import { IssuerHttpError } from '../../../lib/rotation/issuers/vendorHttp.js';
import { WebhookIssuer } from '../../../lib/rotation/issuers/webhook.js';
import {
  issuerConfigSchema,
  testConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';

interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Recorder {
  url: string;
  host: string;
  hits: Hit[];
  server: Server;
}

type Answer = { status: number; body?: unknown; location?: string };

/** A server that records every request (with its body) and answers with `answer`. */
async function recorder(answer: (hit: Hit) => Answer | Promise<Answer>): Promise<Recorder> {
  const hits: Hit[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const hit = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      };
      hits.push(hit);
      void Promise.resolve(answer(hit)).then((a) => {
        response.writeHead(a.status, {
          'content-type': 'application/json',
          ...(a.location ? { location: a.location } : {}),
        });
        response.end(a.body === undefined ? '' : JSON.stringify(a.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, hits, server };
}

const close = (r: Recorder): Promise<unknown> => new Promise((res) => r.server.close(res));

const KEY = 'CANARY-probe-key-7c1d2e3f4a5b6c7d';
const TOKEN = 'CANARY-admin-token-9e8d7c6b5a4f';
const CLIENT_SECRET = 'CANARY-client-secret-1a2b3c4d5e6f';
const STATUSES = [302, 307] as const;

/** The second server: whatever reaches it has leaked. */
let target: Recorder;
/** One redirector per status, each answering every request with a Location on `target`. */
const redirectors = new Map<number, Recorder>();

beforeAll(async () => {
  target = await recorder(() => ({ status: 200, body: { ok: true, keys: [] } }));
  for (const status of STATUSES) {
    redirectors.set(
      status,
      await recorder((hit) => ({ status, location: `${target.url}${hit.path}` })),
    );
  }
});
afterAll(async () => {
  await Promise.all([target, ...redirectors.values()].map(close));
});
beforeEach(() => {
  target.hits.length = 0;
  for (const r of redirectors.values()) r.hits.length = 0;
});

function redirector(status: number): Recorder {
  const found = redirectors.get(status);
  if (!found) throw new Error(`no redirector for ${status}`);
  return found;
}

/** The error a call rejects with (fails the test when it resolves). */
async function failureOf(call: () => Promise<unknown>): Promise<Error> {
  const outcome = await call().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

/** Everything an error carries: messages, names and context of the whole cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    parts.push(e.name, e.message, e.stack ?? '', JSON.stringify(e));
    parts.push(JSON.stringify((e as { context?: unknown }).context ?? {}));
  }
  return parts.join('\n');
}

/** Neither the target server nor the error saw a value, the target's host or the Location. */
function assertNothingFollowed(error: Error, values: string[]): void {
  expect(target.hits).toEqual([]);
  const text = everything(error);
  expect(text).not.toContain(target.host);
  for (const value of values) expect(text).not.toContain(value);
}

/** A local OpenID provider whose discovery document points wherever the test says. */
async function idp(options: { tokenEndpoint?: string; jwksUri?: string }): Promise<Recorder> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const server: Recorder = await recorder(async (hit) => {
    if (hit.path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: server.url,
          token_endpoint: options.tokenEndpoint ?? `${server.url}/token`,
          jwks_uri: options.jwksUri ?? `${server.url}/jwks`,
        },
      };
    }
    if (hit.path === '/jwks') return { status: 200, body: { keys: [jwk] } };
    if (hit.path === '/token') {
      const token = await new SignJWT({ client_id: 'c1', scope: 'gateway:invoke' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(server.url)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return { status: 200, body: { access_token: token } };
    }
    return { status: 404 };
  });
  return server;
}

const doc = { clientId: 'c1' } as SecretDocument;
const parse = <T extends IssuerConfig['type']>(raw: unknown) =>
  issuerConfigSchema.parse(raw) as Extract<IssuerConfig, { type: T }>;

describe('the verifier never follows a redirect', () => {
  it.each(STATUSES)(
    'API-key probe (key in a header), HTTP %i: fails naming status and host; the key never reaches the target',
    async (status) => {
      // Prepare
      const from = redirector(status);
      const probe = testConfigSchema.parse({ probe: { url: `${from.url}/ping` } }).probe;
      if (!probe) throw new Error('fixture');
      // Act
      const error = await failureOf(() => new HttpCredentialVerifier().probeApiKey(probe, KEY));
      // Assess
      expect(error).toBeInstanceOf(CredentialTestError);
      expect(error.message).toBe(
        `HTTP ${status} redirect from ${from.host}: redirects are not followed`,
      );
      expect((error as CredentialTestError).context).toEqual({ status, host: from.host });
      expect(from.hits).toHaveLength(1);
      expect(from.hits[0]?.headers[probe.parameterName.toLowerCase()]).toBe(KEY);
      assertNothingFollowed(error, [KEY]);
    },
  );

  it.each(STATUSES)(
    'API-key probe (key as a query parameter), HTTP %i: the key never reaches the target',
    async (status) => {
      const from = redirector(status);
      const probe = testConfigSchema.parse({
        probe: { url: `${from.url}/ping`, location: 'QUERY_PARAMETER', parameterName: 'key' },
      }).probe;
      if (!probe) throw new Error('fixture');
      const error = await failureOf(() => new HttpCredentialVerifier().probeApiKey(probe, KEY));
      expect(error.message).toMatch(new RegExp(`^HTTP ${status} redirect from ${from.host}:`));
      assertNothingFollowed(error, [KEY]);
    },
  );

  it.each(STATUSES)(
    'token endpoint, HTTP %i: the Basic client credentials never reach the target',
    async (status) => {
      const from = redirector(status);
      const provider = await idp({ tokenEndpoint: `${from.url}/token` });
      try {
        const error = await failureOf(() =>
          new HttpCredentialVerifier().verifyClient({
            clientId: 'c1',
            clientSecret: CLIENT_SECRET,
            discoveryUrl: `${provider.url}/.well-known/openid-configuration`,
          }),
        );
        expect(error).toBeInstanceOf(CredentialTestError);
        expect(error.message).toBe(
          `HTTP ${status} redirect from ${from.host}: redirects are not followed`,
        );
        expect(from.hits[0]?.headers.authorization).toMatch(/^Basic /);
        const basic = Buffer.from(CLIENT_SECRET).toString('base64');
        assertNothingFollowed(error, [CLIENT_SECRET, basic]);
      } finally {
        await close(provider);
      }
    },
  );

  it.each(STATUSES)('discovery document, HTTP %i: fails without following', async (status) => {
    const from = redirector(status);
    const error = await failureOf(() =>
      new HttpCredentialVerifier().verifyClient({
        clientId: 'c1',
        clientSecret: CLIENT_SECRET,
        discoveryUrl: `${from.url}/.well-known/openid-configuration`,
      }),
    );
    expect(error.message).toBe(
      `HTTP ${status} redirect from ${from.host}: redirects are not followed`,
    );
    assertNothingFollowed(error, [CLIENT_SECRET]);
  });

  it.each(STATUSES)('JWKS, HTTP %i: fails without following', async (status) => {
    const from = redirector(status);
    const provider = await idp({ jwksUri: `${from.url}/jwks` });
    try {
      const error = await failureOf(() =>
        new HttpCredentialVerifier().verifyClient({
          clientId: 'c1',
          clientSecret: CLIENT_SECRET,
          discoveryUrl: `${provider.url}/.well-known/openid-configuration`,
        }),
      );
      expect(error).toBeInstanceOf(CredentialTestError);
      expect(error.message).toBe(
        `HTTP ${status} redirect from ${from.host}: redirects are not followed`,
      );
      expect(from.hits.map((h) => h.path)).toEqual(['/jwks']);
      assertNothingFollowed(error, [CLIENT_SECRET]);
    } finally {
      await close(provider);
    }
  });
});

describe('issuers never follow a redirect', () => {
  it.each(STATUSES)(
    'RFC 7592 GET, HTTP %i: the registration access token never reaches the target',
    async (status) => {
      const from = redirector(status);
      const issuer = new Rfc7592Issuer({
        getValue: async () => JSON.stringify({ registrationAccessToken: TOKEN }),
        putCurrent: async () => undefined,
      });
      const config = parse<'rfc7592'>({
        type: 'rfc7592',
        registrationClientUri: `${from.url}/reg/c1`,
        registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
      });
      const error = await failureOf(() => issuer.mint(config, doc, 'tok'));
      expect(error).toBeInstanceOf(IssuerError);
      expect(error.message).toBe(
        `registration GET answered a redirect (HTTP ${status} from ${from.host}): not followed`,
      );
      expect(from.hits[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      assertNothingFollowed(error, [TOKEN]);
    },
  );

  it('RFC 7592 PUT, HTTP 307: neither the token nor the client metadata reach the target', async () => {
    // Prepare: the GET works; the update answers 307, which would replay the PUT and its body.
    const registration: Recorder = await recorder((hit) =>
      hit.method === 'GET'
        ? {
            status: 200,
            body: { client_id: 'c1', client_secret: 'old', grant_types: ['client_credentials'] },
          }
        : { status: 307, location: `${target.url}${hit.path}` },
    );
    try {
      const issuer = new Rfc7592Issuer({
        getValue: async () => TOKEN,
        putCurrent: async () => undefined,
      });
      const config = parse<'rfc7592'>({
        type: 'rfc7592',
        registrationClientUri: `${registration.url}/reg/c1`,
        registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
      });
      // Act
      const error = await failureOf(() => issuer.mint(config, doc, 'tok'));
      // Assess
      expect(error.message).toBe(
        `registration PUT answered a redirect (HTTP 307 from ${registration.host}): not followed`,
      );
      expect(registration.hits.map((h) => h.method)).toEqual(['GET', 'PUT']);
      assertNothingFollowed(error, [TOKEN]);
    } finally {
      await close(registration);
    }
  });

  it.each(STATUSES)('Okta, HTTP %i: the API token never reaches the target', async (status) => {
    const from = redirector(status);
    const issuer = new OktaIssuer({ readSecret: async () => TOKEN });
    const config = parse<'okta'>({
      type: 'okta',
      orgUrl: from.url,
      appId: 'app',
      apiTokenSecretArn: 'gatewarden-admin/okta',
    });
    const error = await failureOf(() => issuer.list(config, doc));
    expect(error).toBeInstanceOf(IssuerHttpError);
    expect(error.message).toBe(
      `okta list secrets answered a redirect (HTTP ${status} from ${from.host}): not followed`,
    );
    expect((error as IssuerHttpError).retryable).toBe(false);
    expect(from.hits[0]?.headers.authorization).toBe(`SSWS ${TOKEN}`);
    assertNothingFollowed(error, [TOKEN]);
  });

  it.each(STATUSES)(
    'Auth0 admin token, HTTP %i: the management client secret never reaches the target',
    async (status) => {
      const from = redirector(status);
      const issuer = new Auth0Issuer({
        readSecret: async () => JSON.stringify({ clientId: 'm2m', clientSecret: CLIENT_SECRET }),
      });
      const config = parse<'auth0'>({
        type: 'auth0',
        domainUrl: from.url,
        managementCredentialsSecretArn: 'gatewarden-admin/auth0',
      });
      const error = await failureOf(() => issuer.list(config, doc));
      expect(error.message).toBe(
        `auth0 admin token answered a redirect (HTTP ${status} from ${from.host}): not followed`,
      );
      expect(from.hits[0]?.body).toContain(CLIENT_SECRET);
      assertNothingFollowed(error, [CLIENT_SECRET]);
    },
  );

  it.each(STATUSES)(
    'Entra Graph, HTTP %i: the admin bearer token never reaches the target',
    async (status) => {
      // Prepare: the login endpoint issues the admin token; Graph redirects.
      const from = redirector(status);
      const login = await recorder(() => ({ status: 200, body: { access_token: TOKEN } }));
      try {
        const issuer = new EntraIssuer({
          readSecret: async () => JSON.stringify({ clientId: 'app', clientSecret: CLIENT_SECRET }),
        });
        const config = parse<'entra'>({
          type: 'entra',
          tenantId: 't1',
          applicationObjectId: 'obj-1',
          adminCredentialsSecretArn: 'gatewarden-admin/entra',
          loginUrl: login.url,
          graphUrl: from.url,
        });
        const error = await failureOf(() => issuer.list(config, doc));
        expect(error.message).toBe(
          `entra get application answered a redirect (HTTP ${status} from ${from.host}): not followed`,
        );
        expect(from.hits[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
        assertNothingFollowed(error, [TOKEN, CLIENT_SECRET]);
      } finally {
        await close(login);
      }
    },
  );

  it.each(STATUSES)(
    'webhook, HTTP %i: the signed request never reaches the target',
    async (status) => {
      const from = redirector(status);
      const issuer = new WebhookIssuer({ readSecret: async () => TOKEN });
      const config = parse<'webhook'>({
        type: 'webhook',
        url: `${from.url}/hook`,
        hmacSecretArn: 'gatewarden-admin/hmac',
      });
      const error = await failureOf(() => issuer.list(config, doc));
      expect(error.message).toMatch(
        new RegExp(`answered a redirect \\(HTTP ${status} from ${from.host}\\): not followed$`),
      );
      assertNothingFollowed(error, [TOKEN]);
    },
  );
});

describe('malformed admin secrets never quote their text', () => {
  // Node's JSON.parse error quotes the text around the fault: the token itself.
  const broken = `{"apiToken": ${TOKEN}, "hmacSecret": ${TOKEN}, "registrationAccessToken": ${TOKEN}}`;

  it('the fixture really makes the parser quote the token', () => {
    expect(() => JSON.parse(broken)).toThrow(TOKEN.slice(0, 9));
  });

  it.each([
    [
      'okta',
      () =>
        new OktaIssuer({ readSecret: async () => broken }).list(
          parse<'okta'>({
            type: 'okta',
            orgUrl: target.url,
            appId: 'app',
            apiTokenSecretArn: 'gatewarden-admin/okta',
          }),
          doc,
        ),
    ],
    [
      'webhook',
      () =>
        new WebhookIssuer({ readSecret: async () => broken }).list(
          parse<'webhook'>({
            type: 'webhook',
            url: `${target.url}/hook`,
            hmacSecretArn: 'gatewarden-admin/hmac',
          }),
          doc,
        ),
    ],
    [
      'auth0',
      () =>
        new Auth0Issuer({ readSecret: async () => broken }).list(
          parse<'auth0'>({
            type: 'auth0',
            domainUrl: target.url,
            managementCredentialsSecretArn: 'gatewarden-admin/auth0',
          }),
          doc,
        ),
    ],
    [
      'entra',
      () =>
        new EntraIssuer({ readSecret: async () => broken }).list(
          parse<'entra'>({
            type: 'entra',
            tenantId: 't1',
            applicationObjectId: 'obj-1',
            adminCredentialsSecretArn: 'gatewarden-admin/entra',
            loginUrl: target.url,
            graphUrl: target.url,
          }),
          doc,
        ),
    ],
    [
      'rfc7592',
      () =>
        new Rfc7592Issuer({ getValue: async () => broken, putCurrent: async () => undefined }).list(
          parse<'rfc7592'>({
            type: 'rfc7592',
            registrationClientUri: `${target.url}/reg/c1`,
            registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
          }),
        ),
    ],
  ])('%s: the error, its cause chain and context hold no part of the secret', async (_v, call) => {
    const error = await failureOf(call);
    expect(everything(error)).toMatch(/is not valid JSON/);
    expect(everything(error)).not.toContain(TOKEN.slice(0, 9));
    expect(error.cause).toBeUndefined();
    // A malformed secret is never sent anywhere, not even to the pinned server.
    expect(target.hits).toEqual([]);
  });
});
