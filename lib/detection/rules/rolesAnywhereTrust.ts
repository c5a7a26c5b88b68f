import type { Rule, RuleMatch } from '../types.js';
import {
  failed,
  isGatewayRoleName,
  param,
  principalOf,
  response,
  str,
  strings,
} from './support.js';

const ROLES_ANYWHERE = 'rolesanywhere.amazonaws.com';
const ANCHORS = ['CreateTrustAnchor', 'UpdateTrustAnchor', 'EnableTrustAnchor'];
const PROFILES = ['CreateProfile', 'UpdateProfile', 'EnableProfile'];

/**
 * IAM Roles Anywhere trust anchors and profiles: a certificate authority the account trusts
 * to mint role credentials, and the roles it may mint them for.
 */
export const rolesAnywhereTrust: Rule = {
  id: 'roles-anywhere-trust-changed',
  title: 'IAM Roles Anywhere trust anchor or profile created or changed',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'A trust anchor (a CA whose certificates buy AWS credentials) or a profile (the roles it may buy) was created, changed or enabled. High for a trust anchor on an uploaded certificate bundle (a CA outside AWS Private CA, possibly the attacker’s); critical for a profile that hands out a gateway role.',
  runbook:
    'Identify the CA (GetTrustAnchor) and who owns it; disable the trust anchor or profile if it is not an approved workload PKI, and review CreateSession calls (rolesanywhere) since the change.',
  events: { sources: [ROLES_ANYWHERE], names: [...ANCHORS, ...PROFILES] },
  reads: [
    'requestParameters.name',
    'requestParameters.roleArns',
    'requestParameters.source',
    'responseElements.profile',
    'responseElements.trustAnchor',
  ],
  dedup: {
    key: (r) =>
      str(param(r, 'trustAnchorId')) ??
      str(param(r, 'profileId')) ??
      str(param(r, 'name')) ??
      principalOf(r),
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    if (ANCHORS.includes(record.eventName)) {
      const sourceType =
        str(param(record, 'source', 'sourceType')) ??
        str(response(record, 'trustAnchor', 'source', 'sourceType'));
      const name = str(param(record, 'name')) ?? str(response(record, 'trustAnchor', 'name'));
      const arn = str(response(record, 'trustAnchor', 'trustAnchorArn'));
      const external = sourceType === 'CERTIFICATE_BUNDLE';
      return {
        severity: external ? 'high' : 'medium',
        summary: `Roles Anywhere trust anchor ${name ?? arn ?? 'unknown'} ${record.eventName.replace('TrustAnchor', '').toLowerCase()}d by ${principalOf(record)}${external ? ' on an uploaded CA certificate' : ''}`,
        resource: arn ?? name ?? str(param(record, 'trustAnchorId')),
        details: { sourceType: sourceType ?? 'unknown' },
        facts: sourceType === undefined ? [] : [`source=${sourceType}`],
      };
    }
    const roles = [
      ...strings(param(record, 'roleArns')),
      ...strings(response(record, 'profile', 'roleArns')),
    ];
    const gatewayRoles = [...new Set(roles.filter((arn) => isGatewayRoleName(arn, context)))];
    const name = str(param(record, 'name')) ?? str(response(record, 'profile', 'name'));
    const arn = str(response(record, 'profile', 'profileArn'));
    return {
      severity: gatewayRoles.length > 0 ? 'critical' : 'medium',
      summary: `Roles Anywhere profile ${name ?? arn ?? 'unknown'} ${record.eventName.replace('Profile', '').toLowerCase()}d by ${principalOf(record)}${gatewayRoles.length > 0 ? ` for gateway role ${gatewayRoles.join(', ')}` : ''}`,
      resource: arn ?? name ?? str(param(record, 'profileId')),
      details: { roles: [...new Set(roles)].join(','), gatewayRoles: gatewayRoles.length },
      facts: gatewayRoles.map((role) => `role=${role}`),
    };
  },
};
