import { createHash } from 'node:crypto';
import type { Issuer, IssuedCredential, IssuerCredentialInfo } from '../issuer.js';
import type { IssuerConfig, SecretDocument } from '../secretDocument.js';
import { checkedUrl } from '../urls.js';
import {
  adminClientCredentialsToken,
  type FetchLike,
  IssuerHttpError,
  joinUrl,
  requireString,
  type VendorDeps,
  vendorRequest,
} from './vendorHttp.js';

type Auth0Config = Extract<IssuerConfig, { type: 'auth0' }>;

/**
 * A non-reversible fingerprint naming an Auth0 client secret: Auth0 gives secrets no id.
 * Client secrets are long random strings, so a short SHA-256 prefix reveals nothing usable.
 */
export function auth0Fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/**
 * Auth0 application client secrets via the Management API `rotate-secret`. Auth0 keeps one
 * secret per client and the old one stops working at once: `supportsOverlap` is false, so
 * the engine must treat mint as the point of no return and revoke is a no-op. The admin
 * secret is JSON `{"clientId": "…", "clientSecret": "…"}` of a machine-to-machine app
 * authorised for the Management API with `update:client_keys` (and `read:client_keys`).
 */
export class Auth0Issuer implements Issuer<Auth0Config> {
  readonly type = 'auth0' as const;
  readonly supportsOverlap = false;
  private readonly fetch: FetchLike;

  constructor(private readonly deps: VendorDeps) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  async mint(config: Auth0Config, doc: SecretDocument, _key: string): Promise<IssuedCredential> {
    const clientId = this.clientId(doc);
    const token = await this.token(config);
    const { json } = await vendorRequest(this.fetch, {
      vendor: 'auth0',
      operation: 'rotate-secret',
      method: 'POST',
      url: joinUrl(
        config.domainUrl,
        `/api/v2/clients/${encodeURIComponent(clientId)}/rotate-secret`,
      ),
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.timeoutMs,
    });
    const secret = requireString(
      (json as { client_secret?: unknown } | undefined)?.client_secret,
      'client_secret',
      'auth0',
      'rotate-secret',
    );
    return { credentialId: auth0Fingerprint(secret), clientId, clientSecret: secret };
  }

  /** The old secret died when the new one was minted; nothing is left to revoke. */
  async revoke(): Promise<void> {}

  async list(config: Auth0Config, doc: SecretDocument): Promise<IssuerCredentialInfo[]> {
    const clientId = this.clientId(doc);
    const token = await this.token(config);
    const { json } = await vendorRequest(this.fetch, {
      vendor: 'auth0',
      operation: 'get client',
      url: joinUrl(
        config.domainUrl,
        `/api/v2/clients/${encodeURIComponent(clientId)}?fields=client_id,client_secret&include_fields=true`,
      ),
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.timeoutMs,
    });
    const secret = (json as { client_secret?: unknown } | undefined)?.client_secret;
    return typeof secret === 'string' && secret ? [{ credentialId: auth0Fingerprint(secret) }] : [];
  }

  private get timeoutMs(): number {
    return this.deps.timeoutMs ?? 10_000;
  }

  private clientId(doc: SecretDocument): string {
    if (!doc.clientId) {
      throw new IssuerHttpError('an auth0 issuer needs the document clientId', {
        context: { vendor: 'auth0' },
      });
    }
    return doc.clientId;
  }

  private async token(config: Auth0Config): Promise<string> {
    checkedUrl(config.domainUrl, 'Auth0 domain URL', IssuerHttpError);
    const deps = { fetch: this.fetch, readSecret: this.deps.readSecret };
    return adminClientCredentialsToken(deps, config.managementCredentialsSecretArn, {
      vendor: 'auth0',
      tokenUrl: joinUrl(config.domainUrl, '/oauth/token'),
      form: { audience: joinUrl(config.domainUrl, '/api/v2/') },
      json: true,
      timeoutMs: this.timeoutMs,
    });
  }
}
