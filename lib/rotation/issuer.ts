import type { IssuerConfig, SecretDocument } from './secretDocument.js';

/** A credential minted at an issuer. `credentialId` identifies it there and is safe to log. */
export interface IssuedCredential {
  credentialId: string;
  apiKey?: string;
  clientId?: string;
  clientSecret?: string;
  createdAt?: string;
}

/** What the issuer reports it holds, without values. */
export interface IssuerCredentialInfo {
  credentialId: string;
  createdAt?: string;
  /** The `idempotencyKey` the credential was minted with, when the issuer can label it. */
  idempotencyKey?: string;
}

/**
 * Who can mint and revoke a credential. One adapter per issuer type (Cognito, RFC 7592,
 * Okta, Entra, Auth0, webhook, generated), all behind this interface.
 */
export interface Issuer<C extends IssuerConfig = IssuerConfig> {
  readonly type: C['type'];
  /** True when old and new credentials are valid at the same time (false: Auth0). */
  readonly supportsOverlap: boolean;
  /** Most credentials the issuer holds at once for one client (Cognito: 2); absent = no limit. */
  readonly maxActive?: number;
  /**
   * Mints a new credential. `idempotencyKey` is the rotation's ClientRequestToken; issuers
   * that can label a credential use it so a retried mint can be recognised with `list`.
   */
  mint(config: C, doc: SecretDocument, idempotencyKey: string): Promise<IssuedCredential>;
  /** Checks that the credential is accepted by the issuer itself (e.g. a token is issued). */
  test?(config: C, doc: SecretDocument, credential: IssuedCredential): Promise<void>;
  /** Revokes one credential; revoking one that no longer exists is not an error. */
  revoke(config: C, doc: SecretDocument, credentialId: string): Promise<void>;
  /** Lists the credentials the issuer holds for this client or key. */
  list(config: C, doc: SecretDocument): Promise<IssuerCredentialInfo[]>;
}
