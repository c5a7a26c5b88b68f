import { GLOBAL_EVENTS_REGION } from '../detection/sources.js';
import { forEachConcurrent } from '../reports/logFiles.js';
import type { MemberAccount } from '../reports/organization.js';
import { safeReason } from '../shared/redact.js';
import type { CheckResult } from './types.js';

/**
 * `gatewarden doctor --org`: for every active account of the organization, whether the member
 * StackSet has a current instance in each region it should (the chosen regions and us-east-1),
 * and whether the central report can assume the member's read role. Each account is its own
 * check line, so one broken member never hides the others.
 */
export interface StackInstanceState {
  account: string;
  region: string;
  /** `CURRENT`, `OUTDATED` or `INOPERABLE`. */
  status: string;
  /** `SUCCEEDED`, `FAILED`, `CANCELLED`, `INOPERABLE`, `PENDING`, `RUNNING`, … */
  detailedStatus?: string;
  reason?: string;
}

export interface OrganizationDoctorPorts {
  /** The organization's active accounts. */
  accounts(): Promise<MemberAccount[]>;
  /** The member StackSet's instances (CloudFormation ListStackInstances, every page). */
  stackInstances(): Promise<StackInstanceState[]>;
  /** Assumes the member's read role; throws with the reason when it cannot. */
  assumeReadRole(account: MemberAccount): Promise<void>;
}

export interface OrganizationDoctorOptions {
  /** The regions members forward from (`organizationRegions`; empty = the stage's region). */
  regions: readonly string[];
  stageRegion: string;
  concurrency?: number;
}

/** The regions every member should have an instance in: the chosen ones and us-east-1. */
export function expectedRegions(options: OrganizationDoctorOptions): string[] {
  const chosen = options.regions.length > 0 ? options.regions : [options.stageRegion];
  return [...new Set([...chosen, GLOBAL_EVENTS_REGION])].sort();
}

export async function organizationChecks(
  ports: OrganizationDoctorPorts,
  options: OrganizationDoctorOptions,
): Promise<CheckResult[]> {
  const regions = expectedRegions(options);
  const [accounts, instances] = await Promise.all([ports.accounts(), ports.stackInstances()]);
  const byAccount = new Map<string, StackInstanceState[]>();
  for (const instance of instances) {
    byAccount.set(instance.account, [...(byAccount.get(instance.account) ?? []), instance]);
  }
  const results: CheckResult[][] = new Array(accounts.length);
  await forEachConcurrent(accounts, options.concurrency ?? 10, async (account, index) => {
    const label = `${account.id} (${account.name})`;
    const own = byAccount.get(account.id) ?? [];
    const problems: string[] = [];
    for (const region of regions) {
      const instance = own.find((i) => i.region === region);
      if (instance === undefined) problems.push(`${region}: no stack instance`);
      else if (
        instance.status !== 'CURRENT' ||
        (instance.detailedStatus !== undefined && instance.detailedStatus !== 'SUCCEEDED')
      )
        problems.push(
          `${region}: ${instance.status}${instance.detailedStatus ? `/${instance.detailedStatus}` : ''}${instance.reason ? `: ${instance.reason}` : ''}`,
        );
    }
    const instanceCheck: CheckResult =
      problems.length === 0
        ? {
            id: `organization.instances:${account.id}`,
            area: 'organization',
            status: 'pass',
            message: `${label}: stack instances current in ${regions.join(', ')}`,
          }
        : {
            id: `organization.instances:${account.id}`,
            area: 'organization',
            status: 'fail',
            message:
              own.length === 0
                ? `${label}: not enrolled (no stack instance: is it in the StackSet's OUs?)`
                : `${label}: stack instances not current`,
            details: problems,
          };
    let roleCheck: CheckResult;
    try {
      await ports.assumeReadRole(account);
      roleCheck = {
        id: `organization.readRole:${account.id}`,
        area: 'organization',
        status: 'pass',
        message: `${label}: read role assumable`,
      };
    } catch (error) {
      roleCheck = {
        id: `organization.readRole:${account.id}`,
        area: 'organization',
        status: 'fail',
        message: `${label}: read role not assumable: ${safeReason(error)}`,
      };
    }
    results[index] = [
      instanceCheck,
      roleCheck,
      {
        id: `organization.rules:${account.id}`,
        area: 'organization',
        status: 'unverified',
        message: `${label}: forwarding rules not checked (the read role holds no EventBridge reads; the stack instance's status covers their creation)`,
      },
    ];
  });
  return results.flat();
}
