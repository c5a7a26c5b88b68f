/**
 * Replies are read with a cap (issue 17 §11): an IdP, discovery document, JWKS, vendor admin
 * API or customer webhook that answers with megabytes is cut off at 1 MiB with an error naming
 * the host and the cap — never the body — instead of being buffered into the memory of a
 * Lambda that holds credentials. Real loopback HTTP servers stream the replies.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CredentialTestError, IssuerError } from '../../../lib/rotation/errors.js';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import { IssuerHttpError } from '../../../lib/rotation/issuers/vendorHttp.js';
import { WebhookIssuer } from '../../../lib/rotation/issuers/webhook.js';
import {
  issuerConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';
import { MAX_RESPONSE_BYTES, readBoundedText } from '../../../lib/shared/boundedBody.js';

const MiB = 1024 * 1024;
const CANARY = 'CANARY-body-3f9a1c';
const CHUNK = Buffer.from(`"${CANARY}${'x'.repeat(64 * 1024 - CANARY.length - 3)}",`);

type Reply = (path: string, response: ServerResponse) => void | Promise<void>;

interface Endpoint {
  url: string;
  host: string;
  server: Server;
  /** Bytes the server managed to hand to the socket, per request path. */
  sent: Map<string, number>;
}

async function endpoint(reply: Reply): Promise<Endpoint> {
  const sent = new Map<string, number>();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => void reply(request.url ?? '', response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${host}`, host, server, sent };
}

const close = (e: Endpoint): Promise<unknown> =>
  new Promise((resolve) => {
    e.server.closeAllConnections();
    e.server.close(resolve);
  });

/**
 * Streams `total` bytes of JSON-looking text (a 64 KiB chunk at a time, honouring back-pressure),
 * then ends — or, with `total` Infinity, never ends: a reader that buffers everything first
 * would wait for the timeout; a streaming one stops at the cap.
 */
async function flood(response: ServerResponse, total: number): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"padding":[');
  let written = 0;
  while (written < total && !response.destroyed) {
    written += CHUNK.length;
    if (!response.write(CHUNK)) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
    }
  }
  if (!response.destroyed) response.end('""]}');
}

async function failureOf(call: () => Promise<unknown>): Promise<Error> {
  const outcome = await call().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

/** Messages, names and context of the whole cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof Error)) break;
    parts.push(e.name, e.message, JSON.stringify((e as { context?: unknown }).context ?? {}));
  }
  return parts.join('\n');
}

const capMessage = (host: string): string =>
  `reply from ${host} exceeds the 1 MiB cap: cut off, not read`;

function assertCut(error: Error, host: string): void {
  expect(error.message).toContain(capMessage(host));
  expect(everything(error)).not.toContain(CANARY);
  expect(everything(error)).not.toContain('xxxxxxxx');
}

/** An OpenID provider whose documents are sane unless `flooded` names the path that floods. */
async function idp(flooded: string, total = 5 * MiB): Promise<Endpoint> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const json = (response: ServerResponse, body: unknown): void => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server: Endpoint = await endpoint(async (path, response) => {
    if (path === flooded) return flood(response, total);
    if (path === '/.well-known/openid-configuration') {
      return json(response, {
        issuer: server.url,
        token_endpoint: `${server.url}/token`,
        jwks_uri: `${server.url}/jwks`,
      });
    }
    if (path === '/jwks') return json(response, { keys: [jwk] });
    if (path === '/token') {
      const token = await new SignJWT({ client_id: 'c1' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(server.url)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json(response, { access_token: token });
    }
    response.writeHead(404).end();
  });
  return server;
}

const doc = { clientId: 'c1' } as SecretDocument;
const parse = <T extends IssuerConfig['type']>(raw: unknown) =>
  issuerConfigSchema.parse(raw) as Extract<IssuerConfig, { type: T }>;

describe('the verifier cuts off a reply past 1 MiB', () => {
  it.each(['/.well-known/openid-configuration', '/token', '/jwks'])(
    'an IdP sending 5 MiB at %s: the test fails naming host and cap, never the body',
    async (path) => {
      // Prepare
      const provider = await idp(path);
      try {
        // Act
        const error = await failureOf(() =>
          new HttpCredentialVerifier().verifyClient({
            clientId: 'c1',
            clientSecret: 'client-secret',
            discoveryUrl: `${provider.url}/.well-known/openid-configuration`,
          }),
        );
        // Assess
        expect(error).toBeInstanceOf(CredentialTestError);
        assertCut(error, provider.host);
      } finally {
        await close(provider);
      }
    },
  );

  it('stops reading at the cap: a discovery reply that never ends fails at once, not at the timeout', async () => {
    const provider = await idp('/.well-known/openid-configuration', Number.POSITIVE_INFINITY);
    try {
      const started = Date.now();
      const error = await failureOf(() =>
        new HttpCredentialVerifier(fetch, 20_000).verifyClient({
          clientId: 'c1',
          clientSecret: 'client-secret',
          discoveryUrl: `${provider.url}/.well-known/openid-configuration`,
        }),
      );
      assertCut(error, provider.host);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await close(provider);
    }
  });
});

describe('issuers cut off a reply past 1 MiB', () => {
  let vendor: Endpoint;
  beforeAll(async () => {
    vendor = await endpoint((_path, response) => flood(response, 5 * MiB));
  });
  afterAll(() => close(vendor));

  it('Okta admin API (the vendor read every vendor issuer shares)', async () => {
    const issuer = new OktaIssuer({ readSecret: async () => 'okta-token' });
    const config = parse<'okta'>({
      type: 'okta',
      orgUrl: vendor.url,
      appId: 'app',
      apiTokenSecretArn: 'gatewarden-admin/okta',
    });
    const error = await failureOf(() => issuer.list(config, doc));
    expect(error).toBeInstanceOf(IssuerHttpError);
    assertCut(error, vendor.host);
  });

  it('customer webhook issuer', async () => {
    const issuer = new WebhookIssuer({ readSecret: async () => 'hmac-key-0123456789abcdef' });
    const config = parse<'webhook'>({
      type: 'webhook',
      url: `${vendor.url}/hook`,
      hmacSecretArn: 'gatewarden-admin/hmac',
    });
    const error = await failureOf(() => issuer.list(config, doc));
    expect(error).toBeInstanceOf(IssuerHttpError);
    assertCut(error, vendor.host);
  });

  it('RFC 7592 client configuration endpoint', async () => {
    const issuer = new Rfc7592Issuer({
      getValue: async () => JSON.stringify({ registrationAccessToken: 'rat' }),
      putCurrent: async () => undefined,
    });
    const config = parse<'rfc7592'>({
      type: 'rfc7592',
      registrationClientUri: `${vendor.url}/reg/c1`,
      registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
    });
    const error = await failureOf(() => issuer.mint(config, doc, 'tok'));
    expect(error).toBeInstanceOf(IssuerError);
    assertCut(error, vendor.host);
  });
});

describe('readBoundedText', () => {
  it('reads a reply up to the cap as it is', async () => {
    const body = 'y'.repeat(MAX_RESPONSE_BYTES);
    await expect(
      readBoundedText(new Response(body), { host: 'example.test' }),
    ).resolves.toHaveLength(MAX_RESPONSE_BYTES);
  });

  it('refuses a declared content-length past the cap before reading', async () => {
    const response = new Response('{}', { headers: { 'content-length': String(5 * MiB) } });
    await expect(readBoundedText(response, { host: 'example.test', cap: 1024 })).rejects.toThrow(
      'reply from example.test exceeds the 1 KiB cap: cut off, not read',
    );
  });
});
