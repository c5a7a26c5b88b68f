import { assessGateway, assessTokenVault } from '../posture/index.js';
import type { GatewayPosture, PostureContext, PostureFinding } from '../posture/types.js';
import { parseCredentialSecret } from '../shared/secretNames.js';
import type { DoctorOptions } from './checks.js';
import { unverifiedReason } from './errors.js';
import type { DoctorReader } from './ports.js';
import type { CheckResult } from './types.js';

/**
 * Gateway posture (`doctor --posture`): the same checks as the report's "Gateway posture"
 * section, on the live configuration of every gateway (or the one `--gateway` names). A finding
 * fails; a part of the configuration the caller could not read is "could not verify"; the
 * checks that passed are one line per gateway.
 */
export async function postureChecks(
  reader: DoctorReader,
  options: DoctorOptions,
  account: string,
): Promise<CheckResult[]> {
  if (!reader.gatewayPostures) return [];
  let read: Awaited<ReturnType<NonNullable<DoctorReader['gatewayPostures']>>>;
  try {
    read = await reader.gatewayPostures(options.gatewayId);
  } catch (error) {
    return [
      {
        id: 'posture',
        area: 'posture',
        status: 'unverified',
        message: `could not read the gateways' configuration (${unverifiedReason(error)})`,
      },
    ];
  }
  const context: PostureContext = {
    ...(account ? { accountId: account } : {}),
    production: options.production ?? true,
    declaredInterceptors: options.allowedInterceptors ?? [],
    ...(read.rotatedSecrets === undefined
      ? {}
      : { rotatedProviders: rotatedProviders(read.gateways, read.rotatedSecrets) }),
  };
  const results: CheckResult[] = [];
  for (const gateway of read.gateways) {
    const assessment = assessGateway(gateway, context);
    for (const finding of assessment.findings) results.push(failure(finding, gateway.gatewayId));
    for (const check of assessment.checks.filter(
      (c) => c.status === 'skipped' && /not read/.test(c.reason ?? ''),
    ))
      results.push({
        id: `posture.${check.checkId}:${gateway.gatewayId}`,
        area: 'posture',
        status: 'unverified',
        message: `gateway ${gateway.gatewayId}: could not verify ${check.checkId}: ${check.reason ?? ''}`,
      });
    const passed = assessment.checks.filter((c) => c.status === 'pass').length;
    results.push({
      id: `posture:${gateway.gatewayId}`,
      area: 'posture',
      status: 'pass',
      message: `gateway ${gateway.gatewayId}: ${passed} of ${assessment.checks.length} posture checks passed${assessment.findings.length > 0 ? `, ${assessment.findings.length} finding(s) above` : ''}`,
    });
  }
  if (read.tokenVault !== undefined)
    for (const finding of assessTokenVault(read.tokenVault))
      results.push(failure(finding, read.tokenVault.tokenVaultId));
  if (read.gateways.length === 0)
    results.push({
      id: 'posture',
      area: 'posture',
      status: 'pass',
      message: options.gatewayId ? `no gateway ${options.gatewayId}` : 'no gateway to check',
    });
  return results;
}

function failure(finding: PostureFinding, subject: string): CheckResult {
  return {
    id: `posture.${finding.checkId}:${subject}`,
    area: 'posture',
    status: 'fail',
    message: `${finding.message} ${finding.remediation}`,
    details: finding.resources,
  };
}

/**
 * Providers the gateways use that a rotation-enabled gatewarden secret is named after
 * (`gatewarden/<gateway>/<kind>/<provider>`).
 */
function rotatedProviders(gateways: GatewayPosture[], rotatedSecrets: string[]): Set<string> {
  const names = new Set(
    rotatedSecrets.flatMap((name) => {
      const parsed = parseCredentialSecret(name);
      return parsed && parsed.kind !== 'inboundClient' ? [parsed.name] : [];
    }),
  );
  const arns = gateways.flatMap((g) => g.targets.flatMap((t) => t.providerArns));
  return new Set(arns.filter((arn) => names.has(arn.split('/').pop() ?? '')));
}
