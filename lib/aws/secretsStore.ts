import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RandomSource, SecretMeta, SecretStore, SecretWriter } from '../rotation/ports.js';
import { clientConfig } from './clients.js';

/**
 * Secrets Manager behind the rotation ports. Stages are always passed explicitly (moto and
 * AWS differ on defaults), and "no such version" is `undefined`, not an error.
 */
export class SecretsManagerStore implements SecretStore, SecretWriter, RandomSource {
  constructor(
    private readonly sm: SecretsManagerClient = new SecretsManagerClient(clientConfig()),
  ) {}

  async describe(secretId: string): Promise<SecretMeta> {
    const out = await this.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      versionStages: Object.fromEntries(
        Object.entries(out.VersionIdsToStages ?? {}).filter(([, stages]) => stages.length > 0),
      ),
      tags: Object.fromEntries((out.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    };
  }

  async getValue(
    secretId: string,
    select: { versionId?: string; stage: string },
  ): Promise<string | undefined> {
    try {
      const out = await this.sm.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionStage: select.stage,
          ...(select.versionId ? { VersionId: select.versionId } : {}),
        }),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      // AWS answers InvalidRequestException when a version id and stage do not match.
      if (error instanceof Error && error.name === 'InvalidRequestException' && select.versionId)
        return undefined;
      throw error;
    }
  }

  async versionCreatedAt(secretId: string, versionId: string): Promise<Date | undefined> {
    let nextToken: string | undefined;
    do {
      const out = await this.sm.send(
        new ListSecretVersionIdsCommand({
          SecretId: secretId,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      const found = out.Versions?.find((version) => version.VersionId === versionId);
      if (found) return found.CreatedDate;
      nextToken = out.NextToken;
    } while (nextToken);
    return undefined;
  }

  async putPending(
    secretId: string,
    input: { token: string; value: string; rotationToken?: string },
  ): Promise<void> {
    await this.sm.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: input.token,
        SecretString: input.value,
        VersionStages: ['AWSPENDING'],
        ...(input.rotationToken ? { RotationToken: input.rotationToken } : {}),
      }),
    );
  }

  async updateStage(
    secretId: string,
    input: { stage: string; moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void> {
    await this.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: input.stage,
        ...(input.moveToVersionId ? { MoveToVersionId: input.moveToVersionId } : {}),
        ...(input.removeFromVersionId ? { RemoveFromVersionId: input.removeFromVersionId } : {}),
      }),
    );
  }

  async putCurrent(secretId: string, value: string): Promise<void> {
    await this.sm.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: value,
        VersionStages: ['AWSCURRENT'],
      }),
    );
  }

  async randomPassword(input: { length: number; excludePunctuation: boolean }): Promise<string> {
    const out = await this.sm.send(
      new GetRandomPasswordCommand({
        PasswordLength: input.length,
        ExcludePunctuation: input.excludePunctuation,
        RequireEachIncludedType: true,
      }),
    );
    if (!out.RandomPassword) throw new Error('GetRandomPassword returned no password');
    return out.RandomPassword;
  }

  /** Records (or clears, with `undefined`) a non-secret tag, e.g. the last rotation error. */
  async setTag(secretId: string, key: string, value: string | undefined): Promise<void> {
    if (value === undefined) {
      await this.sm.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [key] }));
    } else {
      await this.sm.send(
        new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: key, Value: value }] }),
      );
    }
  }
}
