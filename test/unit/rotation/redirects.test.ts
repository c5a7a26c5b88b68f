/**
 * No value leaks on odd paths (issue 8 §5). Real HTTP servers on the loopback: a pinned endpoint
 * that answers with a redirect to a second server. The probe's key header, the token request's
 * Basic credentials and the registration/admin bearer tokens must never reach the second
 * server, and the test fails. Malformed admin-secret JSON never puts the token in an error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import { WebhookIssuer } from '../../../lib/rotation/issuers/webhook.js';
import {
  issuerConfigSchema,
  testConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';

interface Recorder {
  url: string;
  hits: { path: string; headers: Record<string, unknown> }[];
  server: Server;
}

/** A server that records requests; `redirectTo` makes it answer 302 to another URL. */
async function recorder(
  answer: (path: string) => { status: number; body?: unknown; location?: string },
): Promise<Recorder> {
  const hits: Recorder['hits'] = [];
  const server = createServer((request, response) => {
    hits.push({ path: request.url ?? '', headers: request.headers });
    const a = answer(request.url ?? '');
    response.writeHead(a.status, {
      'content-type': 'application/json',
      ...(a.location ? { location: a.location } : {}),
    });
    response.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const KEY = 'CANARY-probe-key-7c1d2e3f4a5b6c7d';
const TOKEN = 'CANARY-admin-token-9e8d7c6b5a4f';
let target: Recorder;
let redirector: Recorder;

beforeAll(async () => {
  target = await recorder(() => ({ status: 200, body: { ok: true } }));
  redirector = await recorder((path) => ({ status: 302, location: `${target.url}${path}` }));
});
afterAll(async () => {
  await Promise.all([target, redirector].map((r) => new Promise((res) => r.server.close(res))));
});
beforeEach(() => {
  target.hits.length = 0;
  redirector.hits.length = 0;
});

const doc = {} as SecretDocument;
const parse = <T extends IssuerConfig['type']>(raw: unknown) =>
  issuerConfigSchema.parse(raw) as Extract<IssuerConfig, { type: T }>;

describe('redirects are never followed', () => {
  it('API-key probe: fails, and the key never reaches the redirect target', async () => {
    const probe = testConfigSchema.parse({ probe: { url: `${redirector.url}/ping` } }).probe;
    if (!probe) throw new Error('fixture');
    await expect(new HttpCredentialVerifier().probeApiKey(probe, KEY)).rejects.toThrow(
      /HTTP 302 redirect from 127\.0\.0\.1:\d+: redirects are not followed/,
    );
    expect(redirector.hits).toHaveLength(1);
    expect(target.hits).toEqual([]);
  });

  it('token endpoint: fails, and the client credentials never reach the redirect target', async () => {
    const idp = await recorder((path) =>
      path.includes('openid-configuration')
        ? {
            status: 200,
            body: {
              issuer: 'http://127.0.0.1',
              token_endpoint: `${redirector.url}/token`,
              jwks_uri: `${redirector.url}/jwks`,
            },
          }
        : { status: 404 },
    );
    try {
      await expect(
        new HttpCredentialVerifier().verifyClient({
          clientId: 'c1',
          clientSecret: KEY,
          discoveryUrl: `${idp.url}/.well-known/openid-configuration`,
        }),
      ).rejects.toThrow(/redirects are not followed/);
      expect(target.hits).toEqual([]);
    } finally {
      await new Promise((res) => idp.server.close(res));
    }
  });

  it('discovery document: fails without following', async () => {
    await expect(
      new HttpCredentialVerifier().verifyClient({
        clientId: 'c1',
        clientSecret: KEY,
        discoveryUrl: `${redirector.url}/.well-known/openid-configuration`,
      }),
    ).rejects.toThrow(/redirects are not followed/);
    expect(target.hits).toEqual([]);
  });

  it('RFC 7592: the registration access token never reaches the redirect target', async () => {
    const issuer = new Rfc7592Issuer({
      getValue: async () => JSON.stringify({ registrationAccessToken: TOKEN }),
      putCurrent: async () => undefined,
    });
    const config = parse<'rfc7592'>({
      type: 'rfc7592',
      registrationClientUri: `${redirector.url}/reg/c1`,
      registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
    });
    await expect(issuer.mint(config, doc, 'tok')).rejects.toThrow(/redirect \(HTTP 302\)/);
    expect(target.hits).toEqual([]);
  });

  it('Okta (every vendor issuer): the admin token never reaches the redirect target', async () => {
    const issuer = new OktaIssuer({ readSecret: async () => TOKEN });
    const config = parse<'okta'>({
      type: 'okta',
      orgUrl: redirector.url,
      appId: 'app',
      apiTokenSecretArn: 'gatewarden-admin/okta',
    });
    await expect(issuer.list(config, doc)).rejects.toThrow(/okta list secrets/);
    expect(target.hits).toEqual([]);
  });
});

describe('malformed admin secrets never quote their text', () => {
  // Node's JSON.parse error quotes the text around the fault: the token itself.
  const broken = `{"apiToken": "${TOKEN}", "hmacSecret": "${TOKEN}"`;

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
  ])('%s: the error, its cause chain and context hold no part of the secret', async (_v, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const seen: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      seen.push(e.message, JSON.stringify((e as { context?: unknown }).context ?? {}));
    }
    expect(seen.join('\n')).toMatch(/is not valid JSON/);
    expect(seen.join('\n')).not.toContain(TOKEN.slice(0, 12));
    expect(target.hits).toEqual([]);
  });
});
