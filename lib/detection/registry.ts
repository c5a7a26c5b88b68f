import type { Rule } from './types.js';
import { accessDeniedBurst } from './rules/accessDeniedBurst.js';
import { agentRuntimeChanged } from './rules/agentRuntimeChanged.js';
import { adminSecretRead } from './rules/adminSecretRead.js';
import { callRateSpike } from './rules/callRateSpike.js';
import { cloudtrailBucketLifecycle } from './rules/cloudtrailBucketLifecycle.js';
import { cloudtrailNarrowed } from './rules/cloudtrailNarrowed.js';
import { cloudtrailStopped } from './rules/cloudtrailStopped.js';
import { configRecorderStopped } from './rules/configRecorderStopped.js';
import { consentPortalChanged } from './rules/consentPortalChanged.js';
import { consoleFederationSignin } from './rules/consoleFederationSignin.js';
import { consoleLoginWithoutMfa } from './rules/consoleLoginWithoutMfa.js';
import { credentialProviderChanged } from './rules/credentialProviderChanged.js';
import { firstTimeGatewayAction } from './rules/firstTimeGatewayAction.js';
import { gatewayAuthWeakened } from './rules/gatewayAuthWeakened.js';
import { gatewayClientsWidened } from './rules/gatewayClientsWidened.js';
import { gatewayExceptionLevelRaised } from './rules/gatewayExceptionLevelRaised.js';
import { gatewayInterceptorChanged } from './rules/gatewayInterceptorChanged.js';
import { gatewayKmsKeyChanged } from './rules/gatewayKmsKeyChanged.js';
import { gatewayPolicyWeakened } from './rules/gatewayPolicyWeakened.js';
import { gatewayRuleLoosened } from './rules/gatewayRuleLoosened.js';
import { gatewayTransformChanged } from './rules/gatewayTransformChanged.js';
import { gatewayWafWeakened } from './rules/gatewayWafWeakened.js';
import { rotationTagWidened } from './rules/rotationTagWidened.js';
import { gatewayGuardrailRemoved } from './rules/gatewayGuardrailRemoved.js';
import { gatewayInvokeAuthFailures } from './rules/gatewayInvokeAuthFailures.js';
import { gatewayIssuerChanged } from './rules/gatewayIssuerChanged.js';
import { gatewayModified } from './rules/gatewayModified.js';
import { gatewayPolicyEngineWeakened } from './rules/gatewayPolicyEngineWeakened.js';
import { gatewayRateLimitWeakened } from './rules/gatewayRateLimitWeakened.js';
import { gatewayResourcePolicy } from './rules/gatewayResourcePolicy.js';
import { gatewayRoleSwapped } from './rules/gatewayRoleSwapped.js';
import { gatewayTargetCredentialDowngraded } from './rules/gatewayTargetCredentialDowngraded.js';
import { gatewayTargetExternal } from './rules/gatewayTargetExternal.js';
import { gatewayTargetFunctionModified } from './rules/gatewayTargetFunctionModified.js';
import { gatewayTargetModified } from './rules/gatewayTargetModified.js';
import { guardDutyDisabled } from './rules/guardDutyDisabled.js';
import { harnessGatewayAccess } from './rules/harnessGatewayAccess.js';
import { iamAccessKeyOtherUser } from './rules/iamAccessKeyOtherUser.js';
import { iamAdminPolicyAttached } from './rules/iamAdminPolicyAttached.js';
import { iamGatewayPolicyVersion } from './rules/iamGatewayPolicyVersion.js';
import { iamLoginProfileChanged } from './rules/iamLoginProfileChanged.js';
import { iamPassGatewayRole } from './rules/iamPassGatewayRole.js';
import { iamRoleExternalTrust } from './rules/iamRoleExternalTrust.js';
import { iamTrustPolicyChanged } from './rules/iamTrustPolicyChanged.js';
import { kmsKeyLoss } from './rules/kmsKeyLoss.js';
import { kmsKeyMaterialImported } from './rules/kmsKeyMaterialImported.js';
import { kmsKeyPolicyOpened } from './rules/kmsKeyPolicyOpened.js';
import { newSourceIp } from './rules/newSourceIp.js';
import { newUserAgent } from './rules/newUserAgent.js';
import { organizationLeft } from './rules/organizationLeft.js';
import { paymentCredentialChanged } from './rules/paymentCredentialChanged.js';
import { rolesAnywhereTrust } from './rules/rolesAnywhereTrust.js';
import { rootActivity } from './rules/rootActivity.js';
import { secretBatchRead } from './rules/secretBatchRead.js';
import { secretBulkRead } from './rules/secretBulkRead.js';
import { secretDeletedOrPolicy } from './rules/secretDeletedOrPolicy.js';
import { secretReadUnexpected } from './rules/secretReadUnexpected.js';
import { secretRotationProblem } from './rules/secretRotationProblem.js';
import { secretRotationScheduleChanged } from './rules/secretRotationScheduleChanged.js';
import { securityHubDisabled } from './rules/securityHubDisabled.js';
import { signinAfterFailures } from './rules/signinAfterFailures.js';
import { signinFailureBurst } from './rules/signinFailureBurst.js';
import { signinFailureBurstByIp } from './rules/signinFailureBurstByIp.js';
import { ssmParameterBatchRead } from './rules/ssmParameterBatchRead.js';
import { ssmParameterBulkRead } from './rules/ssmParameterBulkRead.js';
import { stsFederationToken } from './rules/stsFederationToken.js';
import { tokenVaultCmkChanged } from './rules/tokenVaultCmkChanged.js';
import { tokenVaultReadUnexpected } from './rules/tokenVaultReadUnexpected.js';
import { trailBucketRemoved } from './rules/trailBucketRemoved.js';
import { vpcFlowLogsDeleted } from './rules/vpcFlowLogsDeleted.js';
import { workloadIdentityChanged } from './rules/workloadIdentityChanged.js';
// Tool calls (InvokeGateway data events), issue 21 point 6.
import { gatewayNewClient } from './rules/gatewayNewClient.js';
import { toolCallsRefused } from './rules/toolCallsRefused.js';
import { toolFirstCall } from './rules/toolFirstCall.js';
// Issue 20: persistence and escalation beyond the gateway surface.
import { attackerToolUserAgent } from './rules/attackerToolUserAgent.js';
import { iamPassRoleToCompute } from './rules/iamPassRoleToCompute.js';
import { lambdaFunctionChanged } from './rules/lambdaFunctionChanged.js';
import { lambdaFunctionExposed } from './rules/lambdaFunctionExposed.js';
// Issue 20: trail redirects, identity federation, security tooling blinded.
import { identityProviderChanged } from './rules/identityProviderChanged.js';
import { identityCenterSourceChanged } from './rules/identityCenterSourceChanged.js';
import { federationNewProvider } from './rules/federationNewProvider.js';
import { guardDutyTrustedListChanged } from './rules/guardDutyTrustedListChanged.js';
import { securityHubFindingsSuppressed } from './rules/securityHubFindingsSuppressed.js';
import { macieDisabled } from './rules/macieDisabled.js';
import { bedrockGuardrailWeakened } from './rules/bedrockGuardrailWeakened.js';
import { bedrockInvocationLoggingDeleted } from './rules/bedrockInvocationLoggingDeleted.js';
import { dnsQueryLoggingDeleted } from './rules/dnsQueryLoggingDeleted.js';
// SigmaHQ's KMS key store, Identity Center permission set and Region rules (lead).
import { kmsCustomKeyStoreChanged } from './rules/kmsCustomKeyStoreChanged.js';
import { identityCenterPermissionSetChanged } from './rules/identityCenterPermissionSetChanged.js';
import { accountRegionEnabled } from './rules/accountRegionEnabled.js';
// SigmaHQ's Route 53 Domains rules (lead).
import { route53DomainTakeoverRisk } from './rules/route53DomainTakeoverRisk.js';
// Issue 20: security tooling blinded by standing suppressions and small batches.
import { securityHubFindingsSuppressedBatches } from './rules/securityHubFindingsSuppressedBatches.js';
import { securityHubAutomationSuppression } from './rules/securityHubAutomationSuppression.js';
import { macieFindingsArchived } from './rules/macieFindingsArchived.js';
// Attacker review 2026-12-06: a gateway's web ACL emptied in place.
import { gatewayWebAclWeakened } from './rules/gatewayWebAclWeakened.js';

/**
 * Every detection rule, one per file under rules/. A rule added here is picked up by the
 * engine, the replay command, the Lambda and the registry test (which demands its fixtures).
 */
export const allRules: readonly Rule[] = [
  accessDeniedBurst,
  agentRuntimeChanged,
  callRateSpike,
  cloudtrailBucketLifecycle,
  cloudtrailNarrowed,
  cloudtrailStopped,
  configRecorderStopped,
  consentPortalChanged,
  consoleFederationSignin,
  consoleLoginWithoutMfa,
  credentialProviderChanged,
  firstTimeGatewayAction,
  gatewayAuthWeakened,
  gatewayClientsWidened,
  gatewayGuardrailRemoved,
  gatewayExceptionLevelRaised,
  gatewayInterceptorChanged,
  gatewayKmsKeyChanged,
  gatewayPolicyWeakened,
  gatewayRuleLoosened,
  gatewayTransformChanged,
  gatewayWafWeakened,
  rotationTagWidened,
  gatewayInvokeAuthFailures,
  gatewayIssuerChanged,
  gatewayModified,
  gatewayPolicyEngineWeakened,
  gatewayRateLimitWeakened,
  gatewayResourcePolicy,
  gatewayRoleSwapped,
  gatewayTargetCredentialDowngraded,
  gatewayTargetExternal,
  gatewayTargetFunctionModified,
  gatewayTargetModified,
  guardDutyDisabled,
  harnessGatewayAccess,
  iamAccessKeyOtherUser,
  iamAdminPolicyAttached,
  iamGatewayPolicyVersion,
  iamLoginProfileChanged,
  iamPassGatewayRole,
  iamRoleExternalTrust,
  iamTrustPolicyChanged,
  kmsKeyLoss,
  kmsKeyMaterialImported,
  kmsKeyPolicyOpened,
  newSourceIp,
  newUserAgent,
  organizationLeft,
  paymentCredentialChanged,
  rolesAnywhereTrust,
  rootActivity,
  secretBatchRead,
  secretBulkRead,
  secretDeletedOrPolicy,
  secretReadUnexpected,
  adminSecretRead,
  secretRotationProblem,
  secretRotationScheduleChanged,
  securityHubDisabled,
  signinAfterFailures,
  signinFailureBurst,
  signinFailureBurstByIp,
  ssmParameterBatchRead,
  ssmParameterBulkRead,
  stsFederationToken,
  tokenVaultCmkChanged,
  tokenVaultReadUnexpected,
  trailBucketRemoved,
  vpcFlowLogsDeleted,
  workloadIdentityChanged,
  // Tool calls (InvokeGateway data events), issue 21 point 6.
  gatewayNewClient,
  toolCallsRefused,
  toolFirstCall,
  // Issue 20: persistence and escalation beyond the gateway surface.
  attackerToolUserAgent,
  iamPassRoleToCompute,
  lambdaFunctionChanged,
  lambdaFunctionExposed,
  // Issue 20: identity federation, security tooling blinded.
  identityProviderChanged,
  identityCenterSourceChanged,
  federationNewProvider,
  guardDutyTrustedListChanged,
  securityHubFindingsSuppressed,
  macieDisabled,
  bedrockGuardrailWeakened,
  bedrockInvocationLoggingDeleted,
  dnsQueryLoggingDeleted,
  kmsCustomKeyStoreChanged,
  identityCenterPermissionSetChanged,
  accountRegionEnabled,
  route53DomainTakeoverRisk,
  // Issue 20: security tooling blinded by standing suppressions and small batches.
  securityHubFindingsSuppressedBatches,
  securityHubAutomationSuppression,
  macieFindingsArchived,
  // Attacker review 2026-12-06: a gateway's web ACL emptied in place.
  gatewayWebAclWeakened,
];

/** A rule by id, or undefined. */
export function ruleById(id: string): Rule | undefined {
  return allRules.find((rule) => rule.id === id);
}

/**
 * Which events the rules need, for narrowing EventBridge patterns: per event source, the
 * event names (or `'all'` when a rule takes every event of the source). `everywhere` lists
 * the rules that look at every record (root activity, access-denied bursts, PassRole).
 */
export function ruleEventNeeds(rules: readonly Rule[] = allRules): {
  sources: Map<string, Set<string> | 'all'>;
  everywhere: string[];
} {
  const sources = new Map<string, Set<string> | 'all'>();
  const everywhere: string[] = [];
  for (const rule of rules) {
    if (rule.events === undefined) {
      everywhere.push(rule.id);
      continue;
    }
    for (const source of rule.events.sources) {
      const current = sources.get(source);
      if (rule.events.names === undefined || current === 'all') {
        sources.set(source, 'all');
        continue;
      }
      const names = current ?? new Set<string>();
      for (const name of rule.events.names) names.add(name);
      sources.set(source, names);
    }
  }
  return { sources, everywhere };
}
