import type { AlertSink } from '../alerts/alert.js';
import type { BindingStore } from './binding.js';
import type { InboundDestination, Oauth2Destination } from './destinations.js';
import type { Issuer } from './issuer.js';
import type { RotationLock } from './lock.js';
import type { IssuerType, SecretDocument } from './secretDocument.js';

/** Secrets Manager staging labels. */
export const STAGE = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
} as const;

/** Version id carrying a stage, if any (DescribeSecret's `VersionIdsToStages`). */
export function versionWithStage(
  status: { versionStages: Record<string, string[]> },
  stage: string,
): string | undefined {
  return Object.entries(status.versionStages).find(([, stages]) => stages.includes(stage))?.[0];
}

/** What DescribeSecret tells the engine about a secret. */
export interface SecretMeta {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  /** Version id → staging labels, as in `VersionIdsToStages`. */
  versionStages: Record<string, string[]>;
  tags?: Record<string, string>;
}

/** The subset of Secrets Manager the rotation engine needs. */
export interface SecretStore {
  describe(secretId: string): Promise<SecretMeta>;
  /**
   * The value of one version, selected by id and/or stage (stage is always passed explicitly).
   * `undefined` when no such version or the version has no value.
   */
  getValue(
    secretId: string,
    select: { versionId?: string; stage: string },
  ): Promise<string | undefined>;
  /** PutSecretValue with `VersionStages: [AWSPENDING]`; idempotent for the same token + value. */
  putPending(
    secretId: string,
    input: { token: string; value: string; rotationToken?: string },
  ): Promise<void>;
  /** When a version was written (ListSecretVersionIds); optional, used to tell orphans apart. */
  versionCreatedAt?(secretId: string, versionId: string): Promise<Date | undefined>;
  /** UpdateSecretVersionStage. */
  updateStage(
    secretId: string,
    input: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void>;
}

/** Writes a new current value of an admin secret (e.g. a rotated registration access token). */
export interface SecretWriter {
  putCurrent(secretId: string, value: string): Promise<void>;
}

/** Secrets Manager GetRandomPassword. */
export interface RandomSource {
  randomPassword(input: { length: number; excludePunctuation: boolean }): Promise<string>;
}

/** Pushes a credential to an AgentCore Identity credential provider (MANAGED source). */
export interface ProviderUpdater {
  updateApiKey(providerName: string, apiKey: string): Promise<void>;
  /**
   * Reads the OAuth2 provider's configuration, refuses (BindingMismatchError) when it differs
   * from `pinned`, and writes the pinned configuration back with the new client secret (the
   * update is a full replace: nothing live goes back into it).
   */
  updateOauth2ClientSecret(
    providerName: string,
    clientId: string,
    clientSecret: string,
    pinned: Oauth2Destination,
  ): Promise<void>;
  /** The provider's live vendor configuration, as the update would take it (no secret). */
  readOauth2Destination(providerName: string): Promise<Oauth2Destination>;
}

/** Optional: reads what the AgentCore data plane serves for an API-key provider. */
export interface ProviderReader {
  readApiKey(providerName: string): Promise<string>;
}

/** The gateway's inbound JWT authorizer, from GetGateway. */
export interface JwtAuthorizer {
  discoveryUrl: string;
  allowedAudience?: string[];
  allowedClients?: string[];
  allowedScopes?: string[];
}

export interface GatewayReader {
  /** `undefined` when the gateway does not use a CUSTOM_JWT authorizer. */
  jwtAuthorizer(gatewayId: string): Promise<JwtAuthorizer | undefined>;
}

/** What {@link CredentialVerifier.verifyClient} checks a client against. */
export interface ClientVerification {
  clientId: string;
  clientSecret: string;
  discoveryUrl: string;
  tokenEndpoint?: string;
  scopes?: string[];
  audience?: string;
  authorizer?: JwtAuthorizer;
  /**
   * What `register` pinned (inbound clients, and outbound ones with a discovery URL).
   * Discovery, token endpoint, JWKS and issuer are these; a discovery document that says
   * otherwise fails before any credential is sent.
   */
  pinned?: InboundDestination;
  /** Which pin it is, as errors name its fields (`destinations.<pinnedAs>`): `inbound` unless said. */
  pinnedAs?: 'inbound' | 'outbound';
}

/** Proves a credential works where it will be used. */
export interface CredentialVerifier {
  /**
   * Gets a client_credentials token and verifies the JWT: signature via the JWKS of
   * `discoveryUrl`, `iss` equal to its issuer, and the authorizer's clients/audiences/scopes.
   */
  verifyClient(input: ClientVerification): Promise<void>;
  /** Sends the configured probe request with the key; throws unless the expected status. */
  probeApiKey(probe: ApiKeyProbe, apiKey: string): Promise<void>;
}

export type ApiKeyProbe = NonNullable<SecretDocument['test']['probe']>;

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Finds the issuer adapter for a configuration type. */
export interface IssuerRegistry {
  get(type: IssuerType): Issuer;
}

/** Everything the rotation steps depend on. */
export interface RotationDeps {
  store: SecretStore;
  /** What `register` pinned and what the rotator wrote: every document is checked against it. */
  bindings: BindingStore;
  providers: ProviderUpdater;
  providerReader?: ProviderReader;
  gateways: GatewayReader;
  verifier: CredentialVerifier;
  issuers: IssuerRegistry;
  clock: Clock;
  /** Where `Rotation Succeeded` events go (the gatewarden bus); failures are the handler's. */
  events: readonly AlertSink[];
  /** Lease for in-process drivers; default: one lock per process. */
  lock?: RotationLock;
  /** Backoff before the n-th retry of testSecret, in ms (default: 500 · 2^n, at most 8 s). */
  backoffMs?: (attempt: number) => number;
}
