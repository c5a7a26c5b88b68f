/**
 * What the report knows about the gateways of an account, read through the AgentCore,
 * Secrets Manager and CloudTrail APIs (lib/aws/agentcoreInventory.ts) or given in memory.
 * Identifiers and configuration only: never a credential value.
 */
import type { GatewayPosture, TokenVaultPosture } from '../posture/types.js';

export interface GatewayInfo {
  gatewayId: string;
  gatewayArn: string;
  /** CloudTrail redacts gateway names; the API returns them. */
  name?: string;
  status?: string;
  authorizerType?: string;
  roleArn?: string;
  discoveryUrl?: string;
  targets: TargetInfo[];
  /** The live configuration posture checks read; absent when GetGateway was not answered. */
  posture?: GatewayPosture;
}

export interface TargetInfo {
  targetId: string;
  name?: string;
  credentialProviders: { type: string; providerArn?: string }[];
}

export interface CredentialProviderInfo {
  kind: 'apikey' | 'oauth2';
  name: string;
  arn: string;
  /** The Secrets Manager secret holding the credential. */
  secretArn?: string;
  /** `EXTERNAL` when the provider reads a customer-owned secret; else service-managed. */
  secretSource?: string;
}

export interface SecretInfo {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  /** Rotation interval in days, when the schedule is `AutomaticallyAfterDays` or a rate. */
  rotationDays?: number;
  lastRotated?: string;
  nextRotation?: string;
  /** Gateway ids the secret serves (gatewarden tag or provider reference). */
  gatewayIds: string[];
  /** Provider ARNs that reference the secret. */
  providerArns: string[];
}

export interface TrailInfo {
  name: string;
  isLogging: boolean;
  multiRegion: boolean;
  homeRegion?: string;
}

export interface GatewayInventory {
  accountId?: string;
  region?: string;
  gateways: GatewayInfo[];
  credentialProviders: CredentialProviderInfo[];
  secrets: SecretInfo[];
  /** Undefined when trails could not be read (offline): the CloudTrail check is skipped. */
  trails?: TrailInfo[];
  /** The token vault and its key; absent when not read. */
  tokenVault?: TokenVaultPosture;
  /** Principals configured as gateway managers (ARNs). */
  configuredManagers: string[];
  /** What could not be read (permission missing, API not served), by operation. */
  gaps: string[];
}

/** Reads the gateway inventory. */
export interface InventorySource {
  load(): Promise<GatewayInventory>;
}

/** No AgentCore access (offline runs): only what IAM and CloudTrail show. */
export function emptyInventory(configuredManagers: string[] = []): GatewayInventory {
  return { gateways: [], credentialProviders: [], secrets: [], configuredManagers, gaps: [] };
}
