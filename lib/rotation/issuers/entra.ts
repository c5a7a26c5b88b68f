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

type EntraConfig = Extract<IssuerConfig, { type: 'entra' }>;

interface GraphPassword {
  keyId?: unknown;
  displayName?: unknown;
  secretText?: unknown;
  startDateTime?: unknown;
}

const GRAPH = 'https://graph.microsoft.com';
const LOGIN = 'https://login.microsoftonline.com';
/** Labels gatewarden's passwords; the suffix is the rotation's ClientRequestToken. */
export const ENTRA_LABEL_PREFIX = 'gatewarden:';

/**
 * Microsoft Entra ID application passwords through Microsoft Graph (`addPassword`,
 * `removePassword`). Several passwords coexist, so rotation overlaps. The admin secret is JSON
 * `{"clientId": "…", "clientSecret": "…"}` of an app allowed to manage the application
 * (Application.ReadWrite.OwnedBy); the token comes from the client-credentials flow.
 */
export class EntraIssuer implements Issuer<EntraConfig> {
  readonly type = 'entra' as const;
  readonly supportsOverlap = true;
  private readonly fetch: FetchLike;

  constructor(private readonly deps: VendorDeps) {
    this.fetch = deps.fetch ?? globalThis.fetch;
  }

  async mint(config: EntraConfig, doc: SecretDocument, key: string): Promise<IssuedCredential> {
    const token = await this.token(config);
    const label = `${ENTRA_LABEL_PREFIX}${key}`;
    // Graph returns secretText only once: a password left by a crashed attempt with this
    // label cannot be recovered, so remove it before minting — one credential per token.
    for (const orphan of (await this.passwords(config, token)).filter(
      (p) => p.displayName === label,
    )) {
      await this.remove(config, token, orphan.keyId as string);
    }
    const { json } = await vendorRequest(this.fetch, {
      vendor: 'entra',
      operation: 'addPassword',
      method: 'POST',
      url: this.appUrl(config, '/addPassword'),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ passwordCredential: { displayName: label } }),
      timeoutMs: this.timeoutMs,
    });
    const password = (json ?? {}) as GraphPassword;
    return {
      credentialId: requireString(password.keyId, 'keyId', 'entra', 'addPassword'),
      clientSecret: requireString(password.secretText, 'secretText', 'entra', 'addPassword'),
      ...(doc.clientId ? { clientId: doc.clientId } : {}),
      ...(typeof password.startDateTime === 'string' ? { createdAt: password.startDateTime } : {}),
    };
  }

  async revoke(config: EntraConfig, _doc: SecretDocument, credentialId: string): Promise<void> {
    const token = await this.token(config);
    // removePassword on an unknown keyId is a 400, not a 404: check first so revoke is idempotent.
    const known = await this.passwords(config, token);
    if (!known.some((p) => p.keyId === credentialId)) return;
    await this.remove(config, token, credentialId);
  }

  async list(config: EntraConfig, _doc: SecretDocument): Promise<IssuerCredentialInfo[]> {
    const token = await this.token(config);
    return (await this.passwords(config, token)).map((p) => ({
      credentialId: p.keyId as string,
      ...(typeof p.startDateTime === 'string' ? { createdAt: p.startDateTime } : {}),
      // gatewarden's passwords carry their rotation token in the label.
      ...(typeof p.displayName === 'string' && p.displayName.startsWith(ENTRA_LABEL_PREFIX)
        ? { idempotencyKey: p.displayName.slice(ENTRA_LABEL_PREFIX.length) }
        : {}),
    }));
  }

  private get timeoutMs(): number {
    return this.deps.timeoutMs ?? 10_000;
  }

  private appUrl(config: EntraConfig, suffix: string): string {
    const graph = config.graphUrl ?? GRAPH;
    checkedUrl(graph, 'Graph URL', IssuerHttpError);
    return joinUrl(
      graph,
      `/v1.0/applications/${encodeURIComponent(config.applicationObjectId)}${suffix}`,
    );
  }

  private async passwords(config: EntraConfig, token: string): Promise<GraphPassword[]> {
    const { json } = await vendorRequest(this.fetch, {
      vendor: 'entra',
      operation: 'get application',
      url: this.appUrl(config, '?$select=id,passwordCredentials'),
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.timeoutMs,
    });
    const list = (json as { passwordCredentials?: unknown } | undefined)?.passwordCredentials;
    return Array.isArray(list)
      ? (list as GraphPassword[]).filter((p) => typeof p.keyId === 'string')
      : [];
  }

  private async remove(config: EntraConfig, token: string, keyId: string): Promise<void> {
    await vendorRequest(this.fetch, {
      vendor: 'entra',
      operation: 'removePassword',
      method: 'POST',
      url: this.appUrl(config, '/removePassword'),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ keyId }),
      timeoutMs: this.timeoutMs,
      okStatuses: [404],
    });
  }

  private async token(config: EntraConfig): Promise<string> {
    const login = config.loginUrl ?? LOGIN;
    checkedUrl(login, 'Entra login URL', IssuerHttpError);
    const graph = config.graphUrl ?? GRAPH;
    const deps = { fetch: this.fetch, readSecret: this.deps.readSecret };
    return adminClientCredentialsToken(deps, config.adminCredentialsSecretArn, {
      vendor: 'entra',
      tokenUrl: joinUrl(login, `/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`),
      form: { scope: joinUrl(graph, '/.default') },
      timeoutMs: this.timeoutMs,
    });
  }
}
