import type { RotationTrigger } from '../detection/remediation.js';
import { rotateMany, secretsManagerRotator } from '../rotation/onDemand.js';
import type { RotationControl } from '../rotation/onDemandPorts.js';
import { SecretsManagerRotationControl } from './rotationControl.js';

/**
 * Auto-remediation through the same path as `gatewarden rotate --secret`: the on-demand
 * rotator (DescribeSecret, then RotateSecret with RotateImmediately, backoff on throttling), so
 * the secret's rotation function runs its four steps. It does not wait for the rotation to land
 * — the rotation function reports success or failure on its own alert channels.
 */
export class OnDemandRotationTrigger implements RotationTrigger {
  constructor(private readonly control: RotationControl = new SecretsManagerRotationControl()) {}

  async rotate(secretId: string, idempotencyKey: string): Promise<{ versionId?: string }> {
    const [result] = await rotateMany(
      secretsManagerRotator(this.control, { wait: false }),
      [secretId],
      { concurrency: 1, token: () => idempotencyKey },
    );
    if (!result || result.outcome === 'failed') {
      const why = [result?.errorClass, result?.reason].filter(Boolean).join(': ');
      throw new Error(`rotation did not start${why ? ` (${why})` : ''}`);
    }
    return result.versionId ? { versionId: result.versionId } : {};
  }
}
