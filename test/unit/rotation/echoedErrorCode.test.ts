/**
 * A remote reply decides the error code gatewarden reports (`token endpoint answered HTTP 401
 * (invalid_client)`), and that text reaches the `Rotation Failed` alert, the
 * `gatewarden:last-rotation-error` tag (readable with DescribeSecret) and the CLI. A reply whose
 * code is the credential gatewarden just sent (an echoing endpoint, or one that wants it seen)
 * must not get it there: a code that repeats what the request carried is not reported.
 */
import { vendorRequest } from '../../../lib/rotation/issuers/vendorHttp.js';
import { safeReason } from '../../../lib/shared/redact.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';

const DISCOVERY = 'https://idp.example/.well-known/openid-configuration';
const NEW_SECRET = 'Zq7_new-client-secret.4815162342';
const ADMIN_TOKEN = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abc';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

async function reasonOf(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    return safeReason(error);
  }
  throw new Error('expected a failure');
}

describe('an error code that echoes the credential is not reported', () => {
  it.each([
    ['the whole secret', { error: NEW_SECRET }],
    ['part of the secret', { error: NEW_SECRET.slice(4, 20) }],
    ['the secret as errorCode', { errorCode: NEW_SECRET }],
  ])('token endpoint replying %s', async (_what, body) => {
    const fetchFn = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url === DISCOVERY)
        return json(200, {
          issuer: 'https://idp.example',
          token_endpoint: 'https://idp.example/token',
          jwks_uri: 'https://idp.example/jwks',
        });
      return json(401, body);
    }) as typeof fetch;
    const reason = await reasonOf(
      new HttpCredentialVerifier(fetchFn).verifyClient({
        clientId: 'agent',
        clientSecret: NEW_SECRET,
        discoveryUrl: DISCOVERY,
      }),
    );
    expect(reason).toMatch(/HTTP 401/);
    expect(reason).not.toContain(NEW_SECRET.slice(4, 20));
  });

  it('keeps an ordinary OAuth error code', async () => {
    const fetchFn = (async (input: string | URL | Request) =>
      String(input) === DISCOVERY
        ? json(200, {
            issuer: 'https://idp.example',
            token_endpoint: 'https://idp.example/token',
            jwks_uri: 'https://idp.example/jwks',
          })
        : json(401, { error: 'invalid_client' })) as typeof fetch;
    const reason = await reasonOf(
      new HttpCredentialVerifier(fetchFn).verifyClient({
        clientId: 'agent',
        clientSecret: NEW_SECRET,
        discoveryUrl: DISCOVERY,
      }),
    );
    expect(reason).toContain('(invalid_client)');
  });

  it.each([
    ['the admin token from the header', { errorCode: ADMIN_TOKEN }],
    ['the secret from the body', { error: { code: NEW_SECRET } }],
  ])('vendor API replying %s', async (_what, body) => {
    const fetchFn = (async () => json(400, body)) as typeof fetch;
    const reason = await reasonOf(
      vendorRequest(fetchFn, {
        vendor: 'okta',
        operation: 'add secret',
        url: 'https://acme.okta.com/api/v1/apps/a/credentials/secrets',
        method: 'POST',
        headers: { authorization: `SSWS ${ADMIN_TOKEN}` },
        body: JSON.stringify({ client_secret: NEW_SECRET }),
        timeoutMs: 1_000,
      }),
    );
    expect(reason).toMatch(/HTTP 400/);
    expect(reason).not.toContain(ADMIN_TOKEN);
    expect(reason).not.toContain(NEW_SECRET);
  });

  it('vendor API: keeps an Okta error code', async () => {
    const fetchFn = (async () => json(400, { errorCode: 'E0000001' })) as typeof fetch;
    const reason = await reasonOf(
      vendorRequest(fetchFn, {
        vendor: 'okta',
        operation: 'add secret',
        url: 'https://acme.okta.com/api/v1/apps/a/credentials/secrets',
        headers: { authorization: `SSWS ${ADMIN_TOKEN}` },
        timeoutMs: 1_000,
      }),
    );
    expect(reason).toContain('(E0000001)');
  });
});
