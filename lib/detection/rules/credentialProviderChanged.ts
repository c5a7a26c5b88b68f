import type { Rule } from '../types.js';
import { AGENTCORE, failed, param, principalOf, response, str } from './support.js';
import { isRotator } from './expectedReaders.js';

const NAMES = [
  'CreateApiKeyCredentialProvider',
  'UpdateApiKeyCredentialProvider',
  'DeleteApiKeyCredentialProvider',
  'CreateOauth2CredentialProvider',
  'UpdateOauth2CredentialProvider',
  'DeleteOauth2CredentialProvider',
];

/** An outbound credential provider changed by anyone but gatewarden's rotator. */
export const credentialProviderChanged: Rule = {
  id: 'credential-provider-changed',
  title: 'Credential provider changed outside rotation',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098.001 Additional Cloud Credentials' },
  description:
    'An AgentCore Identity API-key or OAuth2 credential provider was created, updated or deleted by a principal other than the gatewarden rotator.',
  runbook:
    'Confirm the change with the gateway owner; if unplanned, restore the provider from the gatewarden secret, rotate the credential at its issuer and review targets using the provider.',
  events: { sources: [AGENTCORE], names: NAMES },
  reads: ['requestParameters.name', 'responseElements.credentialProviderArn'],
  dedup: { key: (r) => `${principalOf(r)}|${str(param(r, 'name')) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record) || isRotator(record, context)) return undefined;
    const name = str(param(record, 'name')) ?? str(response(record, 'name')) ?? 'unknown provider';
    const arn = str(response(record, 'credentialProviderArn'));
    return {
      severity: record.eventName.startsWith('Create') ? 'medium' : 'high',
      summary: `credential provider ${name} ${record.eventName
        .replace(/CredentialProvider$/, '')
        .replace(/(ApiKey|Oauth2)$/, '')
        .toLowerCase()}d by ${principalOf(record)} (not the rotator)`,
      resource: arn ?? name,
      details: { provider: name, operation: record.eventName },
    };
  },
};
