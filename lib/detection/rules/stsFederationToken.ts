import type { Rule, RuleMatch } from '../types.js';
import { isAdminStatement, policyStatements } from './policy.js';
import { failed, param, principalOf, str } from './support.js';

const STS = 'sts.amazonaws.com';

/**
 * GetFederationToken, and GetSessionToken without MFA: temporary credentials minted from a
 * long-term key. Deleting or deactivating the key afterwards does not end them, so an attacker
 * holding a stolen key makes them first.
 */
export const stsFederationToken: Rule = {
  id: 'sts-federation-or-session-token',
  title: 'Federation token, or session token without MFA, minted from a user key',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098.001 Additional Cloud Credentials' },
  description:
    'GetFederationToken (medium; high when its session policy grants admin-equivalent power) or GetSessionToken without an MFA device (low): credentials that outlive the access key they came from. Routine MFA-backed GetSessionToken is not reported.',
  runbook:
    'Ask the user whether they minted the token; if not, deactivate the key and revoke the sessions (an inline deny with aws:TokenIssueTime, or the console’s revoke sessions for the user), then review the federated session’s calls.',
  events: { sources: [STS], names: ['GetFederationToken', 'GetSessionToken'] },
  dedup: { key: (r) => `${principalOf(r)}|${r.eventName}`, windowSeconds: 86_400 },
  evaluate(record): RuleMatch | undefined {
    if (failed(record)) return undefined;
    if (record.eventName === 'GetSessionToken') {
      if (str(param(record, 'serialNumber')) !== undefined) return undefined;
      return {
        severity: 'low',
        summary: `${principalOf(record)} minted a session token without MFA`,
        details: { durationSeconds: Number(param(record, 'durationSeconds') ?? 43_200) },
      };
    }
    const name = str(param(record, 'name')) ?? 'unnamed';
    const admin = policyStatements(param(record, 'policy')).some(isAdminStatement);
    return {
      severity: admin ? 'high' : 'medium',
      summary: `${principalOf(record)} minted a federation token for "${name}"${admin ? ' with an admin-equivalent policy' : ''}`,
      resource: name,
      details: { federatedName: name, adminPolicy: admin },
      facts: admin ? ['policy=admin'] : [],
    };
  },
};
