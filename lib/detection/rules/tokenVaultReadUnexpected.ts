import type { CloudTrailRecord } from '../record.js';
import { TOKEN_VAULT_READS } from '../stateTrackers.js';
import type { DetectionContext, Rule } from '../types.js';
import { isLearnedGatewayRole, isListedReader } from './expectedReaders.js';
import { AGENTCORE, failed, isAgentCoreService, param, principalOf, str } from './support.js';

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

/**
 * Expected readers: AgentCore itself, a role that was a gateway's execution role when it read
 * (learned from CreateGateway/UpdateGateway, by role ARN), and the configured
 * `tokenVaultReaders` (role or user ARNs). Never a name: anyone allowed iam:CreateRole picks
 * one. The rotator is not among them: its role holds no token vault read.
 */
function isExpectedReader(record: CloudTrailRecord, context: DetectionContext): boolean {
  return (
    isAgentCoreService(record) ||
    isListedReader(record, context.tokenVaultReaders) ||
    isLearnedGatewayRole(record, context)
  );
}

/** Token-vault reads (API keys, OAuth2 tokens, workload tokens) by someone other than a gateway. */
export const tokenVaultReadUnexpected: Rule = {
  id: 'token-vault-read-unexpected',
  title: 'AgentCore token vault read by an unexpected principal',
  severity: 'high',
  mitre: { tactic: 'Credential Access', technique: 'T1528 Steal Application Access Token' },
  description:
    'GetResourceApiKey, GetResourceOauth2Token, GetResourcePaymentToken, CompleteResourceTokenAuth or a GetWorkloadAccessToken* call by a principal that is neither AgentCore itself, nor the execution role of one of the account’s gateways (learned from CreateGateway/UpdateGateway and matched on the caller’s role ARN, never a role name), nor listed in tokenVaultReaders: the outbound credentials a gateway uses, fetched by someone else. Management and data-event shapes both count (agent runtimes read the vault too: add their role ARNs to tokenVaultReaders).',
  runbook:
    'Identify the caller and the provider read; if it is not an approved agent runtime, rotate the provider’s credential (gatewarden rotate), revoke the caller’s sessions and restrict bedrock-agentcore:GetResource* to the gateway roles.',
  events: { sources: [AGENTCORE], names: TOKEN_VAULT_READS },
  lastState: true,
  reads: [
    'resources',
    'requestParameters.resourceCredentialProviderName',
    'requestParameters.workloadName',
    'requestParameters.userIdentifier',
  ],
  dedup: { key: (r) => `${principalOf(r)}|${credentialOf(r) ?? ''}`, windowSeconds: 3600 },
  evaluate(record, context) {
    if (failed(record) || isExpectedReader(record, context)) return undefined;
    const credential = credentialOf(record);
    return {
      summary: `${principalOf(record)} called ${record.eventName}${credential === undefined ? '' : ` for ${credential}`}`,
      resource: credential,
      details: { category: record.eventCategory ?? 'Management' },
    };
  },
};
