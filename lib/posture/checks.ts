/**
 * Gateway posture: the live configuration of each gateway against the seed's best practices
 * and AWS's guidance. One table of checks, each with its id, title and remediation beside its
 * logic; the report and doctor both run it (assessGateway, assessTokenVault).
 */
import type { Severity } from '../detection/types.js';
import { publicStatements } from './resourcePolicy.js';
import type {
  GatewayAssessment,
  GatewayPosture,
  PostureCheckStatus,
  PostureContext,
  PostureFinding,
  TokenVaultPosture,
} from './types.js';
import { urlConcern } from './urls.js';

/** What one check found: findings (none = pass), or why it could not look. */
type Outcome = { found: Found[] } | { skipped: string };
interface Found {
  severity: Severity;
  /** Resources beyond the gateway's ARN (an interceptor, a target, a provider). */
  about?: string[];
  message: string;
}

export interface PostureCheck {
  id: string;
  title: string;
  remediation: string;
  run(gateway: GatewayPosture, context: PostureContext): Outcome;
}

const pass: Outcome = { found: [] };
const found = (...items: Found[]): Outcome => ({ found: items });
const gap = (gateway: GatewayPosture, key: keyof GatewayPosture['gaps'], what: string) =>
  gateway.gaps[key] === undefined
    ? undefined
    : { skipped: `${what} not read (${gateway.gaps[key]})` };

/** A wildcard entry admits any token: `*` alone or inside a value. */
const wild = (values: string[]): string[] => values.filter((v) => v.includes('*'));

const accountOf = (arn: string): string | undefined =>
  /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];

const targetRef = (gateway: GatewayPosture, targetId: string) =>
  `${gateway.gatewayArn}/target/${targetId}`;

export const POSTURE_CHECKS: readonly PostureCheck[] = [
  {
    id: 'gateway-authorizer-none',
    title: 'Every gateway authenticates its callers',
    remediation: 'Set a CUSTOM_JWT (or AWS_IAM) authorizer with UpdateGateway.',
    run: (g) => {
      const type = (g.authorizerType ?? '').toUpperCase();
      if (type === 'NONE')
        return found({
          severity: 'high',
          message: 'authorizerType NONE: anyone who can reach its endpoint can call its tools',
        });
      if (type === '') return { skipped: 'authorizer type not read' };
      return pass;
    },
  },
  {
    id: 'gateway-jwt-audience-open',
    title: 'A JWT authorizer names its allowed clients or audiences, without wildcards',
    remediation:
      'List the exact client ids (allowedClients) or audiences (allowedAudience) that may call the gateway; never *.',
    run: (g) => {
      if ((g.authorizerType ?? '').toUpperCase() !== 'CUSTOM_JWT')
        return { skipped: 'no CUSTOM_JWT authorizer' };
      const unread = gap(g, 'gateway', 'gateway');
      if (unread) return unread;
      const jwt = g.jwt ?? { allowedClients: [], allowedAudience: [], allowedScopes: [] };
      const clients = jwt.allowedClients.filter((c) => c.trim() !== '');
      const audience = jwt.allowedAudience.filter((a) => a.trim() !== '');
      const wildcards = [...wild(clients), ...wild(audience)];
      if (wildcards.length > 0)
        return found({
          severity: 'high',
          message: `the JWT authorizer admits wildcard client or audience values (${wildcards.join(', ')}): any token of its issuer passes`,
        });
      if (clients.length === 0 && audience.length === 0)
        return found({
          severity: 'high',
          message:
            'the JWT authorizer checks neither allowedClients nor allowedAudience: every token its issuer signs, for any application, is accepted',
        });
      return pass;
    },
  },
  {
    id: 'gateway-discovery-url-unsafe',
    title: "The JWT authorizer's discovery URL is public HTTPS",
    remediation:
      "Point discoveryUrl at the identity provider's public https://…/.well-known/openid-configuration.",
    run: (g) => {
      if ((g.authorizerType ?? '').toUpperCase() !== 'CUSTOM_JWT')
        return { skipped: 'no CUSTOM_JWT authorizer' };
      const url = g.jwt?.discoveryUrl;
      const unread = gap(g, 'gateway', 'gateway');
      if (unread && !url) return unread;
      if (url === undefined || url === '')
        return found({ severity: 'high', message: 'the JWT authorizer has no discovery URL' });
      const concern = urlConcern(url, { https: true });
      return concern === undefined
        ? pass
        : found({
            severity: 'high',
            message: `the discovery URL ${url} ${concern}: whoever answers there issues the keys the gateway trusts`,
          });
    },
  },
  {
    id: 'gateway-waf-missing',
    title: 'A WAF web ACL protects every gateway',
    remediation:
      'Associate an AWS WAF web ACL with the gateway ARN (wafv2 associate-web-acl) with rate-based and managed rules.',
    run: (g) =>
      gap(g, 'gateway', 'gateway') ??
      (g.webAclArn
        ? pass
        : found({ severity: 'medium', message: 'no WAF web ACL is associated with the gateway' })),
  },
  {
    id: 'gateway-waf-fail-open',
    title: 'WAF fails closed',
    remediation:
      'Set wafConfiguration.failureMode FAIL_CLOSE (UpdateGateway resends the whole gateway).',
    run: (g) => {
      if (!g.webAclArn) return { skipped: 'no web ACL associated' };
      const mode = (g.wafFailureMode ?? '').toUpperCase();
      if (mode === 'FAIL_CLOSE') return pass;
      return found({
        severity: 'medium',
        about: [g.webAclArn],
        message:
          mode === ''
            ? 'the WAF failure mode is not set to FAIL_CLOSE: requests may pass unfiltered when WAF cannot be evaluated'
            : `the WAF failure mode is ${mode}: requests pass unfiltered when WAF cannot be evaluated`,
      });
    },
  },
  {
    id: 'gateway-exception-debug',
    title: 'Production gateways return generic errors (exceptionLevel not DEBUG)',
    remediation: 'Remove exceptionLevel (UpdateGateway without it) so callers get generic errors.',
    run: (g, context) => {
      if ((g.exceptionLevel ?? '').toUpperCase() !== 'DEBUG')
        return gap(g, 'gateway', 'gateway') ?? pass;
      if (!context.production)
        return { skipped: 'DEBUG errors allowed: stage declared non-production' };
      return found({
        severity: 'medium',
        message:
          'exceptionLevel DEBUG: callers receive detailed errors about targets and configuration',
      });
    },
  },
  {
    id: 'gateway-policy-engine-missing',
    title: 'A policy engine decides which tools each caller may call',
    remediation:
      'Attach an AgentCore Policy engine (policyEngineConfiguration) with policies allowing each caller only its tools.',
    run: (g) =>
      gap(g, 'gateway', 'gateway') ??
      (g.policyEngine
        ? pass
        : found({
            severity: 'medium',
            message: 'no policy engine is attached: every authenticated caller may call every tool',
          })),
  },
  {
    id: 'gateway-policy-engine-not-enforced',
    title: 'The policy engine is in ENFORCE mode, exists and enforces its policies',
    remediation:
      'Set policyEngineConfiguration.mode ENFORCE and every policy ACTIVE once their effect is reviewed.',
    run: (g) => {
      const engine = g.policyEngine;
      if (!engine) return { skipped: 'no policy engine attached' };
      const out: Found[] = [];
      if ((engine.mode ?? '').toUpperCase() !== 'ENFORCE')
        out.push({
          severity: 'high',
          about: [engine.arn],
          message: `the policy engine runs in ${engine.mode ?? 'an unknown'} mode: its decisions are logged, not enforced`,
        });
      if (engine.engine === null)
        out.push({
          severity: 'high',
          about: [engine.arn],
          message: 'the attached policy engine does not exist',
        });
      const logOnly = (engine.policies ?? []).filter(
        (p) => (p.enforcementMode ?? '').toUpperCase() === 'LOG_ONLY',
      );
      if (logOnly.length > 0)
        out.push({
          severity: 'medium',
          about: [engine.arn],
          message: `${logOnly.length} polic${logOnly.length === 1 ? 'y is' : 'ies are'} in LOG_ONLY: ${logOnly.map((p) => p.name ?? p.policyId).join(', ')}`,
        });
      if (out.length === 0 && g.gaps.policyEngine !== undefined)
        return { skipped: `policy engine not read (${g.gaps.policyEngine})` };
      return found(...out);
    },
  },
  {
    id: 'gateway-interceptor-cross-account',
    title: 'Interceptors and transforms run in the gateway’s account, or are declared',
    remediation:
      'Move the interceptor Lambda into this account, or declare its ARN (posture allowed interceptors) after review.',
    run: (g, context) => {
      if (g.interceptors.length === 0) return gap(g, 'gateway', 'gateway') ?? pass;
      const own = context.accountId ?? accountOf(g.gatewayArn);
      if (own === undefined) return { skipped: 'account unknown' };
      return found(
        ...g.interceptors
          .filter(
            (i) => i.lambdaArn !== undefined && !context.declaredInterceptors.includes(i.lambdaArn),
          )
          .filter((i) => accountOf(i.lambdaArn ?? '') !== own)
          .map((i) => ({
            severity: 'high' as const,
            about: [i.lambdaArn ?? ''],
            message: `${i.interceptionPoints.join('/') || 'an'} interceptor ${i.lambdaArn ?? ''} runs in account ${accountOf(i.lambdaArn ?? '') ?? 'unknown'}, not ${own}: that account sees every tool call`,
          })),
      );
    },
  },
  {
    id: 'gateway-interceptor-headers',
    title: 'Interceptors do not receive request headers unless declared',
    remediation:
      'Set inputConfiguration.passRequestHeaders false, or declare the interceptor ARN (posture allowed interceptors).',
    run: (g, context) =>
      gap(g, 'gateway', 'gateway') ??
      found(
        ...g.interceptors
          .filter((i) => i.passRequestHeaders)
          .filter(
            (i) => i.lambdaArn === undefined || !context.declaredInterceptors.includes(i.lambdaArn),
          )
          .map((i) => ({
            severity: 'high' as const,
            about: [i.lambdaArn ?? 'unknown interceptor'],
            message: `interceptor ${i.lambdaArn ?? '(no ARN)'} receives the callers' request headers, bearer tokens included`,
          })),
      ),
  },
  {
    id: 'gateway-kms-service-key',
    title: 'Gateways are encrypted with a customer-managed KMS key',
    remediation:
      'Create the gateway with kmsKeyArn naming a customer-managed key (UpdateGateway resends it).',
    run: (g) =>
      gap(g, 'gateway', 'gateway') ??
      (g.kmsKeyArn
        ? pass
        : found({
            severity: 'low',
            message:
              'no customer-managed KMS key: its configuration is encrypted with an AWS-owned key you cannot audit or revoke',
          })),
  },
  {
    id: 'gateway-resource-policy-public',
    title: 'No gateway resource policy admits everyone',
    remediation:
      'Name the principals, or add aws:SourceAccount / aws:PrincipalOrgID / aws:SourceVpce conditions to every statement with Principal *.',
    run: (g) => {
      if (g.resourcePolicy === undefined)
        return { skipped: `resource policy not read (${g.gaps.resourcePolicy ?? 'unknown'})` };
      if (g.resourcePolicy === null) return pass;
      return found(
        ...publicStatements(g.resourcePolicy).map((why) => ({
          severity: 'critical' as const,
          message: `the resource policy is public: ${why}`,
        })),
      );
    },
  },
  {
    id: 'gateway-target-endpoint-insecure',
    title: 'Targets are reached over HTTPS',
    remediation: 'Serve the target over https:// and update its endpoint (or its OpenAPI servers).',
    run: (g) =>
      gap(g, 'targets', 'targets') ??
      found(
        ...g.targets.flatMap((t) =>
          t.endpoints.flatMap((e) => {
            const concern = urlConcern(e.url, { https: true });
            return concern?.startsWith('uses') || concern === 'is not a valid URL'
              ? [
                  {
                    severity: 'high' as const,
                    about: [targetRef(g, t.targetId)],
                    message: `target ${t.name ?? t.targetId} ${e.field} ${e.url} ${concern}: requests and credentials travel in clear`,
                  },
                ]
              : [];
          }),
        ),
      ),
  },
  {
    id: 'gateway-oauth-return-url-unsafe',
    title: "OAuth authorization codes return only to public HTTPS URLs of the gateway's identity",
    remediation:
      'Keep only https return URLs of your own public application in allowedResourceOauth2ReturnUrls (UpdateWorkloadIdentity).',
    run: (g) => {
      if (g.workloadIdentity === undefined)
        return { skipped: `workload identity not read (${g.gaps.workloadIdentity ?? 'unknown'})` };
      if (g.workloadIdentity === null) return pass;
      const identity = g.workloadIdentity;
      return found(
        ...identity.returnUrls.flatMap((url) => {
          const concern = urlConcern(url, { https: true });
          return concern === undefined
            ? []
            : [
                {
                  severity: 'medium' as const,
                  about: [identity.arn],
                  message: `its workload identity returns OAuth authorization codes to ${url}, which ${concern}: whoever answers there receives them`,
                },
              ];
        }),
      );
    },
  },
  {
    id: 'gateway-credential-not-rotated',
    title: 'Every credential provider a gateway uses is registered for rotation',
    remediation:
      'Register the provider with `gatewarden register` (EXTERNAL secret, rotation schedule).',
    run: (g, context) => {
      if (context.rotatedProviders === undefined)
        return { skipped: 'rotation registrations not read' };
      const rotated = context.rotatedProviders;
      const unrotated = [
        ...new Set(g.targets.flatMap((t) => t.providerArns).filter((arn) => !rotated.has(arn))),
      ];
      return (
        gap(g, 'targets', 'targets') ??
        found(
          ...unrotated.map((arn) => ({
            severity: 'medium' as const,
            about: [arn],
            message: `credential provider ${arn} is not registered for rotation: its credential stays valid until someone replaces it`,
          })),
        )
      );
    },
  },
];

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
