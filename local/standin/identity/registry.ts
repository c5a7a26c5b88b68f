/**
 * In-memory registry of AgentCore Identity resources per account and region: credential
 * providers, workload identities, token vault. Values are never held here — MANAGED values
 * live in Secrets Manager on moto; the registry keeps only their ARNs.
 */
import { randomUUID } from 'node:crypto';
import { validation } from '../http.js';

export type SecretSource = 'MANAGED' | 'EXTERNAL';

export interface SecretLocation {
  source: SecretSource;
  secretArn: string;
  /** Key inside the secret's JSON string holding the value. */
  jsonKey: string;
}

export interface ApiKeyProvider {
  name: string;
  arn: string;
  secret: SecretLocation;
  createdTime: Date;
  lastUpdatedTime: Date;
  tags?: Record<string, string>;
}

export interface OAuth2Provider {
  name: string;
  arn: string;
  vendor: string;
  /** Union member key of the config, e.g. `customOauth2ProviderConfig`. */
  configKey: string;
  /** Output config: discovery and client id, never the secret. */
  configOutput: Record<string, unknown>;
  clientId?: string;
  secret?: SecretLocation;
  callbackUrl: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  tags?: Record<string, string>;
}

export interface WorkloadIdentity {
  name: string;
  arn: string;
  allowedResourceOauth2ReturnUrls?: string[];
  createdTime: Date;
  lastUpdatedTime: Date;
}

export interface TokenVault {
  kmsConfiguration: { keyType: string; kmsKeyArn?: string };
  lastModifiedDate: Date;
}

export interface IdentityDirectory {
  apiKey: Map<string, ApiKeyProvider>;
  oauth2: Map<string, OAuth2Provider>;
  workloads: Map<string, WorkloadIdentity>;
  vault: TokenVault;
}

export const IDENTITY_STATE = 'agentcore-identity';

/** All directories of the stack, keyed by account and region. */
export class IdentityRegistry {
  private readonly directories = new Map<string, IdentityDirectory>();

  directory(accountId: string, region: string): IdentityDirectory {
    const key = `${accountId}|${region}`;
    let directory = this.directories.get(key);
    if (!directory) {
      directory = {
        apiKey: new Map(),
        oauth2: new Map(),
        workloads: new Map(),
        vault: { kmsConfiguration: { keyType: 'ServiceManagedKey' }, lastModifiedDate: new Date() },
      };
      this.directories.set(key, directory);
    }
    return directory;
  }
}

const NAME = /^[a-zA-Z0-9\-_]{1,128}$/;

/** Provider and workload names as AgentCore accepts them. */
export function requireName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw validation(`${field} must match [a-zA-Z0-9-_]{1,128}`);
  }
  return value;
}

export function arnPrefix(region: string, accountId: string): string {
  return `arn:aws:bedrock-agentcore:${region}:${accountId}`;
}

export const apiKeyProviderArn = (region: string, accountId: string, name: string): string =>
  `${arnPrefix(region, accountId)}:token-vault/default/apikeycredentialprovider/${name}`;
export const oauth2ProviderArn = (region: string, accountId: string, name: string): string =>
  `${arnPrefix(region, accountId)}:token-vault/default/oauth2credentialprovider/${name}`;
export const workloadIdentityArn = (region: string, accountId: string, name: string): string =>
  `${arnPrefix(region, accountId)}:workload-identity-directory/default/workload-identity/${name}`;
export const callbackUrlFor = (region: string): string =>
  `https://bedrock-agentcore.${region}.amazonaws.com/identities/oauth2/callback/${randomUUID()}`;

/** Name of the service-managed secret holding a MANAGED provider value, as AgentCore names it. */
export function managedSecretName(kind: 'apikey' | 'oauth2', name: string): string {
  return `bedrock-agentcore-identity!default/${kind}/${name}`;
}

/** Offset-based paging shared by the List operations (`maxResults` 1–100, opaque token). */
export function page<T>(
  items: T[],
  maxResults: unknown,
  nextToken: unknown,
): { items: T[]; nextToken?: string } {
  const max = maxResults === undefined ? 10 : Number(maxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw validation('maxResults must be between 1 and 100');
  let start = 0;
  if (nextToken !== undefined) {
    start =
      typeof nextToken === 'string'
        ? Number(Buffer.from(nextToken, 'base64url').toString('utf8'))
        : NaN;
    if (!Number.isInteger(start) || start < 0) throw validation('nextToken is not valid');
  }
  const slice = items.slice(start, start + max);
  return start + max < items.length
    ? { items: slice, nextToken: Buffer.from(String(start + max)).toString('base64url') }
    : { items: slice };
}
