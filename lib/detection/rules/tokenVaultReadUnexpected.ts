import type { CloudTrailRecord } from '../record.js';
import type { Rule } from '../types.js';
import { AGENTCORE, failed, isExpectedSecretReader, param, principalOf, str } from './support.js';

const TOKEN_READS = [
  'GetResourceApiKey',
  'GetResourceOauth2Token',
  'GetResourcePaymentToken',
  // Completes a user's OAuth flow: the vault then holds that user's token for the session.
  'CompleteResourceTokenAuth',
  'GetWorkloadAccessToken',
  'GetWorkloadAccessTokenForJWT',
  'GetWorkloadAccessTokenForUserId',
] as const;

/**
 * What was read: the credential provider or workload identity, from the data event's
 * resources (`AWS::BedrockAgentCore::*`) or the request of the management shape.
 */
function credentialOf(record: CloudTrailRecord): string | undefined {
  for (const resource of record.resources ?? []) {
    if (resource.ARN && (resource.type ?? '').startsWith('AWS::BedrockAgentCore::')) {
      if (!resource.ARN.endsWith(':token-vault/default')) return resource.ARN;
    }
  }
  // Never the workloadIdentityToken nor a userToken: they are bearer credentials.
  return (
    str(param(record, 'resourceCredentialProviderName')) ??
    str(param(record, 'workloadName')) ??
    str(param(record, 'userIdentifier', 'userId'))
  );
}

/** Token-vault reads (API keys, OAuth2 tokens, workload tokens) by someone other than a gateway. */
export const tokenVaultReadUnexpected: Rule = {
  id: 'token-vault-read-unexpected',
  title: 'AgentCore token vault read by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1528 Steal Application Access Token' },
  description:
    'GetResourceApiKey, GetResourceOauth2Token, GetResourcePaymentToken, CompleteResourceTokenAuth or a GetWorkloadAccessToken* call by a principal that is not a gateway execution role (pattern or learned), AgentCore itself or the rotator: the outbound credentials a gateway uses, fetched by someone else. Management and data-event shapes both count (agent runtimes read the vault too: add their roles to gatewayRolePrincipals).',
  runbook:
    'Identify the caller and the provider read; if it is not an approved agent runtime, rotate the provider’s credential (gatewarden rotate), revoke the caller’s sessions and restrict bedrock-agentcore:GetResource* to the gateway roles.',
  events: { sources: [AGENTCORE], names: TOKEN_READS },
  reads: [
    'resources',
    'requestParameters.resourceCredentialProviderName',
    'requestParameters.workloadName',
    'requestParameters.userIdentifier',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${credentialOf(r) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record) || isExpectedSecretReader(record, context)) return undefined;
    const credential = credentialOf(record);
    return {
      summary: `${principalOf(record)} called ${record.eventName}${credential === undefined ? '' : ` for ${credential}`}`,
      resource: credential,
      details: { category: record.eventCategory ?? 'Management' },
    };
  },
};
