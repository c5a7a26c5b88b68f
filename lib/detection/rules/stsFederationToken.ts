import type { Rule, RuleMatch } from '../types.js';
import { isAdminStatement, policyStatements } from './policy.js';
import { failed, param, principalOf, stableCaller, str } from './support.js';

const STS = 'sts.amazonaws.com';

/**
 * GetFederationToken, and GetSessionToken without MFA: temporary credentials minted from a
 * long-term key. Deleting or deactivating the key afterwards does not end them, so an attacker
 * holding a stolen key makes them first.
 *
 * First-time baseline (principals seen calling GetSessionToken, per account, after the learning
 * period): an MFA-less call by a principal never seen calling it is medium, not low — a key
 * whose owner never mints session tokens suddenly does, the stolen-key pattern. A first call
 * *with* MFA only teaches the baseline: people with MFA-enforcing policies call it daily, every
 * new user would alert once on onboarding, and an attacker holding a stolen key rarely holds
 * its owner's MFA device too, so it would be noise with little to catch.
 */
export const stsFederationToken: Rule = {
  id: 'sts-federation-or-session-token',
  title: 'Federation token, or session token without MFA, minted from a user key',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1098.001 Additional Cloud Credentials' },
  description:
    'GetFederationToken (medium; high when its session policy grants admin-equivalent power) or GetSessionToken without an MFA device (low; medium when the principal was never seen calling GetSessionToken in the account, after the learning period): credentials that outlive the access key they came from. Routine MFA-backed GetSessionToken is not reported.',
  runbook:
    'Ask the user whether they minted the token; if not, deactivate the key and revoke the sessions (an inline deny with aws:TokenIssueTime, or the console’s revoke sessions for the user), then review the federated session’s calls.',
  events: { sources: [STS], names: ['GetFederationToken', 'GetSessionToken'] },
  reads: [
    'requestParameters.durationSeconds',
    'requestParameters.name',
    'requestParameters.policy',
    'requestParameters.serialNumber',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${r.eventName}`, windowSeconds: 86_400 },
  baseline: {
    dimension: 'session-token-callers',
    subject: (r) => r.recipientAccountId ?? r.userIdentity.accountId,
    values: (r) => (r.eventName === 'GetSessionToken' ? [stableCaller(r)] : []),
    learning: true,
  },
  evaluate(record): RuleMatch | undefined {
    if (failed(record)) return undefined;
    if (record.eventName === 'GetSessionToken') {
      const summary = `${principalOf(record)} minted a session token without MFA`;
      return {
        severity: 'low',
        summary,
        details: { durationSeconds: Number(param(record, 'durationSeconds') ?? 43_200) },
        certain: true,
        whenNew: {
          severity: 'medium',
          summary: `${summary}, its first GetSessionToken seen in this account`,
          facts: ['first-time'],
        },
        observeOnly: str(param(record, 'serialNumber')) !== undefined,
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
      certain: true,
    };
  },
};
