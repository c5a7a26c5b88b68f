/**
 * Posture of the way in: who may call the gateway (authorizer, allowed clients and audiences,
 * discovery URL, resource policy), what filters the calls (WAF) and what a caller learns from
 * errors.
 */
import { found, gap, pass, type PostureCheck } from './checkKit.js';
import { publicStatements } from './resourcePolicy.js';
import { urlConcern } from './urls.js';

/** A wildcard entry admits any token: `*` alone or inside a value. */
const wild = (values: string[]): string[] => values.filter((v) => v.includes('*'));

export const INBOUND_CHECKS: readonly PostureCheck[] = [
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
];
