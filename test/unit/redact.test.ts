import { MAX_REASON, redact, redactReason, redactText, REDACTED } from '../../lib/shared/redact.js';

describe('redact', () => {
  it.each([
    [{ apiKey: 'canary-1' }, { apiKey: REDACTED }],
    [
      { clientSecret: 'canary-2', clientId: 'abc' },
      { clientSecret: REDACTED, clientId: 'abc' },
    ],
    [
      { secretArn: 'arn:aws:secretsmanager:x', SecretString: 'v' },
      { secretArn: 'arn:aws:secretsmanager:x', SecretString: REDACTED },
    ],
    [{ nested: [{ password: 'p' }] }, { nested: [{ password: REDACTED }] }],
  ])('masks secret keys in %j', (input, expected) => {
    expect(redact(input)).toEqual(expected);
  });

  it('keeps a `__proto__` key from untrusted JSON as a key, masked inside, prototype untouched', () => {
    // Prepare: JSON.parse makes `__proto__` an own key, as in a CloudTrail record.
    const input: unknown = JSON.parse('{"tags":{"__proto__":{"password":"canary-3","x":1}}}');
    // Act
    const out = redact(input) as { tags: Record<string, unknown> };
    // Assess: assigning the key would have made it the copy's prototype and dropped it.
    expect(Object.getPrototypeOf(out.tags)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out.tags, '__proto__')?.value).toEqual({
      password: REDACTED,
      x: 1,
    });
    expect(JSON.stringify(out)).not.toContain('canary-3');
  });

  it('masks JWTs and bearer tokens inside text', () => {
    const text =
      'got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and Bearer abcdefghijklmnop';
    const out = redactText(text);
    expect(out).not.toContain('eyJhbGci');
    expect(out).not.toContain('abcdefghijklmnop');
  });

  it.each([
    [
      'user info in a URL',
      'GET https://admin:pw-CANARY@idp.example/x failed',
      'GET https://idp.example/x failed',
    ],
    [
      'a query string',
      'GET https://idp.example/x?token=CANARY&a=1 failed',
      'GET https://idp.example/x?… failed',
    ],
    [
      'a fragment',
      'see https://idp.example/cb#access_token=CANARY',
      'see https://idp.example/cb?…',
    ],
    ['line breaks', 'first\n\tsecond', 'first second'],
  ])('redactReason drops %s', (_what, text, expected) => {
    expect(redactReason(text)).toBe(expected);
  });

  it('redactReason bounds the length', () => {
    expect(redactReason('y'.repeat(MAX_REASON * 2))).toHaveLength(MAX_REASON);
  });
});
