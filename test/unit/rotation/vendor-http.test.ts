import { describeResult, terminalProgress } from '../../../lib/rotation/onDemandProgress.js';
import { auth0Fingerprint } from '../../../lib/rotation/issuers/auth0.js';
import { checkedUrl } from '../../../lib/rotation/urls.js';
import {
  IssuerHttpError,
  joinUrl,
  readJsonSecret,
  vendorRequest,
} from '../../../lib/rotation/issuers/vendorHttp.js';
import { signWebhook, verifyWebhookSignature } from '../../../lib/rotation/issuers/webhook.js';

describe('vendor HTTP rules', () => {
  it.each([
    ['https://acme.okta.com', true],
    ['http://127.0.0.1:8080/x', true],
    ['http://localhost/x', true],
    ['http://[::1]:9000/', true],
    ['http://acme.okta.com', false],
    ['http://127.0.0.1.evil.example/', false],
    ['ftp://127.0.0.1/', false],
    ['not a url', false],
  ])('%s allowed: %s', (url, allowed) => {
    if (allowed) expect(() => checkedUrl(url, 'URL', IssuerHttpError)).not.toThrow();
    else expect(() => checkedUrl(url, 'URL', IssuerHttpError)).toThrow(IssuerHttpError);
  });

  it.each([
    ['https://a.example/', '/v1/x', 'https://a.example/v1/x'],
    ['https://a.example', 'v1/x', 'https://a.example/v1/x'],
    ['https://a.example//', '//v1/x', 'https://a.example/v1/x'],
  ])('joins %s + %s', (base, path, joined) => {
    expect(joinUrl(base, path)).toBe(joined);
  });

  it('keeps response bodies out of error messages, keeping only status and vendor code', async () => {
    const body = JSON.stringify({
      errorCode: 'E0000011',
      errorSummary: 'token CANARY-body-secret was wrong',
    });
    const fetchStub = async (): Promise<Response> => new Response(body, { status: 401 });
    const error = await vendorRequest(fetchStub, {
      vendor: 'okta',
      operation: 'list',
      url: 'https://o',
      timeoutMs: 100,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('okta list failed: HTTP 401 (E0000011)');
    expect(JSON.stringify((error as IssuerHttpError).context)).not.toContain('CANARY');
  });

  it('names missing admin secret fields, never their values', async () => {
    const read = async (): Promise<string> => JSON.stringify({ clientId: 'CANARY-id-value' });
    await expect(
      readJsonSecret(read, 'arn:admin', ['clientId', 'clientSecret'] as const, 'entra'),
    ).rejects.toThrow(
      'entra admin secret arn:admin lacks clientSecret (expected JSON fields clientId, clientSecret)',
    );
  });

  it('fingerprints Auth0 secrets without revealing them', () => {
    const print = auth0Fingerprint('CANARY-auth0-secret');
    expect(print).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(print).toBe(auth0Fingerprint('CANARY-auth0-secret'));
    expect(print).not.toBe(auth0Fingerprint('CANARY-auth0-secreT'));
  });
});

describe('webhook signatures', () => {
  const key = 'k'.repeat(32);
  const now = 1_800_000_000;
  it.each([
    ['a valid signature', signWebhook(key, now, '{"a":1}'), String(now), '{"a":1}', true],
    ['a changed body', signWebhook(key, now, '{"a":1}'), String(now), '{"a":2}', false],
    ['a stale timestamp', signWebhook(key, now - 600, '{}'), String(now - 600), '{}', false],
    ['another key', signWebhook('x'.repeat(32), now, '{}'), String(now), '{}', false],
    ['no signature', undefined, String(now), '{}', false],
  ])('accepts %s: %s', (_name, signature, timestamp, body, ok) => {
    expect(verifyWebhookSignature(key, timestamp, body, signature, { now })).toBe(ok);
  });
});

describe('progress display', () => {
  it('stays quiet when stderr is not a terminal or for a single secret', () => {
    expect(terminalProgress({ write: () => true, isTTY: false }, 5)).toBeUndefined();
    expect(terminalProgress({ write: () => true, isTTY: true }, 1)).toBeUndefined();
  });

  it('describes each outcome in one line', () => {
    expect(
      describeResult({
        secretArn: 'arn:s',
        outcome: 'failed',
        step: 'setSecret',
        errorClass: 'ProviderUpdateError',
        reason: 'HTTP 409',
        ms: 3,
      }),
    ).toBe('✗ arn:s failed in setSecret (ProviderUpdateError): HTTP 409 [3 ms]');
    expect(
      describeResult({
        secretArn: 'arn:s',
        outcome: 'succeeded',
        versionId: 'v2',
        previousVersionId: 'v1',
        ms: 9,
      }),
    ).toBe('✓ arn:s rotated: AWSCURRENT is version v2 (was v1) [9 ms]');
  });
});
