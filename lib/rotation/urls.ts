import { RotationError } from './errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The one rule for issuer, token, probe and vendor endpoint URLs: HTTPS, except plain HTTP on
 * the loopback interface (the local stack and contract-test servers). Returns the parsed URL.
 * `ErrorType` lets a caller keep its own error class (the vendor issuers throw
 * `IssuerHttpError`); the message never quotes the URL, which may carry a token.
 */
export function checkedUrl(
  value: string,
  what = 'URL',
  ErrorType: typeof RotationError = RotationError,
): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ErrorType(`${what} is not a valid URL`, { context: { what } });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  throw new ErrorType(`${what} must use https (plain http only on 127.0.0.1 or localhost)`, {
    context: { what, host: url.hostname, protocol: url.protocol },
  });
}

/** True when `value` passes {@link checkedUrl}; for schema refinements. */
export function isAllowedUrl(value: string): boolean {
  try {
    checkedUrl(value);
    return true;
  } catch {
    return false;
  }
}
