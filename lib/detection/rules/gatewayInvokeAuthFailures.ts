import { isIPv6 } from 'node:net';
import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { ipv6Prefix } from './sourceAddress.js';
import { safeIdentifier } from './identifiers.js';
import { AGENTCORE, obj, str } from './support.js';

const AUTH_FAILURE =
  /\b(401|403)\b|unauthori[sz]ed|forbidden|invalid[ _-]?(bearer|token|jwt)|expired[ _-]?token/i;

/**
 * True when an InvokeGateway data event was refused for authentication. AgentCore reports
 * these in `responseElements` rather than `errorCode`: `statusCode` (documented: 401 with
 * "Invalid Bearer token") decides when recorded; a record without one is scanned for
 * status-like fields and messages two levels deep. The JSON-RPC body is the caller's (its `id`
 * can be 401), so a recorded status is never second-guessed by it.
 */
export function invokeAuthFailed(record: CloudTrailRecord): boolean {
  if (record.errorCode !== undefined && AUTH_FAILURE.test(record.errorCode)) return true;
  const status = obj(record.responseElements)?.statusCode;
  if (typeof status === 'number') return status === 401 || status === 403;
  const scan = (value: unknown, depth: number): boolean => {
    if (typeof value === 'number') return value === 401 || value === 403;
    if (typeof value === 'string') return value.length < 2_000 && AUTH_FAILURE.test(value);
    const o = obj(value);
    if (o === undefined || depth === 0) return false;
    for (const item of Object.values(o)) if (scan(item, depth - 1)) return true;
    return false;
  };
  return scan(record.responseElements, 2);
}

/**
 * Who is knocking: the source address AWS recorded. The claims of a refused token were never
 * verified: a guesser writes another client_id into each token (one counter each, no burst),
 * or a real client's, to have the burst named after it.
 */
function caller(record: CloudTrailRecord): string {
  const ip = record.sourceIPAddress ?? 'unknown';
  // One IPv6 host usually holds a whole /64: rotating addresses inside it is one knocker.
  return `ip:${isIPv6(ip) ? ipv6Prefix(ip, 64) : ip}`;
}

function gatewayOf(record: CloudTrailRecord): string {
  for (const resource of record.resources ?? []) {
    if (resource.ARN?.includes(':gateway/'))
      return resource.ARN.split(':gateway/')[1] ?? resource.ARN;
  }
  return str(obj(record.requestParameters)?.gatewayIdentifier) ?? 'unknown';
}

/** Many refused InvokeGateway calls from one caller: token guessing or a leaked, revoked client. */
export const gatewayInvokeAuthFailures: Rule = {
  id: 'gateway-invoke-auth-failures',
  title: 'Burst of refused gateway invocations',
  severity: 'medium',
  mitre: { tactic: 'Credential Access', technique: 'T1110 Brute Force' },
  description:
    'At least 20 InvokeGateway calls from one source address (an IPv6 /64) were refused for authentication within 5 minutes; the claims of a refused token are not trusted to name the caller (needs InvokeGateway data events in the trail).',
  runbook:
    'Identify the client id or source address; if it is not a known agent with an expired credential, block it (WAF or gateway resource policy) and check the issuer for a leaked client secret.',
  events: { sources: [AGENTCORE], names: ['InvokeGateway'] },
  threshold: { key: (r) => `${gatewayOf(r)}|${caller(r)}`, threshold: 20, windowSeconds: 300 },
  reads: [
    'additionalEventData.jwt',
    'resources',
    // statusCode when recorded; otherwise any status-like field or message (see above).
    'responseElements',
  ],
  dedup: { key: (r) => `${gatewayOf(r)}|${caller(r)}`, windowSeconds: 3600 },
  evaluate(record) {
    if (!invokeAuthFailed(record)) return undefined;
    const gatewayId = gatewayOf(record);
    const claims = obj(obj(obj(record.additionalEventData)?.jwt)?.claims);
    const claimed = safeIdentifier(claims?.client_id ?? claims?.azp ?? claims?.sub);
    return {
      summary: `gateway ${gatewayId} refused a burst of invocations from ${caller(record)}`,
      resource: gatewayId,
      details: {
        caller: caller(record),
        // As the last refused token said it: unverified.
        ...(claimed === undefined ? {} : { claimedClient: claimed }),
      },
    };
  },
};
