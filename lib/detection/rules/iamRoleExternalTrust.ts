import type { Rule } from '../types.js';
import { externalPrincipals } from './policy.js';
import { IAM, failed, param, principalOf, str } from './support.js';

/** A role created that another account (or anyone) can assume. */
export const iamRoleExternalTrust: Rule = {
  id: 'iam-role-created-external-trust',
  title: 'IAM role created with external trust',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098.003 Additional Cloud Roles' },
  description:
    'CreateRole with a trust policy naming a principal outside the account and its trusted accounts, `*`, or OIDC federation without a subject condition (e.g. any GitHub repository): a classic backdoor role.',
  runbook:
    'Identify the external account and who requested the role; delete the role or restrict its trust policy (and add sts:ExternalId for vendors).',
  events: { sources: [IAM], names: ['CreateRole'] },
  reads: ['requestParameters.assumeRolePolicyDocument', 'requestParameters.roleName'],
  dedup: { key: (r) => str(param(r, 'roleName')) ?? '', windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record)) return undefined;
    const external = externalPrincipals(param(record, 'assumeRolePolicyDocument'), record, context);
    if (external.length === 0) return undefined;
    const role = str(param(record, 'roleName')) ?? 'unknown role';
    return {
      severity: external.includes('*') ? 'critical' : 'high',
      summary: `role ${role} created by ${principalOf(record)} trusting ${external.join(', ')}`,
      resource: role,
      details: { externalPrincipals: external.join(',') },
      facts: external.map((p) => `principal=${p}`),
    };
  },
};
