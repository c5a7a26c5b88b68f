/** Secrets Manager in memory, with fault injection (see FaultPlan). */
import { randomUUID } from 'node:crypto';
import type { RotationControl } from '../../../../lib/rotation/onDemandPorts.js';
import type { SecretMeta, SecretStore } from '../../../../lib/rotation/ports.js';
import type { SecretDocument } from '../../../../lib/rotation/secretDocument.js';
import { FakeClock, FaultPlan } from './faults.js';

interface Version {
  value?: string;
  stages: string[];
  createdAt?: number;
}

/** Secrets Manager semantics: unique staging labels, AWSPREVIOUS follows AWSCURRENT moves. */
export class FakeSecretStore implements SecretStore {
  readonly secrets = new Map<
    string,
    {
      arn: string;
      rotationEnabled: boolean;
      versions: Map<string, Version>;
      tags: Record<string, string>;
    }
  >();
  constructor(
    private readonly faults: FaultPlan = new FaultPlan(),
    private readonly clock: FakeClock = new FakeClock(),
  ) {}

  create(
    name: string,
    doc: SecretDocument,
    rotationEnabled = true,
  ): { arn: string; versionId: string } {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
    const versionId = randomUUID();
    this.secrets.set(name, {
      arn,
      rotationEnabled,
      tags: { 'gatewarden:gateway': doc.gatewayId, 'gatewarden:kind': doc.kind },
      versions: new Map([
        [
          versionId,
          { value: JSON.stringify(doc), stages: ['AWSCURRENT'], createdAt: this.clock.time },
        ],
      ]),
    });
    return { arn, versionId };
  }

  private secret(id: string) {
    const secret = this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
    if (!secret)
      throw Object.assign(new Error('secret not found'), { name: 'ResourceNotFoundException' });
    return secret;
  }

  /** What RotateSecret does before invoking createSecret: an empty version labelled AWSPENDING. */
  /**
   * What RotateSecret does before invoking the function: an empty version labelled AWSPENDING;
   * with `RotateImmediately: false`, a copy of the current value (only testSecret runs then).
   */
  beginRotation(id: string, token: string, copyCurrent = false): void {
    const secret = this.secret(id);
    const current = [...secret.versions.values()].find((v) => v.stages.includes('AWSCURRENT'));
    for (const version of secret.versions.values())
      version.stages = version.stages.filter((s) => s !== 'AWSPENDING');
    secret.versions.set(token, {
      stages: ['AWSPENDING'],
      ...(copyCurrent && current?.value !== undefined ? { value: current.value } : {}),
    });
  }

  /**
   * PutSecretValue as any writer calls it: a new version becomes AWSCURRENT (the old one
   * AWSPREVIOUS). What an attacker holding only `secretsmanager:PutSecretValue` can do.
   */
  putValue(id: string, value: string): string {
    const secret = this.secret(id);
    const versionId = randomUUID();
    for (const version of secret.versions.values()) {
      const wasCurrent = version.stages.includes('AWSCURRENT');
      version.stages = version.stages.filter((s) => s !== 'AWSCURRENT' && s !== 'AWSPREVIOUS');
      if (wasCurrent) version.stages.push('AWSPREVIOUS');
    }
    secret.versions.set(versionId, {
      value,
      stages: ['AWSCURRENT'],
      createdAt: this.clock.time,
    });
    return versionId;
  }

  valueAt(id: string, stage: string): SecretDocument | undefined {
    const version = [...this.secret(id).versions.values()].find((v) => v.stages.includes(stage));
    return version?.value === undefined ? undefined : (JSON.parse(version.value) as SecretDocument);
  }

  stages(id: string): Record<string, string[]> {
    return Object.fromEntries(
      [...this.secret(id).versions].map(([v, { stages }]) => [v, [...stages]]),
    );
  }

  describe(secretId: string): Promise<SecretMeta> {
    return this.faults.call('sm.describe', () => {
      const secret = this.secret(secretId);
      return {
        arn: secret.arn,
        name: secretId,
        rotationEnabled: secret.rotationEnabled,
        tags: { ...secret.tags },
        versionStages: Object.fromEntries(
          [...secret.versions]
            .filter(([, v]) => v.stages.length > 0)
            .map(([id, v]) => [id, [...v.stages]]),
        ),
      };
    });
  }

  getValue(
    secretId: string,
    select: { versionId?: string; stage: string },
  ): Promise<string | undefined> {
    return this.faults.call('sm.getValue', () => {
      const secret = this.secret(secretId);
      const entry = select.versionId
        ? secret.versions.get(select.versionId)
        : [...secret.versions.values()].find((v) => v.stages.includes(select.stage));
      if (!entry || !entry.stages.includes(select.stage)) return undefined;
      return entry.value;
    });
  }

  putPending(secretId: string, input: { token: string; value: string }): Promise<void> {
    return this.faults.call('sm.putPending', () => {
      const secret = this.secret(secretId);
      const existing = secret.versions.get(input.token);
      if (existing?.value !== undefined) {
        if (existing.value !== input.value) {
          throw Object.assign(new Error('version exists with a different value'), {
            name: 'ResourceExistsException',
          });
        }
        return;
      }
      for (const version of secret.versions.values())
        version.stages = version.stages.filter((s) => s !== 'AWSPENDING');
      secret.versions.set(input.token, {
        value: input.value,
        stages: ['AWSPENDING'],
        createdAt: this.clock.time,
      });
    });
  }

  versionCreatedAt(secretId: string, versionId: string): Promise<Date | undefined> {
    return this.faults.call('sm.listVersions', () => {
      const at = this.secret(secretId).versions.get(versionId)?.createdAt;
      return at === undefined ? undefined : new Date(at);
    });
  }

  updateStage(
    secretId: string,
    input: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void> {
    return this.faults.call('sm.updateStage', () => {
      const secret = this.secret(secretId);
      const holder = [...secret.versions].find(([, v]) => v.stages.includes(input.stage));
      if (
        holder &&
        input.moveToVersionId &&
        holder[0] !== input.removeFromVersionId &&
        holder[0] !== input.moveToVersionId
      ) {
        throw Object.assign(new Error('label is attached to another version'), {
          name: 'InvalidParameterException',
        });
      }
      if (input.removeFromVersionId) {
        const from = secret.versions.get(input.removeFromVersionId);
        if (from) from.stages = from.stages.filter((s) => s !== input.stage);
      }
      if (input.moveToVersionId) {
        const to = secret.versions.get(input.moveToVersionId);
        if (!to)
          throw Object.assign(new Error('no such version'), { name: 'ResourceNotFoundException' });
        if (input.stage === 'AWSCURRENT' && input.removeFromVersionId) {
          for (const version of secret.versions.values())
            version.stages = version.stages.filter((s) => s !== 'AWSPREVIOUS');
          const from = secret.versions.get(input.removeFromVersionId);
          from?.stages.push('AWSPREVIOUS');
        }
        if (!to.stages.includes(input.stage)) to.stages.push(input.stage);
      }
    });
  }
}

/** The admin's view of the fake store: what `register update` reads (describe, getValue). */
export function controlOver(store: FakeSecretStore): RotationControl {
  return {
    describe: async (id: string) => {
      const meta = await store.describe(id);
      return { ...meta, tags: meta.tags ?? {} };
    },
    getValue: async (id: string, select?: { versionId?: string; stage?: string }) =>
      (await store.getValue(id, {
        ...(select?.versionId ? { versionId: select.versionId } : {}),
        stage: select?.stage ?? 'AWSCURRENT',
      })) ?? '',
  } as unknown as RotationControl;
}
