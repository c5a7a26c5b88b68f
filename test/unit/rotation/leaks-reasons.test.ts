/**
 * One sanitiser for copied error text (issue 8 §5): the `Rotation Failed` alert, the
 * `gatewarden:last-rotation-error` tag, the rotate function's rethrown error (the Lambda
 * runtime logs its message), the CLI's result line and the CLI's error line all go through
 * `safeReason` (lib/shared/redact.ts). A table of every error path we can produce, each
 * carrying a canary value in its message, body, URL or parsed text: none may leak.
 */
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { runRotate } from '../../../cli/commands/rotate.js';
import { makeHandler } from '../../../functions/rotate.js';
import { makeHandler as makeRotateNowHandler } from '../../../functions/rotateNow.js';
import { ROTATION_FAILURE_TAG } from '../../../lib/rotation/alerts.js';
import { parseDocument } from '../../../lib/rotation/document.js';
import { RotationStepError } from '../../../lib/rotation/driver.js';
import {
  CredentialTestError,
  IssuerError,
  ProviderUpdateError,
} from '../../../lib/rotation/errors.js';
import { OktaIssuer } from '../../../lib/rotation/issuers/okta.js';
import { Rfc7592Issuer } from '../../../lib/rotation/issuers/rfc7592.js';
import { vendorRequest } from '../../../lib/rotation/issuers/vendorHttp.js';
import { failureOf } from '../../../lib/rotation/onDemand.js';
import { MemoryRotationControl } from '../../../lib/rotation/onDemandMemory.js';
import { describeResult } from '../../../lib/rotation/onDemandProgress.js';
import {
  issuerConfigSchema,
  type IssuerConfig,
  type SecretDocument,
} from '../../../lib/rotation/secretDocument.js';
import { HttpCredentialVerifier } from '../../../lib/rotation/verifier.js';
import { logger } from '../../../lib/shared/logger.js';
import { MAX_REASON, safeReason } from '../../../lib/shared/redact.js';
import { CapturingSink, makeWorld } from './support/fakes.js';

const CANARY = 'CANARYzz-leak-3f9a8b7c6d5e';
/** The world's own credentials start with this; they must not leak either. */
const WORLD = 'WORLDSECRETq7';

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

function syntaxError(): Error {
  try {
    JSON.parse(`{"apiToken": ${CANARY}}`);
  } catch (error) {
    return error as Error;
  }
  throw new Error('unreachable');
}

const sdkError = (): Error =>
  Object.assign(new Error(`1 validation error: Value '${CANARY}' at 'apiKey' failed`), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });

const networkError = (): Error =>
  new TypeError('fetch failed', {
    cause: Object.assign(
      new Error(`getaddrinfo ENOTFOUND https://admin:${CANARY}@idp.example/t?token=${CANARY}`),
      { code: 'ENOTFOUND' },
    ),
  });

const timeoutError = (): Error =>
  new DOMException(`The operation timed out waiting for ${CANARY}`, 'TimeoutError');

/** A vendor call whose fetch answers `status` with `body`, or rejects with `error`. */
function vendorCall(answer: { status: number; body: string } | { error: () => Error }) {
  return rejection(
    vendorRequest(
      async () => {
        if ('error' in answer) throw answer.error();
        return new Response(answer.body, { status: answer.status });
      },
      { vendor: 'okta', operation: 'create secret', url: 'https://acme.okta.com/x', timeoutMs: 50 },
    ),
  );
}

const config = <T extends IssuerConfig['type']>(raw: unknown) =>
  issuerConfigSchema.parse(raw) as Extract<IssuerConfig, { type: T }>;

/** A verifier whose IdP answers discovery with `discovery` and the token endpoint with `token`. */
function verifierCall(discovery: string, token?: { status: number; body: string }) {
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    if (url.endsWith('/.well-known/openid-configuration')) return new Response(discovery);
    if (url.endsWith('/token') && token) return new Response(token.body, { status: token.status });
    return new Response('{}', { status: 404 });
  }) as typeof fetch;
  return rejection(
    new HttpCredentialVerifier(fetchFn).verifyClient({
      clientId: 'c1',
      clientSecret: CANARY,
      discoveryUrl: 'https://idp.example/.well-known/openid-configuration',
    }),
  );
}

const GOOD_DISCOVERY = JSON.stringify({
  issuer: 'https://idp.example',
  token_endpoint: 'https://idp.example/token',
  jwks_uri: 'https://idp.example/jwks',
});

/** [path, the error as it reaches the reporting code]. */
const PATHS: [string, () => Promise<unknown>][] = [
  [
    'an issuer HTTP error whose body quotes the value',
    () =>
      vendorCall({
        status: 401,
        body: JSON.stringify({
          errorCode: 'E0000011',
          errorSummary: `token ${CANARY} is wrong`,
          error_description: CANARY,
        }),
      }),
  ],
  [
    'an issuer HTTP error whose error code is a sentence quoting the value',
    () => vendorCall({ status: 400, body: JSON.stringify({ error: `invalid_client: ${CANARY}` }) }),
  ],
  [
    'an issuer HTTP error whose code field is the value',
    () => vendorCall({ status: 400, body: JSON.stringify({ code: `{${CANARY}}` }) }),
  ],
  [
    'an issuer answering a body that is not JSON',
    () => vendorCall({ status: 500, body: `<html>${CANARY}</html>` }),
  ],
  [
    'an issuer network error with credentials in its URL',
    () => vendorCall({ error: networkError }),
  ],
  ['an issuer timeout', () => vendorCall({ error: timeoutError })],
  [
    'a malformed Okta admin secret (JSON parse error)',
    () =>
      rejection(
        new OktaIssuer({ readSecret: async () => `{"apiToken": ${CANARY}}` }).list(
          config<'okta'>({
            type: 'okta',
            orgUrl: 'https://acme.okta.com',
            appId: 'app',
            apiTokenSecretArn: 'gatewarden-admin/okta',
          }),
          {} as SecretDocument,
        ),
      ),
  ],
  [
    'an RFC 7592 error quoting the token',
    () =>
      rejection(
        new Rfc7592Issuer(
          { getValue: async () => 'rat', putCurrent: async () => undefined },
          (async () =>
            new Response(
              JSON.stringify({ error: `bad token ${CANARY}`, error_description: CANARY }),
              { status: 401 },
            )) as typeof fetch,
        ).list(
          config<'rfc7592'>({
            type: 'rfc7592',
            registrationClientUri: 'https://idp.example/reg/c1',
            registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
          }),
        ),
      ),
  ],
  [
    'an RFC 7592 network error with a token in its URL',
    () =>
      rejection(
        new Rfc7592Issuer({ getValue: async () => 'rat', putCurrent: async () => undefined }, (() =>
          Promise.reject(networkError())) as typeof fetch).list(
          config<'rfc7592'>({
            type: 'rfc7592',
            registrationClientUri: 'https://idp.example/reg/c1',
            registrationAccessTokenSecretArn: 'gatewarden-admin/rat',
          }),
        ),
      ),
  ],
  ['a discovery document that is not JSON', () => verifierCall(`{"issuer": ${CANARY}}`)],
  [
    'a token endpoint error quoting the client secret',
    () =>
      verifierCall(GOOD_DISCOVERY, {
        status: 401,
        body: JSON.stringify({ error: `client ${CANARY} unknown`, error_description: CANARY }),
      }),
  ],
  [
    'a token endpoint answering a body that is not JSON',
    () => verifierCall(GOOD_DISCOVERY, { status: 200, body: `{"access_token": ${CANARY}}` }),
  ],
  ['a JSON parse error quoting an admin secret', async () => syntaxError()],
  ['an AWS SDK error echoing a value', async () => sdkError()],
  ['a network error with credentials and a token in its URL', async () => networkError()],
  ['a timeout', async () => timeoutError()],
  [
    'a SecretDocumentError for a secret value that is not JSON',
    async () => {
      try {
        return parseDocument(`{"kind":"apiKey","apiKey":${CANARY}}`, { secretId: 'x' });
      } catch (error) {
        return error;
      }
    },
  ],
  [
    'a SecretDocumentError for an invalid document',
    async () => {
      try {
        return parseDocument(JSON.stringify({ kind: 'apiKey', apiKey: CANARY, extra: CANARY }), {
          secretId: 'x',
        });
      } catch (error) {
        return error;
      }
    },
  ],
  [
    'our provider error wrapping an SDK error',
    async () =>
      new ProviderUpdateError('could not update the credential provider', {
        cause: sdkError(),
        context: { provider: 'p' },
      }),
  ],
  [
    'our issuer error wrapping a parse error',
    async () => new IssuerError('issuer failed', { cause: syntaxError(), context: {} }),
  ],
  [
    "the driver's step error around our test error around a network error",
    async () =>
      new RotationStepError(
        'testSecret',
        'v1',
        new CredentialTestError('pending credential failed its test', {
          cause: networkError(),
          context: {},
        }),
        'arn:aws:secretsmanager:us-east-1:1:secret:gatewarden/x',
      ),
  ],
  ['a thrown string', async () => `token ${CANARY}`],
  ['a thrown object with a message', async () => ({ message: CANARY, name: CANARY })],
  [
    'a foreign error whose name quotes the value',
    async () => Object.assign(new Error(CANARY), { name: `Bad ${CANARY}` }),
  ],
];

describe('no error path copies a value into an alert, a tag, a log or the CLI', () => {
  it('the fixtures really quote the value (Node 22 parser messages)', () => {
    expect(syntaxError().message).toContain(CANARY.slice(0, 8));
  });

  let captured = '';
  const spies: { mockRestore(): void }[] = [];
  const level = logger.getLevelName();
  beforeAll(() => {
    logger.setLogLevel('DEBUG');
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
          return true;
        }),
      );
    }
  });
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
    logger.setLogLevel(level); // later tests log to the terminal again
  });
  beforeEach(() => {
    captured = '';
  });

  it.each(PATHS)('%s', async (_path, make) => {
    // Prepare: the error, then a scheduled rotation whose issuer fails with it.
    const error = await make();
    const world = makeWorld({ canary: WORLD });
    const sink = new CapturingSink(world.faults);
    const tags: string[] = [];
    world.issuer.mint = () => Promise.reject(error);
    world.store.beginRotation(world.secretName, 'tok');
    const handler = makeHandler({
      ...world.deps,
      alerts: [sink],
      recorder: { setTag: async (_id, key, value) => void tags.push(`${key}=${value ?? ''}`) },
    });
    const cli = new MemoryRotationControl();
    cli.describe = () => Promise.reject(error);
    const stdout = { text: '', write: (s: string) => Boolean((stdout.text += s)) };

    // Act: the rotate function (alert, tag, rethrown error), the CLI's result line and its
    // error line, the rotateNow function.
    const rethrown = await rejection(
      handler(
        { Step: 'createSecret', SecretId: world.secretName, ClientRequestToken: 'tok' } as never,
        {} as Context,
      ),
    );
    const line = describeResult({ secretArn: 'arn', ms: 1, ...failureOf(error) });
    const cliError = await rejection(
      runRotate(
        { secret: 'gatewarden/x', concurrency: '1', timeout: '1', local: false },
        {
          control: () => cli,
          rotationDeps: () => Promise.reject(new Error('unused')),
          alertSinks: () => [],
          stdout,
          stderr: stdout,
          env: {},
        },
      ),
    );
    const rotateNowError = await rejection(
      makeRotateNowHandler({
        control: cli,
        sweep: async () => ({ revoked: [], stillInGrace: 0 }),
        concurrency: 1,
      })({ secretId: 'gatewarden/x' }, {} as Context),
    );

    // Assess
    expect(sink.alerts).toHaveLength(1);
    expect(tags.filter((t) => t.startsWith(ROTATION_FAILURE_TAG))).toHaveLength(1);
    const surfaces = {
      alert: JSON.stringify(sink.alerts),
      tag: tags.join('\n'),
      rethrown: `${(rethrown as Error).name} ${(rethrown as Error).message}`,
      cliLine: line,
      cliOutput: `${stdout.text} ${(cliError as Error).message}`,
      rotateNow: `${(rotateNowError as Error).name} ${(rotateNowError as Error).message}`,
      logs: captured,
      reason: safeReason(error),
    };
    expect(captured).toContain('rotation step failed'); // the capture really sees the logs
    for (const [surface, text] of Object.entries(surfaces)) {
      expect({ surface, leaked: text.includes(CANARY) || text.includes(WORLD) }).toEqual({
        surface,
        leaked: false,
      });
      // Node's parser quotes ten characters around the fault: the canary's first eight suffice.
      expect(text).not.toContain(CANARY.slice(0, 8));
      expect(text).not.toMatch(/idp\.example\/t\?|admin:/);
    }
    expect(surfaces.reason.length).toBeLessThanOrEqual(MAX_REASON);
  });
});

describe('safeReason', () => {
  it.each([
    [
      'our message, the foreign class below it',
      new ProviderUpdateError('could not update the credential provider', {
        cause: sdkError(),
        context: {},
      }),
      'could not update the credential provider (cause: ValidationException)',
    ],
    ['a foreign error: its class and system code', networkError(), 'TypeError ENOTFOUND'],
    ['a parse error: its class', syntaxError(), 'SyntaxError'],
    ['a thrown string: its type', `token ${CANARY}`, 'string'],
    [
      'the innermost of our messages',
      new RotationStepError(
        'testSecret',
        'v1',
        new CredentialTestError('probe answered HTTP 401, expected 200', { context: {} }),
        'arn',
      ),
      'probe answered HTTP 401, expected 200',
    ],
    [
      'our message with a URL: no user info, no query',
      new IssuerError(`call to https://u:${CANARY}@idp.example/x?token=${CANARY} failed`),
      'call to https://idp.example/x?… failed',
    ],
    [
      'our message with a bearer token and a JWT',
      new IssuerError(`Bearer ${CANARY} and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln`),
      'Bearer [REDACTED] and [REDACTED]',
    ],
    [
      'a foreign name that is not an identifier',
      Object.assign(new Error('x'), { name: `a ${CANARY}` }),
      'Error',
    ],
  ])('%s', (_case, error, reason) => {
    expect(safeReason(error)).toBe(reason);
  });

  it('is bounded', () => {
    const long = new IssuerError(`failed: ${'x '.repeat(1000)}`);
    expect(safeReason(long)).toHaveLength(MAX_REASON);
    expect(safeReason(long).endsWith('…')).toBe(true);
  });

  it('keeps the changed field names of a binding mismatch', async () => {
    const world = makeWorld();
    const doc = world.store.valueAt(world.secretName, 'AWSCURRENT');
    world.store.putValue(world.secretName, JSON.stringify({ ...doc, graceSeconds: 0 }));
    const { runRotationStep } = await import('../../../lib/rotation/engine.js');
    const error = await rejection(
      runRotationStep(
        world.deps,
        { step: 'createSecret', secretId: world.secretName, token: 'tok-1' },
        { tokenMayBeNew: true },
      ),
    );
    expect(safeReason(error)).toMatch(/graceSeconds/);
  });
});
