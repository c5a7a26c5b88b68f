import type { Issuer, IssuedCredential, IssuerCredentialInfo } from '../issuer.js';
import type { IssuerConfig, SecretDocument } from '../secretDocument.js';
import { checkedUrl } from '../urls.js';
import {
  type FetchLike,
  IssuerHttpError,
  joinUrl,
  parseAdminJson,
  requireString,
  type VendorDeps,
  vendorRequest,
} from './vendorHttp.js';

type OktaConfig = Extract<IssuerConfig, { type: 'okta' }>;

interface OktaSecret {
  id?: unknown;
  status?: unknown;
  client_secret?: unknown;
  created?: unknown;
}

/**
 * Okta app client secrets (`/api/v1/apps/{appId}/credentials/secrets`). Okta keeps up to two
 * secrets per app and an old one stays valid until it is deactivated, so rotation overlaps.
 * The admin secret holds the API token, as a bare string or JSON `{"apiToken": "…"}`.
 */
export class OktaIssuer implements Issuer<OktaConfig> {
  readonly type = 'okta' as const;
  readonly supportsOverlap = true;
  /** Okta keeps at most two client secrets per app. */
  readonly maxActive = 2;
  private readonly fetch: FetchLike;

  constructor(private readonly deps: VendorDeps) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  async mint(config: OktaConfig, _doc: SecretDocument, _key: string): Promise<IssuedCredential> {
    // Okta cannot label a secret; a secret minted by a crashed attempt shows up in `list`
    // and the engine revokes what the document does not know.
    const { json } = await this.call(config, 'create secret', 'POST', '', '{}');
    const secret = json as OktaSecret;
    return {
      credentialId: requireString(secret.id, 'id', 'okta', 'create secret'),
      clientSecret: requireString(secret.client_secret, 'client_secret', 'okta', 'create secret'),
      ...(typeof secret.created === 'string' ? { createdAt: secret.created } : {}),
    };
  }

  async revoke(config: OktaConfig, _doc: SecretDocument, credentialId: string): Promise<void> {
    const id = encodeURIComponent(credentialId);
    // Okta deletes only inactive secrets: deactivate first (idempotent), then delete.
    const deactivated = await this.call(
      config,
      'deactivate secret',
      'POST',
      `/${id}/lifecycle/deactivate`,
      undefined,
      [404],
    );
    if (deactivated.status === 404) return;
    await this.call(config, 'delete secret', 'DELETE', `/${id}`, undefined, [404]);
  }

  async list(config: OktaConfig, _doc: SecretDocument): Promise<IssuerCredentialInfo[]> {
    const { json } = await this.call(config, 'list secrets', 'GET', '');
    if (!Array.isArray(json)) return [];
    return (json as OktaSecret[])
      .filter((secret) => secret.status === 'ACTIVE' && typeof secret.id === 'string')
      .map((secret) => ({
        credentialId: secret.id as string,
        ...(typeof secret.created === 'string' ? { createdAt: secret.created } : {}),
      }));
  }

  private async call(
    config: OktaConfig,
    operation: string,
    method: string,
    suffix: string,
    body?: string,
    okStatuses?: number[],
  ): Promise<{ status: number; json: unknown }> {
    checkedUrl(config.orgUrl, 'Okta org URL', IssuerHttpError);
    const token = await this.apiToken(config.apiTokenSecretArn);
    return vendorRequest(this.fetch, {
      vendor: 'okta',
      operation,
      method,
      url: joinUrl(
        config.orgUrl,
        `/api/v1/apps/${encodeURIComponent(config.appId)}/credentials/secrets${suffix}`,
      ),
      headers: {
        authorization: `SSWS ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
      timeoutMs: this.deps.timeoutMs ?? 10_000,
      ...(okStatuses ? { okStatuses } : {}),
    });
  }

  private async apiToken(secretId: string): Promise<string> {
    const raw = (await this.deps.readSecret(secretId)).trim();
    if (raw.startsWith('{')) {
      const parsed = parseAdminJson(raw, 'okta', secretId);
      return requireString(parsed.apiToken, 'apiToken', 'okta', `admin secret ${secretId}`);
    }
    return raw;
  }
}
