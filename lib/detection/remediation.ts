import { safeReason } from '../shared/redact.js';
import { parseCredentialSecret } from '../shared/secretNames.js';
import type { DetectionConfig } from './config.js';
import type { Finding } from './types.js';
import { compareSeverity } from './types.js';

/**
 * Triggers an on-demand rotation of one secret — the same path as `gatewarden rotate`
 * (Secrets Manager `RotateSecret`, which runs the rotation function's four steps).
 */
export interface RotationTrigger {
  /**
   * `idempotencyKey` (32–64 characters) makes a retried remediation of the same finding start
   * one rotation, not two.
   */
  rotate(secretId: string, idempotencyKey: string): Promise<{ versionId?: string }>;
}

/** Auto-remediation settings (opt-in): `remediation` in the detection configuration. */
export type RemediationConfig = DetectionConfig['remediation'];

/** Why a finding was or was not remediated; identifiers only. */
export type RemediationOutcome =
  | { action: 'none'; reason: string }
  | { action: 'rotated'; secretId: string; versionId?: string }
  | { action: 'failed'; secretId: string; reason: string };

/**
 * The secret a finding exposed: its `resource` or a `secretId`/`secretArn` detail, kept only
 * when it is a gatewarden-owned secret (`gatewarden/…`) — the only ones gatewarden can rotate.
 */
export function exposedSecret(finding: Finding): string | undefined {
  const candidates = [
    finding.details?.secretId,
    finding.details?.secretArn,
    finding.resource,
  ].filter((value): value is string => typeof value === 'string' && value.length > 0);
  return candidates.find(isGatewardenSecret);
}

/** A Secrets Manager ClientRequestToken (32–64 chars) derived from the finding id. */
export function idempotencyKeyFor(findingId: string): string {
  const cleaned = `remediate-${findingId}`.replace(/[^A-Za-z0-9-]/g, '-');
  return cleaned.length >= 32 ? cleaned.slice(0, 64) : cleaned.padEnd(32, '0');
}

/**
 * A gateway credential secret gatewarden owns: `gatewarden/<gatewayId>/<kind>/<name>`, by name
 * or ARN. Other `gatewarden/…` secrets (issuer admin credentials) have no rotation function.
 */
export function isGatewardenSecret(id: string): boolean {
  return parseCredentialSecret(id) !== undefined;
}

/**
 * Decides whether a finding calls for rotation and triggers it. Dry-run findings, findings
 * below the threshold and secrets gatewarden does not own never rotate. A failed rotation is
 * returned (not thrown) so the alert still goes out and the batch continues.
 */
export async function remediate(
  finding: Finding,
  config: RemediationConfig,
  trigger: RotationTrigger,
): Promise<RemediationOutcome> {
  if (!config.enabled) return { action: 'none', reason: 'remediation disabled' };
  if (finding.dryRun) return { action: 'none', reason: 'rule in dry-run' };
  if (!config.rules.includes(finding.ruleId)) {
    return { action: 'none', reason: 'rule not configured for remediation' };
  }
  if (compareSeverity(finding.severity, config.minSeverity) < 0) {
    return { action: 'none', reason: `severity below ${config.minSeverity}` };
  }
  const secretId = exposedSecret(finding);
  if (!secretId) return { action: 'none', reason: 'no gatewarden secret in the finding' };
  try {
    const result = await trigger.rotate(secretId, idempotencyKeyFor(finding.findingId));
    return { action: 'rotated', secretId, ...result };
  } catch (error) {
    // The outcome lands in the finding's log and alert: an SDK error may echo a value.
    return { action: 'failed', secretId, reason: safeReason(error) };
  }
}
