import type { Rule } from '../types.js';
import {
  AGENTCORE,
  failed,
  gatewayIdOf,
  hostOf,
  matchesPattern,
  param,
  principalOf,
  str,
} from './support.js';

const WELL_KNOWN = /\/\.well-known\/(openid-configuration|oauth-authorization-server)\/?$/i;

/**
 * The issuer a discovery URL names: host plus path, without the well-known suffix. The host
 * alone is not enough: Cognito (`cognito-idp.<region>.amazonaws.com/<pool>`) and Entra ID
 * (`login.microsoftonline.com/<tenant>`) serve every customer from one host, so an attacker's
 * own user pool or tenant differs only in the path.
 */
export function issuerOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const path = parsed.pathname.replace(WELL_KNOWN, '').replace(/\/+$/, '');
  return `${parsed.host.toLowerCase()}${path}`;
}

/** True when `url` is under a trusted issuer: a URL prefix (ending at a path boundary) or a host pattern. */
export function isTrustedIssuer(url: string, trusted: readonly string[]): boolean {
  const host = hostOf(url);
  const issuer = issuerOf(url).toLowerCase();
  return trusted.some((entry) => {
    const t = entry.trim();
    if (/^https?:\/\//i.test(t)) {
      // `https://idp.example.com` must not admit `https://idp.example.com.evil.io`.
      const prefix = issuerOf(t).toLowerCase();
      return issuer === prefix || issuer.startsWith(`${prefix}/`);
    }
    return host !== undefined && (host === t.toLowerCase() || matchesPattern(host, t));
  });
}

function discoveryUrl(record: Parameters<Rule['evaluate']>[0]): string | undefined {
  return str(param(record, 'authorizerConfiguration', 'customJWTAuthorizer', 'discoveryUrl'));
}

function discoveryIssuer(record: Parameters<Rule['evaluate']>[0]): string | undefined {
  const url = discoveryUrl(record);
  return url === undefined ? undefined : issuerOf(url);
}

/**
 * A gateway's JWT discovery URL moved to another issuer: outside the configured trusted
 * issuers when there are any (certain), else a host never seen for this gateway (baseline).
 */
export const gatewayIssuerChanged: Rule = {
  id: 'gateway-issuer-changed',
  title: 'Gateway JWT issuer changed',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1556 Modify Authentication Process' },
  description:
    'The discovery URL of a gateway authorizer points to an issuer it did not use before (or outside the trusted issuers): whoever controls that issuer can mint accepted tokens.',
  runbook:
    'Check the new discovery URL with the identity team; if unknown, restore the previous issuer, rotate inbound client secrets and review InvokeGateway calls since the change.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  reads: [
    'requestParameters.authorizerConfiguration',
    'requestParameters.gatewayIdentifier',
    'responseElements.gatewayId',
  ],
  dedup: {
    key: (r) => `${gatewayIdOf(r) ?? ''}|${discoveryIssuer(r) ?? ''}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'gateway-issuer-url',
    subject: (r) => gatewayIdOf(r),
    values: (r) => {
      const issuer = discoveryIssuer(r);
      return issuer === undefined ? [] : [issuer];
    },
  },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const url = discoveryUrl(record);
    if (url === undefined) return undefined;
    const issuer = issuerOf(url);
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const trusted = context.trustedIssuers ?? [];
    const untrusted = trusted.length > 0 && !isTrustedIssuer(url, trusted);
    if (trusted.length > 0 && !untrusted) return undefined;
    return {
      summary: `gateway ${gatewayId} discovery URL set to issuer ${issuer} by ${principalOf(record)}`,
      resource: gatewayId,
      details: { issuerHost: hostOf(url) ?? url, issuer },
      facts: [`issuer=${issuer}`],
      certain: untrusted,
    };
  },
};
