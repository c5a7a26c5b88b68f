import { isIP } from 'node:net';
import { isPublicAddress } from '../shared/publicAddress.js';

/**
 * Host names that never name a public service: the loopback name and the reserved or
 * conventional private suffixes (RFC 6761, 6762, 8375; `.internal` is what clouds use for
 * their private DNS, `metadata.google.internal` included).
 */
const PRIVATE_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet'];

/**
 * Why a URL a gateway is configured with is not a public HTTPS endpoint, or undefined when it
 * is. IP literals are judged in every form a URL parser accepts (decimal `2130706433`, octal
 * `0177.0.0.1`, hex `0x7f.1`, short `127.1`, IPv6 with an embedded IPv4 address): the WHATWG
 * parser normalises them first, then {@link isPublicAddress} decides. A DNS name is not
 * resolved (what it resolves to can change after the check): only names that cannot be public
 * (`localhost`, single labels, private suffixes) are reported.
 */
export function urlConcern(value: string, options: { https: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (options.https && url.protocol !== 'https:')
    return `uses ${url.protocol.replace(/:$/, '') || 'no scheme'}, not https`;
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  const literal = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(literal) !== 0)
    return isPublicAddress(literal)
      ? undefined
      : 'points at a private, loopback or link-local address';
  if (host === '') return 'names no host';
  if (host === 'localhost' || PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix)))
    return 'names a private host';
  if (!host.includes('.')) return 'names a single-label (intranet) host';
  return undefined;
}
