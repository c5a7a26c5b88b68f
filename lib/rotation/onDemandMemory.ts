import { randomUUID } from 'node:crypto';
import type {
  CreateSecretInput,
  RotationControl,
  RotationRules,
  SecretStatus,
  SecretSummary,
} from './onDemandPorts.js';

interface MemorySecret {
  arn: string;
  name: string;
  tags: Record<string, string>;
  versions: Map<string, { value?: string; stages: string[] }>;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rules?: RotationRules;
  policy?: string;
  kmsKeyId?: string;
  description?: string;
}

/**
 * In-memory {@link RotationControl} for unit tests. `onRotate` decides what a started
 * rotation does (by default: nothing, like a function that never ran); `failNext` injects
 * errors (e.g. throttling) into the next calls of an operation.
 */
export class MemoryRotationControl implements RotationControl {
  readonly secrets = new Map<string, MemorySecret>();
  readonly calls: string[] = [];
  private readonly faults = new Map<string, unknown[]>();
  onRotate: (secret: MemorySecret, versionId: string) => void = () => undefined;

  failNext(operation: keyof RotationControl, error: unknown, count = 1): void {
    const list = this.faults.get(operation) ?? [];
    for (let i = 0; i < count; i++) list.push(error);
    this.faults.set(operation, list);
  }

  private enter(operation: keyof RotationControl): void {
    this.calls.push(operation);
    const fault = this.faults.get(operation)?.shift();
    if (fault !== undefined) throw fault;
  }

  /** Adds a secret with one AWSCURRENT version. */
  add(name: string, value: string, tags: Record<string, string> = {}): MemorySecret {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`;
    const secret: MemorySecret = {
      arn,
      name,
      tags: { ...tags },
      versions: new Map([[randomUUID(), { value, stages: ['AWSCURRENT'] }]]),
      rotationEnabled: false,
    };
    this.secrets.set(arn, secret);
    return secret;
  }

  get(secretId: string): MemorySecret {
    const secret =
      this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.name === secretId);
    if (!secret) {
      throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), {
        name: 'ResourceNotFoundException',
      });
    }
    return secret;
  }

  async findByTag(key: string, value: string | undefined): Promise<SecretSummary[]> {
    this.enter('findByTag');
    return [...this.secrets.values()]
      .filter((s) => key in s.tags && (value === undefined || s.tags[key] === value))
      .map((s) => ({ arn: s.arn, name: s.name, tags: { ...s.tags } }));
  }

  async describe(secretId: string): Promise<SecretStatus> {
    this.enter('describe');
    const s = this.get(secretId);
    return {
      arn: s.arn,
      name: s.name,
      rotationEnabled: s.rotationEnabled,
      ...(s.rotationLambdaArn ? { rotationLambdaArn: s.rotationLambdaArn } : {}),
      ...(s.rules ? { rules: { ...s.rules } } : {}),
      versionStages: Object.fromEntries([...s.versions].map(([id, v]) => [id, [...v.stages]])),
      tags: { ...s.tags },
    };
  }

  async startRotation(secretId: string, token: string): Promise<{ versionId: string }> {
    this.enter('startRotation');
    const s = this.get(secretId);
    if ([...s.versions.values()].some((v) => v.stages.includes('AWSPENDING'))) {
      throw Object.assign(new Error('A previous rotation isn’t complete.'), {
        name: 'InvalidRequestException',
      });
    }
    if (!s.rotationLambdaArn) {
      throw Object.assign(new Error('No rotation function configured.'), {
        name: 'InvalidRequestException',
      });
    }
    this.onRotate(s, token);
    return { versionId: token };
  }

  async enableRotation(
    secretId: string,
    input: { lambdaArn: string; rules: RotationRules },
  ): Promise<object> {
    this.enter('enableRotation');
    const s = this.get(secretId);
    s.rotationLambdaArn = input.lambdaArn;
    s.rules = { ...input.rules };
    s.rotationEnabled = true;
    return {};
  }

  async createSecret(input: CreateSecretInput): Promise<{ arn: string }> {
    this.enter('createSecret');
    if ([...this.secrets.values()].some((s) => s.name === input.name)) {
      throw Object.assign(new Error(`The secret ${input.name} already exists.`), {
        name: 'ResourceExistsException',
      });
    }
    const secret = this.add(input.name, input.value, input.tags);
    secret.description = input.description;
    if (input.kmsKeyId) secret.kmsKeyId = input.kmsKeyId;
    return { arn: secret.arn };
  }

  async putResourcePolicy(secretId: string, policy: string): Promise<void> {
    this.enter('putResourcePolicy');
    this.get(secretId).policy = policy;
  }

  async getValue(
    secretId: string,
    select: { versionId?: string; stage?: string } = {},
  ): Promise<string> {
    this.enter('getValue');
    const s = this.get(secretId);
    const stage = select.stage ?? (select.versionId ? undefined : 'AWSCURRENT');
    const entry = [...s.versions].find(
      ([id, v]) =>
        (!select.versionId || id === select.versionId) && (!stage || v.stages.includes(stage)),
    );
    if (entry?.[1].value === undefined) throw new Error(`secret ${secretId} has no such version`);
    return entry[1].value;
  }

  async removeStage(secretId: string, stage: string, versionId: string): Promise<void> {
    this.enter('removeStage');
    const version = this.get(secretId).versions.get(versionId);
    if (version) version.stages = version.stages.filter((s) => s !== stage);
  }

  /** Test helper: completes a rotation as a rotation function would. */
  land(secretId: string, versionId: string, value: string): void {
    const s = this.get(secretId);
    for (const v of s.versions.values()) {
      v.stages = v.stages.filter((st) => st !== 'AWSPENDING' && st !== 'AWSPREVIOUS');
      if (v.stages.includes('AWSCURRENT')) v.stages = ['AWSPREVIOUS'];
    }
    s.versions.set(versionId, { value, stages: ['AWSCURRENT'] });
  }
}
