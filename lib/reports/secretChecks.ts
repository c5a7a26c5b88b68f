import type { CheckInput, Add } from './checks.js';

/**
 * Gateway credentials: held in customer-owned secrets that a rotation schedule reaches,
 * rotation on, and not overdue.
 */
export function checkSecrets(
  input: Pick<CheckInput, 'inventory' | 'inventoryKnown' | 'now'>,
  add: Add,
  skipped: Map<string, string>,
): void {
  if (!input.inventoryKnown) {
    for (const id of [
      'credential-not-rotatable',
      'secret-rotation-disabled',
      'secret-rotation-overdue',
    ]) {
      skipped.set(id, 'gateway inventory not read (offline run)');
    }
    return;
  }
  for (const provider of input.inventory.credentialProviders) {
    if ((provider.secretSource ?? '').toUpperCase() !== 'EXTERNAL') {
      add(
        'credential-not-rotatable',
        'medium',
        provider.arn,
        `Credential provider ${provider.name} keeps its ${provider.kind === 'apikey' ? 'API key' : 'client secret'} in a service-managed secret that no rotation schedule can reach. Move it to a gatewarden-owned secret (secret source EXTERNAL) and register it for rotation.`,
      );
    }
  }
  // A service-managed provider secret is already reported as not rotatable: once is enough.
  const managedSecrets = new Set(
    input.inventory.credentialProviders
      .filter((p) => (p.secretSource ?? '').toUpperCase() !== 'EXTERNAL')
      .flatMap((p) => (p.secretArn === undefined ? [] : [p.secretArn])),
  );
  for (const secret of input.inventory.secrets) {
    if (managedSecrets.has(secret.arn)) continue;
    if (!secret.rotationEnabled) {
      add(
        'secret-rotation-disabled',
        'high',
        secret.arn,
        `Gateway credential secret ${secret.name} has rotation off: a leaked credential stays valid indefinitely. Enable rotation (gatewarden register) with a schedule.`,
      );
      continue;
    }
    const overdueSince = overdue(secret, input.now);
    if (overdueSince !== undefined) {
      add(
        'secret-rotation-overdue',
        'medium',
        secret.arn,
        `Gateway credential secret ${secret.name} was due for rotation on ${overdueSince} and has not rotated: rotation is failing or stuck. Check the rotation function's logs and the secret's AWSPENDING version.`,
      );
    }
  }
  if (input.inventory.secrets.length === 0 && input.inventory.credentialProviders.length === 0) {
    skipped.set('secret-rotation-disabled', 'no gateway credential secret found');
    skipped.set('secret-rotation-overdue', 'no gateway credential secret found');
  }
}

/** One day of grace on top of the schedule: Secrets Manager rotates within a window. */
function overdue(
  secret: { nextRotation?: string; lastRotated?: string; rotationDays?: number },
  now: Date,
): string | undefined {
  const graceMs = 24 * 3600 * 1000;
  if (
    secret.nextRotation !== undefined &&
    Date.parse(secret.nextRotation) + graceMs < now.getTime()
  ) {
    return secret.nextRotation.slice(0, 10);
  }
  if (secret.lastRotated !== undefined && secret.rotationDays !== undefined) {
    const due = Date.parse(secret.lastRotated) + secret.rotationDays * 24 * 3600 * 1000;
    if (due + graceMs < now.getTime()) return new Date(due).toISOString().slice(0, 10);
  }
  return undefined;
}
