import { checkedUrl, isAllowedUrl } from '../../../lib/rotation/urls.js';

describe('issuer URL rule', () => {
  it.each([
    ['https://idp.example/reg/1', true],
    ['http://127.0.0.1:4000/reg/1', true],
    ['http://localhost:4000/token', true],
    ['http://[::1]:4000/token', true],
    ['http://idp.example/reg/1', false],
    ['http://127.0.0.1.evil.example/reg', false],
    ['ftp://idp.example/x', false],
    ['not a url', false],
  ])('%s allowed: %s', (url, allowed) => {
    expect(isAllowedUrl(url)).toBe(allowed);
  });

  it('names the rule, not the URL, in its error', () => {
    expect(() => checkedUrl('http://idp.example/reg?token=abc', 'registrationClientUri')).toThrow(
      'registrationClientUri must use https (plain http only on 127.0.0.1 or localhost)',
    );
  });
});
