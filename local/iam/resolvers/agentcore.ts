/**
 * AgentCore: gateways from path labels, credential providers and workload identities by name
 * (or the workload a token names), the token vault, the role a gateway passes.
 * TEST/DEMO COMPONENT — local stack only.
 */
import { type Resolver, type Vars } from '../authorizationTypes.js';
import { isArn, requestTags, resourceTagContext, str, tagContext } from '../requestValues.js';
import { passRoles } from './implied.js';

/**
 * The workload a stand-in workload token was issued to (its payload is readable; the stand-in
 * verifies the signature when it answers, so a forged name only reaches a refusal).
 */
function workloadOfToken(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as {
      workloadName?: unknown;
    };
    return str(payload.workloadName);
  } catch {
    return undefined;
  }
}

/** AgentCore: gateway ids from path labels, providers and workloads by name. */
export const agentcore: Resolver = async (call, lookups) => {
  const gateway = call.labels.gatewayIdentifier ?? str(call.params.gatewayIdentifier);
  const name =
    str(call.params.name) ?? str(call.params.resourceCredentialProviderName) ?? call.labels.name;
  const workload =
    str(call.params.workloadName) ?? workloadOfToken(call.params.workloadIdentityToken);
  const vars: Vars = {};
  const tokenVault = str(call.params.tokenVaultId);
  if (tokenVault) vars.TokenVaultId = tokenVault;
  const defaults: Vars = { TokenVaultId: 'default', DirectoryId: 'default' };
  if (gateway) vars.GatewayId = gateway.split('/').pop() ?? gateway;
  // AgentCore Policy: engines and their policies by the path's ids.
  if (call.labels.policyEngineId) vars.PolicyEngineId = call.labels.policyEngineId;
  if (call.labels.policyId) vars.PolicyId = call.labels.policyId;
  if (name) vars.Name = name;
  if (workload) vars.WorkloadIdentityName = workload;
  else if (call.operation.endsWith('WorkloadIdentity') && name) vars.WorkloadIdentityName = name;
  const arns: Record<string, string> = {};
  const resourceArn = call.labels.resourceArn ?? str(call.params.resourceArn);
  if (resourceArn && isArn(resourceArn)) {
    const type =
      /:(gateway|token-vault\/[^/]+\/(apikey|oauth2)credentialprovider|workload-identity-directory\/[^/]+\/workload-identity)\//.exec(
        resourceArn,
      );
    if (type) {
      const kind = type[1]?.startsWith('gateway')
        ? 'gateway'
        : type[2] === 'apikey'
          ? 'apikeycredentialprovider'
          : type[2] === 'oauth2'
            ? 'oauth2credentialprovider'
            : 'workload-identity';
      arns[kind] = resourceArn;
    }
  }
  const role = str(call.params.roleArn);
  const implied = role
    ? await passRoles(call, lookups, [role], 'bedrock-agentcore.amazonaws.com')
    : [];
  // A provider's own tags (gatewarden:rotated decides what the rotator may update).
  const providerKind = /ApiKeyCredentialProvider$/.test(call.operation)
    ? 'apikey'
    : /Oauth2CredentialProvider$/.test(call.operation)
      ? 'oauth2'
      : undefined;
  const providerArn =
    arns.apikeycredentialprovider ??
    arns.oauth2credentialprovider ??
    (providerKind && name
      ? `arn:aws:bedrock-agentcore:${call.region}:${call.account}:token-vault/${vars.TokenVaultId ?? 'default'}/${providerKind}credentialprovider/${name}`
      : undefined);
  const context = {
    ...tagContext(requestTags(call.params)),
    ...(providerArn ? resourceTagContext(lookups.standinTags(providerArn)) : {}),
  };
  return { vars, defaults, arns, implied, context };
};
