import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { shown } from './lastState.js';
import { failed, homeAccount, param, principalOf, response, str } from './support.js';

const STS = 'sts.amazonaws.com';

/**
 * The identity provider behind a federated sign-in: for SAML, the IAM SAML provider the
 * assertion was checked against (`principalArn`); for web identity, the provider STS names in
 * its response (an IAM OIDC provider's ARN, or `accounts.google.com`, `graph.facebook.com`…),
 * else the one in the identity CloudTrail records.
 */
export function federationProviderOf(record: CloudTrailRecord): string | undefined {
  if (record.eventName === 'AssumeRoleWithSAML') {
    return str(param(record, 'principalArn'))?.toLowerCase();
  }
  return (
    str(response(record, 'provider')) ?? str(record.userIdentity.identityProvider)
  )?.toLowerCase();
}

/**
 * A federated sign-in (AssumeRoleWithSAML, AssumeRoleWithWebIdentity) through an identity
 * provider the account had not used during the baseline: a provider added to the account, or
 * a role's trust opened to one, is used. Nothing is reported while the account is being
 * learned.
 */
export const federationNewProvider: Rule = {
  id: 'federation-new-provider',
  title: 'Federated sign-in through an identity provider never seen before',
  severity: 'medium',
  mitre: { tactic: 'Initial Access', technique: 'T1078.004 Valid Accounts: Cloud Accounts' },
  description:
    'AssumeRoleWithSAML or AssumeRoleWithWebIdentity through a SAML or OIDC provider the account never used during the baseline (learned per account; silent while learning).',
  runbook:
    'Find the provider (IAM SAML/OIDC providers list) and the role’s trust policy; confirm with its owner that the provider is expected; if not, remove it from the trust policy, delete the provider and revoke the role’s sessions.',
  events: { sources: [STS], names: ['AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'] },
  reads: [
    'requestParameters.principalArn',
    'requestParameters.roleArn',
    'responseElements.provider',
  ],
  dedup: {
    key: (r) => `${homeAccount(r) ?? ''}|${federationProviderOf(r) ?? ''}`,
    windowSeconds: 86_400,
  },
  baseline: {
    dimension: 'account-federation-provider',
    subject: (r) => homeAccount(r),
    values: (r) => {
      const provider = federationProviderOf(r);
      return provider === undefined ? [] : [provider];
    },
    learning: true,
  },
  evaluate(record) {
    if (failed(record)) return undefined;
    const provider = federationProviderOf(record);
    if (provider === undefined) return undefined;
    const role = str(param(record, 'roleArn')) ?? 'unknown role';
    return {
      summary: `${record.eventName} into ${shown(role)} through identity provider ${shown(provider)}, never used in this account before (${principalOf(record)})`,
      resource: role,
      details: { provider: shown(provider), role: shown(role) },
      facts: [`provider=${provider}`],
    };
  },
};
