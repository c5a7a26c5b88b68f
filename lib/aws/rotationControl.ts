import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type ListSecretsCommandInput,
  paginateListSecrets,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type {
  CreateSecretInput,
  RotationControl,
  RotationRules,
  SecretStatus,
  SecretSummary,
} from '../rotation/onDemandPorts.js';
import { clientConfig } from './clients.js';

function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

/**
 * Secrets Manager control operations for on-demand rotation and registration. Values are read
 * only where registration needs the current credential, and are never logged here.
 */
export class SecretsManagerRotationControl implements RotationControl {
  constructor(readonly client: SecretsManagerClient = new SecretsManagerClient(clientConfig())) {}

  async findByTag(key: string, value: string | undefined): Promise<SecretSummary[]> {
    // ListSecrets matches tag-key and tag-value independently (and by prefix): check pairs here.
    const input: ListSecretsCommandInput = {
      Filters: [
        { Key: 'tag-key', Values: [key] },
        ...(value === undefined ? [] : [{ Key: 'tag-value' as const, Values: [value] }]),
      ],
      MaxResults: 100,
    };
    const found: SecretSummary[] = [];
    for await (const page of paginateListSecrets({ client: this.client }, input)) {
      for (const entry of page.SecretList ?? []) {
        const tags = tagMap(entry.Tags);
        if (
          entry.ARN &&
          entry.Name &&
          key in tags &&
          (value === undefined || tags[key] === value)
        ) {
          found.push({ arn: entry.ARN, name: entry.Name, tags });
        }
      }
    }
    return found;
  }

  async describe(secretId: string): Promise<SecretStatus> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const rules: RotationRules = {};
    if (out.RotationRules?.AutomaticallyAfterDays) {
      rules.automaticallyAfterDays = out.RotationRules.AutomaticallyAfterDays;
    }
    if (out.RotationRules?.ScheduleExpression)
      rules.scheduleExpression = out.RotationRules.ScheduleExpression;
    if (out.RotationRules?.Duration) rules.duration = out.RotationRules.Duration;
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      ...(out.RotationLambdaARN ? { rotationLambdaArn: out.RotationLambdaARN } : {}),
      rules,
      versionStages: out.VersionIdsToStages ?? {},
      tags: tagMap(out.Tags),
      ...(out.LastRotatedDate ? { lastRotatedDate: out.LastRotatedDate.toISOString() } : {}),
    };
  }

  async startRotation(
    secretId: string,
    clientRequestToken: string,
  ): Promise<{ versionId: string }> {
    const out = await this.client.send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: clientRequestToken,
        RotateImmediately: true,
      }),
    );
    return { versionId: out.VersionId ?? clientRequestToken };
  }

  async enableRotation(
    secretId: string,
    input: { lambdaArn: string; rules: RotationRules },
  ): Promise<{ versionId?: string }> {
    const out = await this.client.send(
      new RotateSecretCommand({
        SecretId: secretId,
        RotationLambdaARN: input.lambdaArn,
        RotationRules: {
          ...(input.rules.automaticallyAfterDays
            ? { AutomaticallyAfterDays: input.rules.automaticallyAfterDays }
            : {}),
          ...(input.rules.scheduleExpression
            ? { ScheduleExpression: input.rules.scheduleExpression }
            : {}),
          ...(input.rules.duration ? { Duration: input.rules.duration } : {}),
        },
        RotateImmediately: false,
      }),
    );
    return out.VersionId ? { versionId: out.VersionId } : {};
  }

  async createSecret(input: CreateSecretInput): Promise<{ arn: string; versionId?: string }> {
    const out = await this.client.send(
      new CreateSecretCommand({
        Name: input.name,
        Description: input.description,
        SecretString: input.value,
        ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
        Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    if (!out.ARN) throw new Error(`CreateSecret returned no ARN for ${input.name}`);
    return { arn: out.ARN, ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  }

  async putResourcePolicy(secretId: string, policy: string): Promise<void> {
    await this.client.send(
      new PutResourcePolicyCommand({
        SecretId: secretId,
        ResourcePolicy: policy,
        BlockPublicPolicy: true,
      }),
    );
  }

  async getValue(
    secretId: string,
    select: { versionId?: string; stage?: string } = {},
  ): Promise<string> {
    const out = await this.client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        ...(select.versionId ? { VersionId: select.versionId } : {}),
        VersionStage: select.stage ?? (select.versionId ? undefined : 'AWSCURRENT'),
      }),
    );
    if (out.SecretString === undefined) {
      throw new Error(`secret ${secretId} has no string value`);
    }
    return out.SecretString;
  }

  async removeStage(secretId: string, stage: string, versionId: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: stage,
        RemoveFromVersionId: versionId,
      }),
    );
  }
}
