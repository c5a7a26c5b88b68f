import { createHash } from 'node:crypto';
import { readBoundedText } from '../../shared/boundedBody.js';
import { safeReason } from '../../shared/redact.js';
import { IssuerError } from '../errors.js';
import type { IssuedCredential, Issuer, IssuerCredentialInfo } from '../issuer.js';
import type { SecretStore, SecretWriter } from '../ports.js';
import type { IssuerConfig, SecretDocument } from '../secretDocument.js';
import { checkedUrl } from '../urls.js';
import { errorCodeOf } from './vendorHttp.js';

type Rfc7592Config = Extract<IssuerConfig, { type: 'rfc7592' }>;

/** Fields a client update must not send back (RFC 7592 §2.2; oidc-provider refuses them). */
const READ_ONLY = [
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
  'client_secret',
];

/**
 * OAuth 2.0 Dynamic Client Registration Management (RFC 7592): the client is read with its
 * registration access token and updated with a PUT of its metadata; a server configured to
 * rotate issues a new client secret in the response. The old secret stops working at once
 * (oidc-provider keeps one secret per client), so this issuer reports no overlap. Servers may
 * also rotate the registration access token on every update: the new one is saved to its
 * secret immediately, before anything else can fail.
 *
 * Credential ids are `<client_id>#<16 hex of SHA-256(secret)>`: stable, and useless to an
 * attacker. Revoking is a no-op — the client itself must never be deleted.
 */
export class Rfc7592Issuer implements Issuer<Rfc7592Config> {
  readonly type = 'rfc7592' as const;
  readonly supportsOverlap = false;

  constructor(
    private readonly secrets: Pick<SecretStore, 'getValue'> & SecretWriter,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  async mint(
    config: Rfc7592Config,
    _doc: SecretDocument,
    _idempotencyKey: string,
  ): Promise<IssuedCredential> {
    const token = await this.readToken(config);
    const client = await this.request(config, token, 'GET');
    await this.keepRotatedToken(config, token, client);
    const previousSecret = stringField(client, 'client_secret');
    const metadata = Object.fromEntries(
      Object.entries(client).filter(([key]) => !READ_ONLY.includes(key)),
    );
    const current = (await this.keepRotatedToken(config, token, client)) ?? token;
    const updated = await this.request(config, current, 'PUT', metadata);
    await this.keepRotatedToken(config, current, updated);
    const clientId = stringField(updated, 'client_id');
    const clientSecret = stringField(updated, 'client_secret');
    if (!clientId || !clientSecret) {
      throw new IssuerError('registration update returned no client credentials', {
        context: { issuer: this.type },
      });
    }
    if (clientSecret === previousSecret) {
      throw new IssuerError('the registration server did not issue a new client secret on update', {
        context: { issuer: this.type, clientId },
      });
    }
    return { credentialId: credentialId(clientId, clientSecret), clientId, clientSecret };
  }

  async revoke(): Promise<void> {}

  async list(config: Rfc7592Config): Promise<IssuerCredentialInfo[]> {
    const token = await this.readToken(config);
    const client = await this.request(config, token, 'GET');
    await this.keepRotatedToken(config, token, client);
    const clientId = stringField(client, 'client_id');
    const clientSecret = stringField(client, 'client_secret');
    return clientId && clientSecret ? [{ credentialId: credentialId(clientId, clientSecret) }] : [];
  }

  /**
   * A server may issue a new registration access token on any response, GET included (RFC 7592
   * §3): it is saved to the pinned admin secret at once, before anything else can fail, or the
   * client is lost. Returns the new token, if one came.
   */
  private async keepRotatedToken(
    config: Rfc7592Config,
    token: string,
    response: Record<string, unknown>,
  ): Promise<string | undefined> {
    const rotated = stringField(response, 'registration_access_token');
    if (!rotated || rotated === token) return undefined;
    await this.secrets.putCurrent(
      config.registrationAccessTokenSecretArn,
      JSON.stringify({ registrationAccessToken: rotated }),
    );
    return rotated;
  }

  private async readToken(config: Rfc7592Config): Promise<string> {
    const value = await this.secrets.getValue(config.registrationAccessTokenSecretArn, {
      stage: 'AWSCURRENT',
    });
    if (!value)
      throw new IssuerError('registration access token secret is empty', {
        context: { issuer: this.type },
      });
    return parseToken(value);
  }

  private async request(
    config: Rfc7592Config,
    token: string,
    method: 'GET' | 'PUT',
    body?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const url = checkedUrl(config.registrationClientUri, 'registrationClientUri');
    const context = { issuer: this.type, host: url.host };
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
        // The registration access token must never follow a redirect to another host.
        redirect: 'manual',
      });
    } catch (error) {
      // Only the class and system code of a network error: its message may quote the URL.
      const failure = new IssuerError(
        `registration ${method} to ${url.host} failed (${safeReason(error)})`,
        { context },
      );
      failure.name = 'TransientError';
      throw failure;
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new IssuerError(
        `registration ${method} answered a redirect (HTTP ${response.status} from ${url.host}): not followed`,
        { context: { ...context, status: response.status } },
      );
    }
    // A body that is not JSON is treated as empty: the parser's message would quote it.
    const text = await readBoundedText(response, { host: url.host, ErrorType: IssuerError });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    if (!response.ok) {
      const code = errorCodeOf(json, [token, ...(body ? [JSON.stringify(body)] : [])]) ?? 'unknown';
      const error = new IssuerError(
        `registration ${method} failed with HTTP ${response.status} (${code})`,
        { context: { ...context, status: response.status } },
      );
      if (response.status === 429 || response.status >= 500) error.name = 'TransientError';
      throw error;
    }
    return json && typeof json === 'object' ? json : {};
  }
}

/**
 * The admin secret holds the token as JSON (`registrationAccessToken`) or as plain text. Text
 * that starts like JSON but does not parse is refused rather than sent as a token, and the
 * parser's message — which quotes the token — is dropped.
 */
export function parseToken(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    throw new IssuerError('registration access token secret is not valid JSON', {
      context: { issuer: 'rfc7592' },
    });
  }
  const record = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const token = record.registrationAccessToken ?? record.registration_access_token;
  if (typeof token === 'string' && token) return token;
  throw new IssuerError('registration access token secret has no registrationAccessToken', {
    context: { issuer: 'rfc7592' },
  });
}

function credentialId(clientId: string, secret: string): string {
  return `${clientId}#${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value ? value : undefined;
}
