import type { DetectionConfig } from './config.js';
import type { DetectionState } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import type { RuleMatch, Severity } from './types.js';

/**
 * Behaviour baselines: what is normal for each principal on the gateway surface, learned from
 * the stream itself and kept behind the {@link DetectionState} ports (DynamoDB when deployed,
 * memory in replay and tests).
 *
 * - first time a principal performs an action (eventSource:eventName) on a gateway resource;
 * - a new source network or user agent for a principal that manages gateway resources;
 * - a call-rate spike: a principal's calls in the current hour against its trailing day.
 *
 * Novelty only alerts once the principal has been observed for the learning period
 * (`baseline.learningDays`), so a fresh deployment learns quietly first.
 */

/** Metadata of a baseline behaviour, shaped like a rule's so findings look the same. */
export interface BaselineRule {
  id: string;
  title: string;
  severity: Severity;
  mitre: { tactic: string; technique: string };
  description: string;
  runbook: string;
  dedupWindowSeconds: number;
}

export interface BaselineHit {
  rule: BaselineRule;
  match: RuleMatch;
  /** Dedup key within the rule: one alert per (principal, novelty) per window. */
  dedupKey: string;
}

export const BASELINE_RULES = {
  firstAction: {
    id: 'baseline-first-gateway-action',
    title: 'Principal performed an action on a gateway resource for the first time',
    severity: 'medium',
    mitre: {
      tactic: 'Privilege Escalation',
      technique: 'T1078.004 Valid Accounts: Cloud Accounts',
    },
    description:
      'A principal observed for longer than the learning period performed an action on a gateway, gateway target, credential provider, gateway secret or gateway role that it had never performed before.',
    runbook:
      'Confirm with the principal owner that the change was intended; if not, revert it, review the principal session and rotate the affected gateway credentials.',
    dedupWindowSeconds: 86_400,
  },
  newSourceIp: {
    id: 'baseline-new-source-ip',
    title: 'Gateway manager acting from a new network',
    severity: 'medium',
    mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
    description:
      'A principal that manages gateway resources made a call from a source network (IPv4 /24, IPv6 /64) not seen for it during its baseline.',
    runbook:
      'Check whether the network belongs to the organisation (VPN, CI, new office); if not, revoke the session credentials and review what the principal changed.',
    dedupWindowSeconds: 86_400,
  },
  newUserAgent: {
    id: 'baseline-new-user-agent',
    title: 'Gateway manager using a new client',
    severity: 'low',
    mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
    description:
      'A principal that manages gateway resources used a client (user-agent product and major version) not seen for it during its baseline.',
    runbook:
      'Confirm the tool is expected for this principal (SDK upgrade, new automation); an unfamiliar tool together with a new network suggests stolen credentials.',
    dedupWindowSeconds: 86_400,
  },
  callRateSpike: {
    id: 'baseline-call-rate-spike',
    title: 'Call-rate spike by a principal on the gateway surface',
    severity: 'medium',
    mitre: { tactic: 'Discovery', technique: 'T1526 Cloud Service Discovery' },
    description:
      "A principal's calls in the current hour exceed several times its hourly average over the trailing day.",
    runbook:
      'Look at what the principal called in this hour (enumeration, bulk reads, scripted changes); contain the principal if the activity is not a known job.',
    dedupWindowSeconds: 3_600,
  },
} as const satisfies Record<string, BaselineRule>;

/** Call-rate spike tuning. */
export interface RateSettings {
  windowSeconds: number;
  trailingWindows: number;
  /** No spike below this many calls in the current window. */
  minCalls: number;
  /** Current window must exceed `factor` × the trailing mean. */
  factor: number;
  /** Trailing windows must hold at least this many calls (the rate baseline's learning). */
  minHistory: number;
}

export const DEFAULT_RATE: RateSettings = {
  windowSeconds: 3_600,
  trailingWindows: 24,
  minCalls: 50,
  factor: 5,
  minHistory: 24,
};

export interface BaselineSettings {
  learningDays: number;
  sources: readonly string[];
  rate: RateSettings;
  /** Principal patterns of gateway roles (to recognise IAM calls on gateway roles). */
  gatewayRolePrincipals: readonly string[];
}

/** Baseline settings from the detection configuration. */
export function baselineSettings(
  config: Pick<DetectionConfig, 'baseline' | 'gatewayRolePrincipals'>,
  rate: Partial<RateSettings> = {},
): BaselineSettings {
  return {
    learningDays: config.baseline.learningDays,
    sources: config.baseline.sources,
    rate: { ...DEFAULT_RATE, ...rate },
    gatewayRolePrincipals: config.gatewayRolePrincipals,
  };
}

/**
 * Who acted: the role ARN for assumed-role sessions (session names change, the role does not),
 * the user ARN, root, or the AWS service. Undefined when CloudTrail names nobody.
 */
export function principalOf(record: CloudTrailRecord): string | undefined {
  const identity = record.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer?.arn;
  if (identity.type === 'AssumedRole' && issuer) return issuer;
  if (identity.type === 'AWSService') return identity.invokedBy ?? 'AWSService';
  return identity.arn ?? issuer ?? identity.principalId ?? identity.invokedBy;
}

const SERVICE_HOST = /(^|\.)amazonaws\.com$|^AWS Internal$/i;

/** Baselines compare networks, not single addresses: IPv4 /24 and IPv6 /64. */
export function sourceNetwork(ip: string | undefined): string | undefined {
  if (!ip || SERVICE_HOST.test(ip)) return undefined;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.toLowerCase().split('::')[0]?.split(':') ?? [];
    return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return ip;
}

/**
 * A client family: the user agent's first product token with its major version
 * (`aws-cli/2.15.3 Python/3.11` → `aws-cli/2`), so routine upgrades are not "new". Console
 * sessions collapse to `console`.
 */
export function userAgentFamily(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const ua = userAgent.trim();
  if (ua.length === 0 || SERVICE_HOST.test(ua)) return undefined;
  if (/console\.(aws\.)?amazon(aws)?\.com|signin\.amazonaws\.com|^Mozilla\//i.test(ua)) {
    return 'console';
  }
  const first = ua.replace(/^\[|\]$/g, '').split(/\s+/)[0] ?? ua;
  const match = /^([^/]+)\/v?(\d+)/.exec(first);
  return (match ? `${match[1]}/${match[2]}` : first).toLowerCase().slice(0, 128);
}

function matchesPattern(value: string, pattern: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(value);
}

function stringParam(record: CloudTrailRecord, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record.requestParameters?.[key] ?? record.responseElements?.[key];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/**
 * The gateway resource a record acts on, or undefined when it is not on the gateway surface:
 * AgentCore gateways/targets/credential providers/token vault, gatewarden or AgentCore
 * Identity secrets, and IAM roles matching the gateway-role patterns.
 */
export function gatewayResourceOf(
  record: CloudTrailRecord,
  gatewayRolePatterns: readonly string[],
): string | undefined {
  switch (record.eventSource) {
    case 'bedrock-agentcore.amazonaws.com': {
      const arn = record.resources?.find((r) => r.ARN?.includes(':gateway/'))?.ARN;
      const gateway = stringParam(record, 'gatewayIdentifier', 'gatewayArn', 'gatewayId');
      if (gateway ?? arn) return gateway ?? arn;
      if (/CredentialProvider|TokenVault|WorkloadIdentit/.test(record.eventName)) {
        const name = stringParam(record, 'name', 'credentialProviderArn', 'tokenVaultId');
        return name
          ? `${record.eventName.replace(/^(Create|Update|Delete|Get|List|Set)/, '')}/${name}`
          : record.eventName;
      }
      return /Gateway/.test(record.eventName) ? 'gateway' : undefined;
    }
    case 'secretsmanager.amazonaws.com': {
      const secret = stringParam(record, 'secretId', 'name', 'arn');
      if (secret && /(^|:secret:)(gatewarden\/|bedrock-agentcore-identity!)/.test(secret)) {
        return secret;
      }
      return undefined;
    }
    case 'iam.amazonaws.com': {
      const role = stringParam(record, 'roleName');
      if (role && gatewayRolePatterns.some((pattern) => matchesPattern(role, pattern))) {
        return `role/${role}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Evaluates the baselines for one valid record: learns from it and returns any novelty that
 * should alert. Calls that failed (`errorCode`) and calls by AWS services teach nothing: a
 * denied attempt must not make an action "known".
 */
export async function evaluateBaselines(
  record: CloudTrailRecord,
  settings: BaselineSettings,
  state: Pick<DetectionState, 'baselines' | 'counters'>,
): Promise<BaselineHit[]> {
  if (!settings.sources.includes(record.eventSource)) return [];
  if (record.errorCode || record.userIdentity.type === 'AWSService') return [];
  const principal = principalOf(record);
  if (!principal) return [];
  const atMs = Date.parse(record.eventTime);
  if (Number.isNaN(atMs)) return [];
  const learningMs = settings.learningDays * 86_400_000;
  const hits: BaselineHit[] = [];

  const resource = gatewayResourceOf(record, settings.gatewayRolePrincipals);
  if (resource) {
    const action = `${record.eventSource.replace('.amazonaws.com', '')}:${record.eventName}`;
    const network = sourceNetwork(record.sourceIPAddress);
    const agent = userAgentFamily(record.userAgent);
    const checks: Array<['action' | 'sourceIp' | 'userAgent', string | undefined]> = [
      ['action', action],
      ['sourceIp', network],
      ['userAgent', agent],
    ];
    const observations = await Promise.all(
      checks.map(async ([dimension, value]) =>
        value === undefined
          ? undefined
          : {
              dimension,
              value,
              ...(await state.baselines.observe(dimension, principal, value, atMs)),
            },
      ),
    );
    for (const observation of observations) {
      if (!observation || observation.known) continue;
      if (atMs - observation.subjectFirstSeenMs < learningMs) continue;
      hits.push(noveltyHit(observation.dimension, observation.value, principal, resource, record));
    }
  }

  const spike = await evaluateRate(principal, atMs, settings.rate, state.counters);
  if (spike) hits.push(spike);
  return hits;
}

function noveltyHit(
  dimension: 'action' | 'sourceIp' | 'userAgent',
  value: string,
  principal: string,
  resource: string,
  record: CloudTrailRecord,
): BaselineHit {
  switch (dimension) {
    case 'action':
      return {
        rule: BASELINE_RULES.firstAction,
        dedupKey: `${principal}|${value}`,
        match: {
          summary: `${principal} called ${record.eventName} on the gateway surface for the first time since its baseline began`,
          resource,
          details: { baselineAction: value },
        },
      };
    case 'sourceIp':
      return {
        rule: BASELINE_RULES.newSourceIp,
        dedupKey: `${principal}|${value}`,
        match: {
          summary: `${principal} called ${record.eventName} from network ${value}, not seen for it before`,
          resource,
          details: { sourceNetwork: value },
        },
      };
    case 'userAgent':
      return {
        rule: BASELINE_RULES.newUserAgent,
        dedupKey: `${principal}|${value}`,
        match: {
          summary: `${principal} called ${record.eventName} with client ${value}, not seen for it before`,
          resource,
          details: { userAgentFamily: value },
        },
      };
  }
}

/** Counts the call and compares the current window with the trailing ones. */
async function evaluateRate(
  principal: string,
  atMs: number,
  rate: RateSettings,
  counters: DetectionState['counters'],
): Promise<BaselineHit | undefined> {
  const windowMs = rate.windowSeconds * 1000;
  const windowStart = Math.floor(atMs / windowMs) * windowMs;
  const key = `rate|${principal}`;
  const count = await counters.add(key, windowStart, rate.windowSeconds);
  // Only look back when the count could be a spike, and then at a few points, not every call.
  if (count < rate.minCalls || (count !== rate.minCalls && count % 10 !== 0)) return undefined;
  const starts = Array.from(
    { length: rate.trailingWindows },
    (_, i) => windowStart - (i + 1) * windowMs,
  );
  const totals = await counters.totals(key, starts);
  const history = totals.reduce((sum, n) => sum + n, 0);
  if (history < rate.minHistory) return undefined;
  const mean = history / rate.trailingWindows;
  if (count <= rate.factor * mean) return undefined;
  return {
    rule: BASELINE_RULES.callRateSpike,
    dedupKey: `${principal}|${windowStart}`,
    match: {
      summary: `${principal} made ${count} calls in the hour from ${new Date(windowStart).toISOString()}, ${(count / Math.max(mean, 1)).toFixed(1)}× its trailing hourly mean of ${mean.toFixed(1)}`,
      details: { callsThisWindow: count, trailingMean: Number(mean.toFixed(2)) },
    },
  };
}
