import { redact, redactText, REDACTED } from '../../lib/shared/redact.js';

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

  it('masks JWTs and bearer tokens inside text', () => {
    const text =
      'got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and Bearer abcdefghijklmnop';
    const out = redactText(text);
    expect(out).not.toContain('eyJhbGci');
    expect(out).not.toContain('abcdefghijklmnop');
  });
});
