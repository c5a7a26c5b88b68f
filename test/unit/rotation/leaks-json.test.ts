/**
 * JSON parse errors never quote the text (issue 8 §5). Node 22's `JSON.parse` SyntaxError quotes
 * the characters around the fault (`Unexpected token 'C', ..."piToken": CANARY-ad"... is not
 * valid JSON`): over an admin secret or a credential that is the value itself. Every parse of
 * secret material or of a remote response in lib/rotation is fed malformed JSON holding a
 * canary; the thrown error, its message, stack, cause chain, serialised form and context must
 * hold none of it, and no SyntaxError may survive as a cause.
 */
import { parseDocument } from '../../../lib/rotation/document.js';
import { Auth0Issuer } from '../../../lib/rotation/issuers/auth0.js';
import { EntraIssuer } from '../../../lib/rotation/issuers/entra.js';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { parseToken, Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import { readJsonSecret, vendorRequest } from '../../../lib/rotation/issuers/vendorHttp.js';
import { WebhookIssuer } from '../../../lib/rotation/issuers/webhook.js';
import { extractValue } from '../../../lib/rotation/registerOptions.js';
import {
  issuerConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';

const CANARY = 'CANARYjs-9d8c7b6a5f4e3d2c';
/** Unquoted, so the parser's message quotes it. */
const MALFORMED = `{"apiToken": ${CANARY}, "hmacSecret": ${CANARY}, "clientSecret": ${CANARY}}`;
const doc = { clientId: 'c1' } as SecretDocument;
const config = <T extends IssuerConfig['type']>(raw: unknown) =>
  issuerConfigSchema.parse(raw) as Extract<IssuerConfig, { type: T }>;

/** A fetch answering every request with `body` and `status`. */
const answering =
  (body: string, status = 200) =>
  async (): Promise<Response> =>
    new Response(body, { status, headers: { 'content-type': 'application/json' } });

/** Everything an error carries: name, message, stack, JSON, context, down the cause chain. */
function everything(error: unknown): { text: string; classes: string[] } {
  const parts: string[] = [];
  const classes: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 10; depth++) {
    if (!(e instanceof Error)) {
      parts.push(typeof e === 'string' ? e : JSON.stringify(e));
      break;
    }
    classes.push(e.name);
    parts.push(e.name, e.message, e.stack ?? '', JSON.stringify(e));
    parts.push(JSON.stringify((e as { context?: unknown }).context ?? {}));
    e = e.cause;
  }
  return { text: parts.join('\n'), classes };
}

const okta = () =>
  new OktaIssuer({ readSecret: async () => MALFORMED, fetch: answering('[]') }).list(
    config<'okta'>({
      type: 'okta',
      orgUrl: 'https://acme.okta.com',
      appId: 'app',
      apiTokenSecretArn: 'gatewarden-admin/okta',
    }),
    doc,
  );

const webhookConfig = config<'webhook'>({
  type: 'webhook',
  url: 'https://hooks.example/rotate',
  hmacSecretArn: 'gatewarden-admin/hmac',
});

const rfc7592Config = config<'rfc7592'>({
  type: 'rfc7592',
  registrationClientUri: 'https://idp.example/reg/c1',
  registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
});

/** [where the parse happens, a call that parses malformed JSON holding the canary]. */
const SITES: [string, () => unknown][] = [
  ['okta admin secret (apiToken)', okta],
  [
    'webhook HMAC secret',
    () => new WebhookIssuer({ readSecret: async () => MALFORMED }).list(webhookConfig, doc),
  ],
  [
    'webhook Lambda response payload',
    () =>
      new WebhookIssuer({
        readSecret: async () => 'h'.repeat(32),
        invokeLambda: async () => ({ payload: `{"clientSecret": ${CANARY}}` }),
      }).list(
        config<'webhook'>({
          type: 'webhook',
          lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:gatewarden-issuer-x',
          hmacSecretArn: 'gatewarden-admin/hmac',
        }),
        doc,
      ),
  ],
  [
    'entra admin secret',
    () =>
      new EntraIssuer({ readSecret: async () => MALFORMED }).list(
        config<'entra'>({
          type: 'entra',
          tenantId: 't1',
          applicationObjectId: 'obj-1',
          adminCredentialsSecretArn: 'gatewarden-admin/entra',
        }),
        doc,
      ),
  ],
  [
    'auth0 admin secret',
    () =>
      new Auth0Issuer({ readSecret: async () => MALFORMED }).list(
        config<'auth0'>({
          type: 'auth0',
          domainUrl: 'https://acme.auth0.com',
          managementCredentialsSecretArn: 'gatewarden-admin/auth0',
        }),
        doc,
      ),
  ],
  [
    'vendorHttp readJsonSecret',
    () => readJsonSecret(async () => MALFORMED, 'gatewarden-admin/x', ['clientSecret'], 'okta'),
  ],
  [
    'vendorHttp error response body',
    () =>
      vendorRequest(answering(`{"errorSummary": ${CANARY}}`, 400), {
        vendor: 'okta',
        operation: 'list secrets',
        url: 'https://acme.okta.com/x',
        timeoutMs: 1_000,
      }),
  ],
  [
    'vendorHttp success response body (then a missing field)',
    () =>
      new OktaIssuer({
        readSecret: async () => 'token',
        fetch: answering(`{"id": "s1", "client_secret": ${CANARY}}`),
      }).mint(
        config<'okta'>({
          type: 'okta',
          orgUrl: 'https://acme.okta.com',
          appId: 'app',
          apiTokenSecretArn: 'gatewarden-admin/okta',
        }),
        doc,
        'k',
      ),
  ],
  ['rfc7592 registration access token secret (parseToken)', () => parseToken(MALFORMED)],
  [
    'rfc7592 registration access token secret (issuer)',
    () =>
      new Rfc7592Issuer({
        getValue: async () => `{"registrationAccessToken": ${CANARY}}`,
        putCurrent: async () => undefined,
      }).list(rfc7592Config),
  ],
  [
    'rfc7592 registration error response',
    () =>
      new Rfc7592Issuer(
        { getValue: async () => 'rat', putCurrent: async () => undefined },
        answering(`{"error": ${CANARY}}`, 401) as typeof fetch,
      ).list(rfc7592Config),
  ],
  [
    'rfc7592 registration response',
    () =>
      new Rfc7592Issuer(
        { getValue: async () => 'rat', putCurrent: async () => undefined },
        answering(`{"client_id": "c1", "client_secret": ${CANARY}}`) as typeof fetch,
      ).mint(rfc7592Config, doc, 'k'),
  ],
  [
    'verifier discovery document',
    () =>
      new HttpCredentialVerifier(answering(`{"issuer": ${CANARY}}`) as typeof fetch).verifyClient({
        clientId: 'c1',
        clientSecret: 's',
        discoveryUrl: 'https://idp.example/.well-known/openid-configuration',
      }),
  ],
  [
    'verifier token response',
    () =>
      new HttpCredentialVerifier((async (input: string | URL | Request) =>
        String(input).endsWith('openid-configuration')
          ? new Response(
              JSON.stringify({
                issuer: 'https://idp.example',
                token_endpoint: 'https://idp.example/token',
                jwks_uri: 'https://idp.example/jwks',
              }),
            )
          : new Response(`{"access_token": ${CANARY}}`)) as typeof fetch).verifyClient({
        clientId: 'c1',
        clientSecret: 's',
        discoveryUrl: 'https://idp.example/.well-known/openid-configuration',
      }),
  ],
  [
    'secret document (lib/rotation/document.ts)',
    () => parseDocument(`{"kind": "apiKey", "apiKey": ${CANARY}}`, { secretId: 'x' }),
  ],
  [
    'register --json-key (registerOptions extractValue)',
    () => extractValue(MALFORMED, 'clientSecret', 'gatewarden-admin/x', 'clientSecret'),
  ],
];

describe('malformed JSON never puts its text in an error', () => {
  it('the fixture really makes the parser quote the canary', () => {
    expect(() => JSON.parse(MALFORMED)).toThrow(CANARY.slice(0, 8));
  });

  it.each(SITES)('%s', async (_site, call) => {
    // Act
    let error: unknown;
    try {
      await call();
    } catch (thrown) {
      error = thrown;
    }
    // Assess: it failed with our own error, and nothing in it holds the canary.
    expect(error).toBeInstanceOf(Error);
    const { text, classes } = everything(error);
    expect(text).not.toContain(CANARY.slice(0, 8));
    expect(classes).not.toContain('SyntaxError');
  });
});
