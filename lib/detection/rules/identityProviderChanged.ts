import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { byAutomation, shown } from './lastState.js';
import { IAM, denied, failed, param, principalOf, response, str } from './support.js';

/** IAM identity providers: who may sign in to roles that trust them. */
const IAM_CHANGES: Record<string, { what: string; weakening: boolean }> = {
  CreateSAMLProvider: { what: 'SAML provider created', weakening: true },
  UpdateSAMLProvider: { what: 'SAML provider metadata (signing keys) replaced', weakening: true },
  DeleteSAMLProvider: { what: 'SAML provider deleted', weakening: false },
  CreateOpenIDConnectProvider: { what: 'OIDC provider created', weakening: true },
  AddClientIDToOpenIDConnectProvider: { what: 'client ID added to OIDC provider', weakening: true },
  RemoveClientIDFromOpenIDConnectProvider: {
    what: 'client ID removed from OIDC provider',
    weakening: false,
  },
  UpdateOpenIDConnectProviderThumbprint: {
    what: 'OIDC provider certificate thumbprints replaced',
    weakening: true,
  },
  DeleteOpenIDConnectProvider: { what: 'OIDC provider deleted', weakening: false },
};

/** The provider a record names: its ARN, or the URL or name it is created with. */
function providerOf(record: CloudTrailRecord): string | undefined {
  return (
    str(param(record, 'sAMLProviderArn')) ??
    str(param(record, 'openIDConnectProviderArn')) ??
    str(response(record, 'sAMLProviderArn')) ??
    str(response(record, 'openIDConnectProviderArn')) ??
    str(param(record, 'url')) ??
    str(param(record, 'name'))
  );
}

/**
 * An IAM SAML or OIDC identity provider created, changed or deleted (Identity Center's
 * identity source: identityCenterSourceChanged.ts). A new provider or new signing keys let
 * whoever holds the keys sign in to every role that trusts the provider, without a password
 * or access key ever appearing in the account.
 */
export const identityProviderChanged: Rule = {
  id: 'identity-provider-changed',
  title: 'IAM identity provider (SAML, OIDC) created or changed',
  severity: 'high',
  mitre: {
    tactic: 'Persistence',
    technique: 'T1484.002 Domain or Tenant Policy Modification: Trust Modification',
  },
  description:
    'An IAM SAML or OIDC provider created, its metadata, client IDs or thumbprints changed (high), or deleted (medium). Made by CloudFormation or a configured automation principal: a planned change, not reported. A refused attempt is one level lower.',
  runbook:
    'Compare the provider’s metadata or URL, client IDs and thumbprints with what your IdP publishes; list the roles whose trust policy names the provider; if unplanned, delete the provider (or restore the metadata) and review AssumeRoleWithSAML/AssumeRoleWithWebIdentity since.',
  events: { sources: [IAM], names: Object.keys(IAM_CHANGES) },
  reads: [
    'requestParameters.name',
    'requestParameters.openIDConnectProviderArn',
    'requestParameters.sAMLProviderArn',
    'requestParameters.url',
    'responseElements.openIDConnectProviderArn',
    'responseElements.sAMLProviderArn',
  ],
  dedup: {
    key: (r) => `${r.eventName}|${providerOf(r) ?? ''}${failed(r) ? '|attempt' : ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    const attempt = denied(record);
    if (failed(record) && !attempt) return undefined;
    const change = IAM_CHANGES[record.eventName];
    if (record.eventSource !== IAM || change === undefined) return undefined;
    if (!attempt && byAutomation(record, context)) return undefined;
    const provider = providerOf(record);
    let severity: RuleMatch['severity'] = change.weakening ? 'high' : 'medium';
    if (attempt) severity = severity === 'high' ? 'medium' : 'low';
    const what = change.what;
    return {
      severity,
      summary: `${attempt ? 'refused attempt: ' : ''}${what}${provider === undefined ? '' : ` (${shown(provider)})`} by ${principalOf(record)}`,
      resource: provider ?? 'iam',
      details: { change: record.eventName, attempt },
      ...(provider === undefined ? {} : { facts: [`provider=${provider}`] }),
    };
  },
};
