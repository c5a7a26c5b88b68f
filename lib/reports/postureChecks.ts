import {
  assessGateway,
  assessTokenVault,
  POSTURE_CHECKS,
  TOKEN_VAULT_CHECK,
  type GatewayAssessment,
  type PostureContext,
  type PostureFinding,
} from '../posture/index.js';
import { ENV } from '../shared/env.js';
import { parseCredentialSecret } from '../shared/secretNames.js';
import type { GatewayPosture } from '../posture/types.js';
import type { GatewayInfo, GatewayInventory } from './inventory.js';
import type { CheckResult, ReportFinding } from './reportTypes.js';

/** What the deployment declares about its gateways (stage params, CLI flags). */
export interface PostureDeclarations {
  /** Default true: unless the stage says otherwise, DEBUG errors are a finding. */
  production?: boolean;
  /** Interceptor / transform Lambda ARNs reviewed to see headers or run in another account. */
  allowedInterceptors?: string[];
}

/**
 * Declarations from the environment the stage sets (`GATEWARDEN_POSTURE_PRODUCTION`,
 * `GATEWARDEN_POSTURE_INTERCEPTORS`), plus any given on the command line.
 */
export function postureDeclarations(
  env: NodeJS.ProcessEnv,
  extra: { nonProduction?: boolean; allowedInterceptors?: string[] } = {},
): PostureDeclarations {
  const listed = (env[ENV.postureAllowedInterceptors] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    production: !extra.nonProduction && (env[ENV.postureProduction] ?? 'true').trim() !== 'false',
    allowedInterceptors: [...new Set([...listed, ...(extra.allowedInterceptors ?? [])])],
  };
}

export const POSTURE_CHECK_TITLES: Record<string, { title: string }> = Object.fromEntries([
  ...POSTURE_CHECKS.map((c) => [c.id, { title: c.title }] as const),
  [TOKEN_VAULT_CHECK.id, { title: TOKEN_VAULT_CHECK.title }] as const,
]);

/**
 * Providers registered for rotation: those a rotation-enabled secret serves (an EXTERNAL
 * provider reading it), and those a rotation-enabled gatewarden secret of the gateway is named
 * after (`gatewarden/<gateway>/<kind>/<provider>`, a MANAGED provider gatewarden pushes to).
 */
export function rotatedProviders(inventory: GatewayInventory): Set<string> {
  const rotated = new Set<string>();
  const rotating = inventory.secrets.filter((s) => s.rotationEnabled);
  for (const secret of rotating) for (const arn of secret.providerArns) rotated.add(arn);
  for (const provider of inventory.credentialProviders) {
    const named = rotating.some((s) => {
      const parsed = parseCredentialSecret(s.name);
      return (
        parsed !== undefined && parsed.kind !== 'inboundClient' && parsed.name === provider.name
      );
    });
    if (named) rotated.add(provider.arn);
  }
  return rotated;
}

/** The posture of each gateway (its section of the report) and the findings, report-shaped. */
export function checkPosture(
  inventory: GatewayInventory,
  inventoryKnown: boolean,
  declarations: PostureDeclarations = {},
): { assessments: GatewayAssessment[]; findings: ReportFinding[]; checks: CheckResult[] } {
  const ids = Object.keys(POSTURE_CHECK_TITLES);
  if (!inventoryKnown)
    return {
      assessments: [],
      findings: [],
      checks: ids.map((checkId) => skipped(checkId, 'gateway inventory not read (offline run)')),
    };
  const context: PostureContext = {
    ...(inventory.accountId === undefined ? {} : { accountId: inventory.accountId }),
    production: declarations.production ?? true,
    declaredInterceptors: declarations.allowedInterceptors ?? [],
    rotatedProviders: rotatedProviders(inventory),
  };
  const assessments = inventory.gateways.map((g) =>
    assessGateway(g.posture ?? summaryPosture(g), context),
  );
  const vaultFindings =
    inventory.tokenVault === undefined ? [] : assessTokenVault(inventory.tokenVault);
  const findings = [...assessments.flatMap((a) => a.findings), ...vaultFindings].map(reportFinding);
  const checks = ids.map((checkId): CheckResult => {
    const title = POSTURE_CHECK_TITLES[checkId]?.title ?? checkId;
    if (findings.some((f) => f.checkId === checkId)) return { checkId, title, status: 'fail' };
    if (checkId === TOKEN_VAULT_CHECK.id)
      return inventory.tokenVault === undefined
        ? skipped(checkId, 'token vault not read')
        : { checkId, title, status: 'pass' };
    const statuses = assessments.map((a) => a.checks.find((c) => c.checkId === checkId));
    if (statuses.some((s) => s?.status === 'pass')) return { checkId, title, status: 'pass' };
    const reason =
      assessments.length === 0
        ? inventory.gateways.length === 0
          ? 'no gateway found'
          : 'no gateway configuration read'
        : (statuses.find((s) => s?.reason)?.reason ?? 'not applicable');
    return skipped(checkId, reason);
  });
  return { assessments, findings, checks };
}

/**
 * What the inventory summary alone says (an in-memory inventory, or GetGateway refused): the
 * authorizer type and discovery URL; every other check says its part was not read.
 */
function summaryPosture(gateway: GatewayInfo): GatewayPosture {
  const reason = 'gateway configuration not read';
  return {
    gatewayId: gateway.gatewayId,
    gatewayArn: gateway.gatewayArn,
    ...(gateway.name === undefined ? {} : { name: gateway.name }),
    ...(gateway.authorizerType === undefined ? {} : { authorizerType: gateway.authorizerType }),
    ...(gateway.discoveryUrl === undefined
      ? {}
      : {
          jwt: {
            discoveryUrl: gateway.discoveryUrl,
            allowedClients: [],
            allowedAudience: [],
            allowedScopes: [],
          },
        }),
    interceptors: [],
    targets: [],
    gaps: {
      gateway: reason,
      targets: reason,
      resourcePolicy: reason,
      workloadIdentity: reason,
    },
  };
}

function skipped(checkId: string, reason: string): CheckResult {
  return {
    checkId,
    title: POSTURE_CHECK_TITLES[checkId]?.title ?? checkId,
    status: 'skipped',
    reason,
  };
}

function reportFinding(f: PostureFinding): ReportFinding {
  const [resource = '', ...rest] = f.resources;
  return {
    id: `${f.checkId}|${resource}|${rest.join(',')}|${f.message}`,
    checkId: f.checkId,
    severity: f.severity,
    resource,
    resources: f.resources,
    message: `${f.message} ${f.remediation}`,
    remediation: f.remediation,
  };
}
