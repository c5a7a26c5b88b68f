import type { DetectionConfig } from './config.js';
import type { DedupStore } from './ports.js';
import type { CloudTrailRecord } from './record.js';
import type { Finding } from './types.js';

/**
 * Noise control between the engine and the channels. In order:
 * 1. disabled rules and active suppressions (principal / action / resource / rule patterns,
 *    each with an expiry) drop the finding;
 * 2. the dedup window: of all findings with the same rule and dedup key inside the window,
 *    only the first claim alerts (DynamoDB conditional write when deployed);
 * 3. dry-run rules are counted but never alerted.
 * Per-channel severity thresholds are applied by the sinks (see `withSeverityThreshold`).
 */
export type NoiseDecision =
  | { outcome: 'alert' }
  | { outcome: 'dry-run' }
  | { outcome: 'duplicate' }
  | { outcome: 'disabled' }
  | { outcome: 'suppressed'; reason: string };

export type NoiseConfig = Pick<DetectionConfig, 'suppressions' | 'dryRunRules' | 'disabledRules'>;

type Suppression = DetectionConfig['suppressions'][number];

/** Case-insensitive glob with `*` (any run of characters) and `?` (one character). */
export function globMatch(value: string, pattern: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'is').test(value);
}

/**
 * The names a principal pattern may match: the finding's principal, and from the record the
 * caller's ARN, its session issuer (role) ARN and the user/role names.
 */
function principalNames(finding: Finding, record: CloudTrailRecord | undefined): string[] {
  const identity = record?.userIdentity;
  const issuer = identity?.sessionContext?.sessionIssuer;
  const names = [
    finding.principal,
    finding.principal.split('/').pop(),
    identity?.arn,
    identity?.userName,
    issuer?.arn,
    issuer?.userName,
    identity?.invokedBy,
  ];
  return names.filter((name): name is string => typeof name === 'string' && name.length > 0);
}

/** True when `suppression` covers the finding at `nowMs`. */
export function suppressionMatches(
  suppression: Suppression,
  finding: Finding,
  record: CloudTrailRecord | undefined,
  nowMs: number,
): boolean {
  if (Date.parse(suppression.expires) <= nowMs) return false;
  if (suppression.ruleId && !globMatch(finding.ruleId, suppression.ruleId)) return false;
  if (
    suppression.principal &&
    !principalNames(finding, record).some((name) => globMatch(name, suppression.principal ?? ''))
  ) {
    return false;
  }
  if (suppression.action) {
    const actions = [finding.eventName, `${finding.eventSource}:${finding.eventName}`];
    const short = `${finding.eventSource.replace(/\.amazonaws\.com$/, '')}:${finding.eventName}`;
    actions.push(short);
    if (!actions.some((action) => globMatch(action, suppression.action ?? ''))) return false;
  }
  if (suppression.resource) {
    const resources = [finding.resource, ...(record?.resources ?? []).map((r) => r.ARN)].filter(
      (value): value is string => typeof value === 'string',
    );
    if (!resources.some((resource) => globMatch(resource, suppression.resource ?? ''))) {
      return false;
    }
  }
  return true;
}

/** Rule-level filters that need no state: disabled rules and active suppressions. */
export function staticDecision(
  finding: Finding,
  record: CloudTrailRecord | undefined,
  config: NoiseConfig,
  nowMs: number,
): NoiseDecision | undefined {
  if (config.disabledRules.some((pattern) => globMatch(finding.ruleId, pattern))) {
    return { outcome: 'disabled' };
  }
  const suppression = config.suppressions.find((s) =>
    suppressionMatches(s, finding, record, nowMs),
  );
  if (suppression) return { outcome: 'suppressed', reason: suppression.reason };
  return undefined;
}

/** True when the rule is configured to count without alerting. */
export function isDryRun(ruleId: string, config: Pick<NoiseConfig, 'dryRunRules'>): boolean {
  return config.dryRunRules.some((pattern) => globMatch(ruleId, pattern));
}

/**
 * Full decision for one finding. `dedup` is the rule's dedup key and window; when the engine
 * already claimed the dedup window, pass `undefined` and only the static filters and dry-run
 * apply. Dry-run findings claim a separate window (`<ruleId>#dry-run`), so the counts say how
 * many alerts the rule *would* have sent, and switching dry-run off does not swallow the next
 * real alert.
 */
export async function decide(
  finding: Finding,
  record: CloudTrailRecord | undefined,
  config: NoiseConfig,
  dedupStore: DedupStore,
  dedup: { key: string; windowSeconds: number } | undefined,
  nowMs: number,
): Promise<NoiseDecision> {
  const early = staticDecision(finding, record, config, nowMs);
  if (early) return early;
  const dryRun = isDryRun(finding.ruleId, config);
  if (dedup) {
    const atMs = Date.parse(finding.eventTime);
    const claimed = await dedupStore.claim(
      dryRun ? `${finding.ruleId}#dry-run` : finding.ruleId,
      dedup.key,
      Number.isNaN(atMs) ? nowMs : atMs,
      dedup.windowSeconds,
    );
    if (!claimed) return { outcome: 'duplicate' };
  }
  return dryRun ? { outcome: 'dry-run' } : { outcome: 'alert' };
}
