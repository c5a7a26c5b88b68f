import { ADMIN_SECRET_PREFIX } from '../../shared/env.js';
import type { Rule, RuleMatch } from '../types.js';
import { SECRETS, denied, failed, principalOf, secretIdOf } from './support.js';
import { isRotator } from './expectedReaders.js';

/**
 * gatewarden's issuer admin secrets (`gatewarden-admin/…`: Okta/Entra/Auth0 management tokens,
 * registration access tokens) mint and revoke every client secret of an issuer. Only the
 * rotator reads them: the rotate function and rotateNow (its sweep revokes retired credentials
 * with them), matched by role ARN (the deployed roles, `rotatorPrincipals`). Anyone else,
 * gateway roles and the break-glass admin included, is reading a master credential.
 */
function adminSecretName(secretId: string): string | undefined {
  // A full or partial ARN, or a name; the prefix check is on the name only.
  const name = /:secret:(.+)$/.exec(secretId)?.[1] ?? secretId;
  return name.startsWith(ADMIN_SECRET_PREFIX) ? name : undefined;
}

/** GetSecretValue on a gatewarden admin secret by anyone but the rotator. */
export const adminSecretRead: Rule = {
  id: 'admin-secret-read-by-unexpected-principal',
  title: 'gatewarden admin secret read by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1555.006 Cloud Secrets Management Stores' },
  description:
    'GetSecretValue on a gatewarden-admin/ secret (an issuer’s management credential, which mints and revokes client secrets) by a principal that is not the gatewarden rotator (rotate or rotateNow): high when it succeeded, medium when access was denied (an attempt).',
  runbook:
    'Identify the principal and why it read the admin secret; revoke and reissue the management credential at the issuer and store the new one (`gatewarden register` as the admin role); rotate the client secrets that issuer holds; tighten the admin secret’s resource policy to the rotator roles.',
  events: { sources: [SECRETS], names: ['GetSecretValue'] },
  reads: ['requestParameters.secretId'],
  dedup: { key: (r) => `${principalOf(r)}|${secretIdOf(r) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    const secretId = secretIdOf(record);
    const name = secretId === undefined ? undefined : adminSecretName(secretId);
    if (secretId === undefined || name === undefined) return undefined;
    if (isRotator(record, context)) return undefined;
    const refused = denied(record);
    if (failed(record) && !refused) return undefined;
    return {
      ...(refused ? { severity: 'medium' as const } : {}),
      summary: `gatewarden admin secret ${name} ${refused ? 'read attempted (denied)' : 'read'} by ${principalOf(record)}`,
      resource: secretId,
      details: { secretId, ...(refused ? { errorCode: record.errorCode ?? '' } : {}) },
      ...(refused ? {} : { facts: ['read=succeeded'] }),
    };
  },
};
