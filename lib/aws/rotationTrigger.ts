import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotationTrigger } from '../detection/remediation.js';
import { clientConfig } from './clients.js';

/**
 * Starts an on-demand rotation with Secrets Manager `RotateSecret` — what `gatewarden rotate`
 * does: the secret's configured rotation function then runs the four steps.
 */
export class SecretsManagerRotationTrigger implements RotationTrigger {
  constructor(
    private readonly secrets: SecretsManagerClient = new SecretsManagerClient(clientConfig()),
  ) {}

  async rotate(secretId: string, idempotencyKey: string): Promise<{ versionId?: string }> {
    const result = await this.secrets.send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: idempotencyKey,
        RotateImmediately: true,
      }),
    );
    return result.VersionId ? { versionId: result.VersionId } : {};
  }
}
