/**
 * Gateway posture: the live configuration of each gateway against the seed's best practices
 * and AWS's guidance. The checks (inboundChecks.ts, executionChecks.ts) each carry their id,
 * title and remediation beside their logic; the report and doctor both run them here
 * (assessGateway, assessTokenVault).
 */
import type { PostureCheck } from './checkKit.js';
import { EXECUTION_CHECKS } from './executionChecks.js';
import { INBOUND_CHECKS } from './inboundChecks.js';
import type {
  GatewayAssessment,
  GatewayPosture,
  PostureCheckStatus,
  PostureContext,
  PostureFinding,
  TokenVaultPosture,
} from './types.js';

export type { PostureCheck } from './checkKit.js';

export const POSTURE_CHECKS: readonly PostureCheck[] = [...INBOUND_CHECKS, ...EXECUTION_CHECKS];

/** Runs every posture check on one gateway. */
export function assessGateway(gateway: GatewayPosture, context: PostureContext): GatewayAssessment {
  const findings: PostureFinding[] = [];
  const checks: PostureCheckStatus[] = [];
  for (const check of POSTURE_CHECKS) {
    const outcome = check.run(gateway, context);
    if ('skipped' in outcome) {
      checks.push({
        checkId: check.id,
        title: check.title,
        status: 'skipped',
        reason: outcome.skipped,
      });
      continue;
    }
    checks.push({
      checkId: check.id,
      title: check.title,
      status: outcome.found.length > 0 ? 'fail' : 'pass',
    });
    for (const f of outcome.found)
      findings.push({
        checkId: check.id,
        severity: f.severity,
        resources: [gateway.gatewayArn, ...(f.about ?? [])],
        message: `Gateway ${gateway.gatewayId}: ${f.message}.`,
        remediation: check.remediation,
      });
  }
  return {
    gatewayId: gateway.gatewayId,
    gatewayArn: gateway.gatewayArn,
    ...(gateway.name === undefined ? {} : { name: gateway.name }),
    checks,
    findings,
  };
}

export const TOKEN_VAULT_CHECK = {
  id: 'token-vault-service-key',
  title: 'The token vault is encrypted with a customer-managed KMS key',
  remediation: 'Set a customer-managed key on the token vault (SetTokenVaultCMK).',
} as const;

/** The token vault holds every provider's credentials: a customer-managed key, or a finding. */
export function assessTokenVault(vault: TokenVaultPosture): PostureFinding[] {
  if ((vault.keyType ?? '') === 'CustomerManagedKey' && vault.kmsKeyArn) return [];
  return [
    {
      checkId: TOKEN_VAULT_CHECK.id,
      severity: 'low',
      resources: [vault.arn],
      message: `Token vault ${vault.tokenVaultId} is encrypted with ${vault.keyType === 'CustomerManagedKey' ? 'a customer-managed key it does not name' : 'an AWS-owned key'}: the credentials of every provider are under a key you cannot audit or revoke.`,
      remediation: TOKEN_VAULT_CHECK.remediation,
    },
  ];
}
