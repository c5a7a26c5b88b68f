import { randomUUID } from 'node:crypto';
import { repeatsAny } from '../shared/redact.js';
import type { RegisterDeps, RegisterInput } from './register.js';
import { extractValue, RegistrationError, validateDocument } from './registerOptions.js';
import type { GatewayInfo, ProviderInfo, TargetUse } from './registerPorts.js';
import { issuerConfigSchema, type IssuerConfig } from './secretDocument.js';

/**
 * Where registration gets its facts: the provider and the target that uses it, the gateway's
 * authorizer, the current credential value, and the test configuration they imply.
 */

export async function loadProvider(
  deps: RegisterDeps,
  input: RegisterInput,
): Promise<ProviderInfo> {
  if (!input.providerName) throw new RegistrationError('--provider is required', { usage: true });
  const provider = await deps.agentcore.provider(
    input.kind === 'apiKey' ? 'apiKey' : 'oauth2',
    input.providerName,
  );
  // An EXTERNAL provider's current value is read from its secret (at its JSON key) and the
  // provider is then pointed at the gatewarden secret, like a MANAGED one adopted.
  return provider;
}

export async function findUse(
  deps: RegisterDeps,
  provider: ProviderInfo,
  input: RegisterInput,
): Promise<TargetUse | undefined> {
  const uses = await deps.agentcore.targetsUsing(provider.arn, input.gatewayId);
  const matching = input.targetId ? uses.filter((u) => u.targetId === input.targetId) : uses;
  const gateways = new Set(matching.map((u) => u.gatewayId));
  if (!input.gatewayId && gateways.size === 0) {
    throw new RegistrationError(
      `no gateway target uses provider ${provider.name}; pass --gateway`,
      {
        context: { provider: provider.name },
      },
    );
  }
  if (!input.gatewayId && gateways.size > 1) {
    throw new RegistrationError(
      `provider ${provider.name} is used by several gateways (${[...gateways].join(', ')}); pass --gateway`,
    );
  }
  return matching[0];
}

export function checkInbound(
  gateway: GatewayInfo,
  clientId: string | undefined,
  warnings: string[],
): void {
  if (!clientId)
    throw new RegistrationError('--client-id is required for an inbound client', { usage: true });
  if (gateway.authorizerType !== 'CUSTOM_JWT' || !gateway.jwt) {
    throw new RegistrationError(
      `gateway ${gateway.gatewayId} has authorizer ${gateway.authorizerType ?? 'none'}, not CUSTOM_JWT: it has no inbound client credentials`,
    );
  }
  const allowed = gateway.jwt.allowedClients;
  if (allowed && allowed.length > 0 && !allowed.includes(clientId)) {
    warnings.push(`client ${clientId} is not in the gateway's allowedClients`);
  }
}

export function testConfig(
  input: RegisterInput,
  provider: ProviderInfo | undefined,
  gateway: GatewayInfo,
  use: TargetUse | undefined,
): Record<string, unknown> {
  const extra = { ...(input.test ?? {}) };
  const probe = extra.probe as Record<string, unknown> | undefined;
  if (probe && use) {
    // The probe sends the key where the target does.
    extra.probe = {
      ...(use.location ? { location: use.location } : {}),
      ...(use.parameterName ? { parameterName: use.parameterName } : {}),
      ...(use.prefix ? { prefix: use.prefix } : {}),
      ...probe,
    };
  }
  return {
    ...(provider?.discoveryUrl ? { discoveryUrl: provider.discoveryUrl } : {}),
    ...(provider?.tokenEndpoint ? { tokenEndpoint: provider.tokenEndpoint } : {}),
    ...(input.kind === 'inboundClient' && gateway.jwt
      ? { discoveryUrl: gateway.jwt.discoveryUrl }
      : {}),
    ...(use?.scopes && use.scopes.length > 0 ? { scopes: use.scopes } : {}),
    ...extra,
  };
}

export async function currentCredential(
  deps: RegisterDeps,
  input: RegisterInput,
  provider: ProviderInfo | undefined,
  base: Record<string, unknown>,
): Promise<{ apiKey?: string; clientSecret?: string; issuerCredentialId?: string }> {
  const field = input.kind === 'apiKey' ? 'apiKey' : 'clientSecret';
  if (input.mintInitial) {
    if (!deps.issuers)
      throw new RegistrationError('no issuers are available to mint the first credential');
    const issuer = validateIssuerOnly(base);
    const placeholder = validateDocument({ ...base, [field]: 'placeholder-before-first-mint' });
    const minted = await deps.issuers
      .get(issuer.type)
      .mint(issuer, placeholder, `register-${randomUUID()}`);
    const value = field === 'apiKey' ? minted.apiKey : minted.clientSecret;
    if (!value) throw new RegistrationError(`issuer ${issuer.type} minted no ${field}`);
    if (repeatsAny(minted.credentialId, [value])) {
      throw new RegistrationError(
        `issuer ${issuer.type} named the new credential with part of its value: refused, nothing stored`,
      );
    }
    return { [field]: value, issuerCredentialId: minted.credentialId };
  }
  if (input.currentSecret) {
    const [secretId, jsonKey] = splitSecretRef(input.currentSecret);
    const raw = await deps.control.getValue(secretId);
    return { [field]: extractValue(raw, field, secretId, jsonKey) };
  }
  if (provider?.secretArn) {
    // The provider says where its value lives; without its JSON key we do not guess (issue 9 §2).
    const jsonKey = provider.jsonKey;
    if (!jsonKey)
      throw new RegistrationError(
        `provider ${provider.name} reports its secret but no ${field === 'apiKey' ? 'apiKeySecretJsonKey' : 'clientSecretJsonKey'}; ` +
          'pass --current-secret ID#KEY or --mint-initial',
      );
    const raw = await deps.control.getValue(provider.secretArn);
    return { [field]: extractValue(raw, field, provider.secretArn, jsonKey) };
  }
  throw new RegistrationError(
    input.kind === 'inboundClient'
      ? 'an inbound client needs --current-secret ID[#jsonKey] (where agents read it today) or --mint-initial'
      : `provider ${provider?.name ?? ''} reports no secret to read the current value from; pass --current-secret or --mint-initial`,
  );
}

function validateIssuerOnly(base: Record<string, unknown>): IssuerConfig {
  return issuerConfigSchema.parse(base.issuer);
}

/** `ID` or `ID#jsonKey` (`#` because ARNs are full of colons). */
function splitSecretRef(ref: string): [string, string | undefined] {
  const hash = ref.lastIndexOf('#');
  if (hash > 0) return [ref.slice(0, hash), ref.slice(hash + 1) || undefined];
  return [ref, undefined];
}
