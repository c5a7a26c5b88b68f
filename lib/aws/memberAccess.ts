import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { memberReadRoleArn } from '../deploy/memberTemplate.js';
import { ReportError } from '../reports/errors.js';
import type { InventorySource } from '../reports/inventory.js';
import type { MemberAccount } from '../reports/organization.js';
import type { IamSource } from '../reports/report.js';
import { AgentCoreInventorySource } from './agentcoreInventory.js';
import { clientConfig, withClientCredentials } from './clients.js';
import { IamApiSource } from './iamInventory.js';

/**
 * A member account's report sources, read through its read role
 * (`gatewarden-<stage>-member-read`, resources/member-stackset.yml), which trusts the central
 * report role alone inside the organization. The session is short and named after the stage,
 * so the member's trail says who read it.
 */
export interface MemberSources {
  iam: IamSource;
  inventory: InventorySource;
}

export async function memberSources(
  account: MemberAccount,
  options: {
    stage: string;
    partition?: string;
    sts?: STSClient;
    /** Another role of the member to read through (the CLI's `--member-role`). */
    roleName?: string;
  },
): Promise<MemberSources> {
  const sts = options.sts ?? new STSClient(clientConfig());
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn:
        options.roleName === undefined
          ? memberReadRoleArn(options.stage, account.id, options.partition)
          : `arn:${options.partition ?? 'aws'}:iam::${account.id}:role/${options.roleName}`,
      RoleSessionName: `gatewarden-${options.stage}-report`.slice(0, 64),
      DurationSeconds: 900,
    }),
  );
  const credentials = assumed.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new ReportError('AssumeRole returned no credentials', {
      context: { account: account.id },
    });
  }
  return withClientCredentials(
    {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    },
    () => ({ iam: new IamApiSource(), inventory: new AgentCoreInventorySource() }),
  );
}
