import {
  CloudFormationClient,
  paginateListStackInstances,
  type CallAs,
} from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import {
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { memberReadRoleArn } from '../deploy/memberTemplate.js';
import type {
  MemberRuleState,
  OrganizationDoctorPorts,
  StackInstanceState,
} from '../doctor/organizationChecks.js';
import type { MemberAccount } from '../reports/organization.js';
import { activeMembers } from '../reports/organization.js';
import { type ClientCredentials, clientConfig } from './clients.js';
import { DynamoDeliveryStore } from './detectionState.js';
import { readTrails } from './doctorReader.js';
import { OrganizationsDirectory } from './organizationDirectory.js';

/**
 * `doctor --org` against AWS: the accounts from Organizations, the member StackSet's instances
 * (`gatewarden-<stage>-members`, called as the delegated administrator or self), an
 * AssumeRole of each member's read role, and through that session the member's forwarding
 * rules in each region (ListRules by the stage's prefix, ListTargetsByRule) and its trails
 * (DescribeTrails, GetTrailStatus, GetEventSelectors); the central account's own trails with the
 * caller's credentials (`cloudtrail`), where the organization trail shows; and, with the
 * caller's credentials too, the central detect's last deliveries per member and region (a Query
 * on the state table's `bl#delivery#<account>` items, which the report role may read). Sessions
 * are kept for the run only, in memory.
 */
export function organizationDoctorPorts(options: {
  stage: string;
  partition?: string;
  callAs?: CallAs;
  cloudformation?: CloudFormationClient;
  sts?: STSClient;
  directory?: OrganizationsDirectory;
  /** The central account's CloudTrail, as the caller. */
  cloudtrail?: CloudTrailClient;
  /** The central stage's state table (default `gatewarden-<stage>-state`), read as the caller. */
  stateTable?: string;
  dynamodb?: DynamoDBClient;
}): OrganizationDoctorPorts {
  const deliveries = new DynamoDeliveryStore(
    options.dynamodb ?? new DynamoDBClient(clientConfig()),
    options.stateTable ?? `gatewarden-${options.stage}-state`,
  );
  const cloudformation = options.cloudformation ?? new CloudFormationClient(clientConfig());
  const sts = options.sts ?? new STSClient(clientConfig());
  const directory = options.directory ?? new OrganizationsDirectory();
  const sessions = new Map<string, Promise<ClientCredentials>>();
  const session = (account: MemberAccount): Promise<ClientCredentials> => {
    let got = sessions.get(account.id);
    if (!got) {
      got = sts
        .send(
          new AssumeRoleCommand({
            RoleArn: memberReadRoleArn(options.stage, account.id, options.partition),
            RoleSessionName: `gatewarden-${options.stage}-doctor`.slice(0, 64),
            DurationSeconds: 900,
          }),
        )
        .then(({ Credentials: c }) => {
          if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
            throw new Error('AssumeRole returned no credentials');
          return {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
          };
        });
      sessions.set(account.id, got);
    }
    return got;
  };
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
      await session(account);
    },
    centralTrails: () => readTrails(options.cloudtrail ?? new CloudTrailClient(clientConfig())),
    deliveries: (account) => deliveries.entries(account.id),
    async memberTrails(account) {
      return readTrails(
        new CloudTrailClient({ ...clientConfig(), credentials: await session(account) }),
        account.id,
      );
    },
    async forwardingRules(account, region) {
      const events = new EventBridgeClient({
        ...clientConfig(),
        region,
        credentials: await session(account),
      });
      const rules: MemberRuleState[] = [];
      // ListRules has no paginator in the SDK: NextToken by hand, bounded.
      let token: string | undefined;
      for (let page = 0; page < 20; page++) {
        const listed = await events.send(
          new ListRulesCommand({
            NamePrefix: `gatewarden-${options.stage}-org-`,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const rule of listed.Rules ?? []) {
          if (!rule.Name) continue;
          const targets = await events.send(new ListTargetsByRuleCommand({ Rule: rule.Name }));
          rules.push({
            name: rule.Name,
            state: rule.State ?? 'UNKNOWN',
            targets: unchangedTargetArns(targets.Targets ?? []),
            ...(rule.EventPattern === undefined ? {} : { pattern: rule.EventPattern }),
            ...(rule.ScheduleExpression === undefined ? {} : { schedule: rule.ScheduleExpression }),
          });
        }
        token = listed.NextToken;
        if (!token) break;
      }
      return rules;
    },
  };
}

/**
 * The ARNs of a rule's targets that deliver the event as it is. A target that replaces it (a
 * constant Input, an InputPath, an InputTransformer) delivers something else to the central
 * bus: it does not count as aimed there.
 */
export function unchangedTargetArns(targets: readonly Target[]): string[] {
  return targets.flatMap((t) =>
    t.Arn && t.Input === undefined && t.InputPath === undefined && !t.InputTransformer
      ? [t.Arn]
      : [],
  );
}
