import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, isGatewayManagement, principalOf, stableCaller } from './support.js';

/**
 * Client families recognised anywhere in a user agent, most specific first: tools that embed
 * an SDK (Terraform carries `aws-sdk-go-v2`, Boto3 carries botocore) must win over the SDK.
 */
const KNOWN_CLIENTS: readonly [RegExp, string][] = [
  [/terraform/i, 'terraform'],
  [/pulumi/i, 'pulumi'],
  [/aws-cdk/i, 'aws-cdk'],
  [/\baws-cli\//i, 'aws-cli'],
  [/\bboto3\//i, 'Boto3'],
  [/\bbotocore\//i, 'botocore'],
  [/aws-?powershell/i, 'aws-powershell'],
];

/** `aws-sdk-js/3.6`, `aws-sdk-go-v2/1.30`, `aws-sdk-java/2.25`, `aws-sdk-rust/1.3` → SDK name. */
const SDK = /\baws-sdk-([a-z0-9]+)(?:-v\d+)?\//i;

/** Operating system family, from SDK `os/…` metadata, old `Linux/5.10` tokens or a browser. */
function osFamily(ua: string): string {
  const sdk = /\bos\/([a-z]+)/i.exec(ua)?.[1]?.toLowerCase();
  if (sdk !== undefined) return sdk === 'darwin' ? 'macos' : sdk;
  if (/windows/i.test(ua)) return 'windows';
  if (/mac ?os|macintosh|darwin/i.test(ua)) return 'macos';
  if (/android/i.test(ua)) return 'android';
  if (/iphone|ipad|\bios\b/i.test(ua)) return 'ios';
  if (/linux/i.test(ua)) return 'linux';
  return 'other';
}

/**
 * A user agent reduced to client family and OS (`aws-cli os:linux`, `Boto3 os:macos`,
 * `console.amazonaws.com`). The CLI and SDKs append per-call metadata (`md/command#…`,
 * `cfg/retry-mode#…`, `ua/2.1`, `api/…`), so anything finer makes every new command look like
 * a new client.
 */
export function normaliseUserAgent(raw: string): string | undefined {
  const ua = raw.slice(0, 1000).trim();
  if (ua === '') return undefined;
  if (/^aws internal/i.test(ua)) return 'aws-internal';
  // Calls an AWS service makes for the caller (console, CloudFormation) carry its host name.
  const service = /^\[?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com)\]?$/i.exec(ua)?.[1];
  if (service !== undefined) return service.toLowerCase();
  for (const [pattern, family] of KNOWN_CLIENTS) {
    if (pattern.test(ua)) return `${family} os:${osFamily(ua)}`;
  }
  const sdk = SDK.exec(ua)?.[1];
  if (sdk !== undefined) return `aws-sdk-${sdk.toLowerCase()} os:${osFamily(ua)}`;
  if (/^mozilla\//i.test(ua)) return `browser os:${osFamily(ua)}`;
  // Anything else: its first product name (`curl/8.5.0` → `curl`), without versions.
  const product = (ua.split(/[\s/(]/, 1)[0] ?? ua).replace(/[\d.]+$/, '').slice(0, 64) || 'other';
  return `${product.toLowerCase()} os:${osFamily(ua)}`;
}

const familyCache = new Map<string, string | undefined>();

/** The record's user agent as client family plus OS (see {@link normaliseUserAgent}). */
export function userAgentFamily(record: CloudTrailRecord): string | undefined {
  const ua = record.userAgent;
  if (ua === undefined || ua === '') return undefined;
  if (familyCache.has(ua)) return familyCache.get(ua);
  const family = normaliseUserAgent(ua);
  // User agents repeat heavily; the cache is bounded so hostile input cannot grow it.
  if (familyCache.size < 10_000) familyCache.set(ua, family);
  return family;
}
/** A gateway manager acting with a user agent family never seen for it (after learning). */
export const newUserAgent: Rule = {
  id: 'gateway-manager-new-user-agent',
  title: 'Gateway manager acting with a new user agent',
  severity: 'low',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'A principal that manages gateways made a management call with a client (family such as aws-cli, Boto3 or terraform, plus OS) it never used during the baseline.',
  runbook:
    'Check whether the owner changed tools; an unfamiliar SDK or CLI from a familiar role can mean stolen session credentials.',
  events: { sources: [AGENTCORE] },
  reads: [],
  dedup: { key: (r) => `${stableCaller(r)}|${userAgentFamily(r) ?? ''}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'principal-client',
    subject: stableCaller,
    values: (r) => {
      const family = userAgentFamily(r);
      return family === undefined ? [] : [family];
    },
    learning: true,
  },
  evaluate(record) {
    if (!isGatewayManagement(record) || userAgentFamily(record) === undefined) return undefined;
    return {
      summary: `${principalOf(record)} called ${record.eventName} with a new user agent`,
      details: { userAgentFamily: userAgentFamily(record) ?? '' },
    };
  },
};
