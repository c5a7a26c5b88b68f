import {
  CloudFormationClient,
  paginateListStackInstances,
  type CallAs,
} from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { memberReadRoleArn } from '../deploy/memberTemplate.js';
import type { OrganizationDoctorPorts, StackInstanceState } from '../doctor/organizationChecks.js';
import { activeMembers } from '../reports/organization.js';
import { clientConfig } from './clients.js';
import { OrganizationsDirectory } from './organizationDirectory.js';

/**
 * `doctor --org` against AWS: the accounts from Organizations, the member StackSet's instances
 * (`gatewarden-<stage>-members`, called as the delegated administrator or self), and an
 * AssumeRole of each member's read role (the session is dropped at once).
 */
export function organizationDoctorPorts(options: {
  stage: string;
  partition?: string;
  callAs?: CallAs;
  cloudformation?: CloudFormationClient;
  sts?: STSClient;
  directory?: OrganizationsDirectory;
}): OrganizationDoctorPorts {
  const cloudformation = options.cloudformation ?? new CloudFormationClient(clientConfig());
  const sts = options.sts ?? new STSClient(clientConfig());
  const directory = options.directory ?? new OrganizationsDirectory();
  return {
    accounts: () => activeMembers(directory),
    async stackInstances() {
      const found: StackInstanceState[] = [];
      for await (const page of paginateListStackInstances(
        { client: cloudformation },
        {
          StackSetName: `gatewarden-${options.stage}-members`,
          ...(options.callAs ? { CallAs: options.callAs } : {}),
        },
      )) {
        for (const s of page.Summaries ?? []) {
          found.push({
            account: s.Account ?? '',
            region: s.Region ?? '',
            status: s.Status ?? 'UNKNOWN',
            ...(s.StackInstanceStatus?.DetailedStatus
              ? { detailedStatus: s.StackInstanceStatus.DetailedStatus }
              : {}),
            ...(s.StatusReason ? { reason: s.StatusReason } : {}),
          });
        }
      }
      return found;
    },
    async assumeReadRole(account) {
      await sts.send(
        new AssumeRoleCommand({
          RoleArn: memberReadRoleArn(options.stage, account.id, options.partition),
          RoleSessionName: `gatewarden-${options.stage}-doctor`.slice(0, 64),
          DurationSeconds: 900,
        }),
      );
    },
  };
}
