/**
 * What `gatewarden register` reads from the AgentCore control plane. The adapter is
 * `lib/aws/registrationReader.ts`; unit tests use an in-memory implementation.
 */

export type ProviderType = 'apiKey' | 'oauth2';

/** An AgentCore Identity credential provider, without its value. */
export interface ProviderInfo {
  type: ProviderType;
  name: string;
  arn: string;
  /** The secret that holds the provider's value (service-managed, or the customer's). */
  secretArn?: string;
  /** JSON key of the value inside that secret, when AgentCore reports it. */
  jsonKey?: string;
  secretSource: 'MANAGED' | 'EXTERNAL';
  /** OAuth2 only. */
  vendor?: string;
  clientId?: string;
  discoveryUrl?: string;
  tokenEndpoint?: string;
}

/** A gateway as far as registration cares. */
export interface GatewayInfo {
  gatewayId: string;
  arn: string;
  roleArn?: string;
  authorizerType?: string;
  jwt?: {
    discoveryUrl: string;
    allowedClients?: string[];
    allowedAudience?: string[];
    allowedScopes?: string[];
  };
}

/** A gateway target that uses a credential provider. */
export interface TargetUse {
  gatewayId: string;
  targetId: string;
  providerArn: string;
  /** API key targets: where the key goes on the request. */
  parameterName?: string;
  prefix?: string;
  location?: 'HEADER' | 'QUERY_PARAMETER';
  /** OAuth targets: requested scopes. */
  scopes?: string[];
}

export interface AgentCoreReader {
  provider(type: ProviderType, name: string): Promise<ProviderInfo>;
  gateway(gatewayId: string): Promise<GatewayInfo>;
  /** Targets that reference `providerArn`, in one gateway or (when omitted) in all of them. */
  targetsUsing(providerArn: string, gatewayId?: string): Promise<TargetUse[]>;
}

/**
 * Tags what the rotator will change with its own rights (the provider, a Cognito pool)
 * `gatewarden:rotated=true`: the rotate role may update only resources carrying it (IAM
 * `aws:ResourceTag`). Adapter: `lib/aws/rotationTagger.ts`.
 */
export interface RotationTagger {
  tag(resourceArns: readonly string[]): Promise<void>;
}

/**
 * Switches an AgentCore provider to read the gatewarden secret (EXTERNAL secret source): the
 * value under `jsonKey` of its AWSCURRENT, so promotion in finishSecret is the whole update.
 * Adapter: `lib/aws/identityProviders.ts`.
 */
export interface ProviderSourceSwitch {
  useExternalSecret(
    provider: { type: ProviderType; name: string },
    ref: { secretId: string; jsonKey: string },
  ): Promise<void>;
}
