/**
 * Posture of what the gateway does with a call: who decides which tools (policy engine), who
 * else sees it (interceptors, transforms), how its configuration and credentials are kept (KMS,
 * rotation) and where it sends requests, credentials and authorization codes (targets, OAuth
 * return URLs).
 */
import type { GatewayPosture } from './types.js';
import { found, gap, pass, type Found, type PostureCheck } from './checkKit.js';
import { urlConcern } from './urls.js';

const accountOf = (arn: string): string | undefined =>
  /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];

const targetRef = (gateway: GatewayPosture, targetId: string) =>
  `${gateway.gatewayArn}/target/${targetId}`;

export const EXECUTION_CHECKS: readonly PostureCheck[] = [
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
