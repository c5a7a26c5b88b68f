import type { IssuedCredential, Issuer, IssuerCredentialInfo } from '../issuer.js';
import type { RandomSource } from '../ports.js';
import type { IssuerConfig, SecretDocument } from '../secretDocument.js';

type GeneratedConfig = Extract<IssuerConfig, { type: 'generated' }>;

/**
 * A random key from Secrets Manager GetRandomPassword, for targets that read their key from
 * this same secret. Nothing is held anywhere else, so there is nothing to list or revoke: the
 * previous key stays readable as AWSPREVIOUS and the target decides how long it accepts it.
 */
export class GeneratedIssuer implements Issuer<GeneratedConfig> {
  readonly type = 'generated' as const;
  readonly supportsOverlap = true;

  constructor(private readonly random: RandomSource) {}

  async mint(
    config: GeneratedConfig,
    _doc: SecretDocument,
    idempotencyKey: string,
  ): Promise<IssuedCredential> {
    const apiKey = await this.random.randomPassword({
      length: config.length,
      excludePunctuation: config.excludePunctuation,
    });
    return { credentialId: `generated:${idempotencyKey}`, apiKey };
  }

  async revoke(): Promise<void> {}

  async list(): Promise<IssuerCredentialInfo[]> {
    return [];
  }
}
