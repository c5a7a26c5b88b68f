import type { DeliveryEntry } from '../detection/delivery.js';
import { GLOBAL_EVENTS_REGION } from '../detection/sources.js';
import { forEachConcurrent } from '../reports/logFiles.js';
import type { MemberAccount } from '../reports/organization.js';
import { safeReason } from '../shared/redact.js';
import { deliveryCheck, type DeliveryCheckOptions } from './deliveryChecks.js';
import type { TrailInfo } from './ports.js';
import {
  GATEWAY_DATA_TYPE,
  type MemberTrails,
  trailCoverageChecks,
  trailGaps,
} from './trailCoverage.js';
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

/** A forwarding rule as the member's read role sees it (ListRules, ListTargetsByRule). */
export interface MemberRuleState {
  name: string;
  /** `ENABLED`, `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`, `DISABLED`. */
  state: string;
  /** Target ARNs (of targets that deliver the event as it is: no Input, InputPath or transformer). */
  targets: string[];
  /** The rule's event pattern as EventBridge returns it (JSON text). */
  pattern?: string;
  /** The rule's schedule (`rate(…)`, `cron(…)`), for a scheduled rule. */
  schedule?: string;
}

export interface OrganizationDoctorPorts {
  /** The organization's active accounts. */
  accounts(): Promise<MemberAccount[]>;
  /** The member StackSet's instances (CloudFormation ListStackInstances, every page). */
  stackInstances(): Promise<StackInstanceState[]>;
  /** Assumes the member's read role; throws with the reason when it cannot. */
  assumeReadRole(account: MemberAccount): Promise<void>;
  /**
   * The member's `gatewarden-<stage>-org-*` rules in a region, through its read role; absent
   * when the rules are not checked (then reported unverified).
   */
  forwardingRules?(account: MemberAccount, region: string): Promise<MemberRuleState[]>;
  /**
   * The trails the central stage's own account sees (DescribeTrails with shadow trails, their
   * status and selectors); its organization trails cover every member. Absent: trail coverage
   * is not checked.
   */
  centralTrails?(): Promise<TrailInfo[]>;
  /** The member's trails (and the organization trail's shadow), through its read role. */
  memberTrails?(account: MemberAccount): Promise<TrailInfo[]>;
  /**
   * When the central detect last received an event and a heartbeat from each of the member's
   * regions (its state table). Absent: delivery is not checked.
   */
  deliveries?(account: MemberAccount): Promise<DeliveryEntry[]>;
}

export interface OrganizationDoctorOptions {
  /** The regions members forward from (`organizationRegions`; empty = the stage's region). */
  regions: readonly string[];
  stageRegion: string;
  concurrency?: number;
  /** The rule names a member's instance holds in a region (`expectedMemberRules`). */
  expectedRules?: (region: string) => string[];
  /** The pattern the template gives a rule in a region (`expectedMemberRulePattern`). */
  expectedPattern?: (region: string, name: string) => unknown;
  /** The schedule the template gives a scheduled rule (`expectedMemberRuleSchedule`). */
  expectedSchedule?: (name: string) => string | undefined;
  /** What every forwarding rule must target: the central stage's default bus. */
  centralBusArn?: string;
  /** The central account: it forwards nothing (its own rules see its events). */
  centralAccount?: string;
  /** The heartbeat's period, the slack and the clock of the delivery check. */
  delivery?: DeliveryCheckOptions;
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
  const central = await centralOrganizationTrails(ports);
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
      roleCheck.status === 'pass'
        ? await rulesCheck(ports, options, account, regions, label)
        : {
            id: `organization.rules:${account.id}`,
            area: 'organization',
            status: 'unverified',
            message: `${label}: forwarding rules not checked (the read role is not assumable)`,
          },
      ...(await coverage(ports, central, account, label, roleCheck.status === 'pass')),
      ...(await delivered(ports, options, account, regions, label)),
    ];
  });
  return results.flat();
}

/** Whether the member's regions deliver to the central detect (its heartbeats arrive). */
async function delivered(
  ports: OrganizationDoctorPorts,
  options: OrganizationDoctorOptions,
  account: MemberAccount,
  regions: readonly string[],
  label: string,
): Promise<CheckResult[]> {
  if (!ports.deliveries) return [];
  const id = `organization.delivery:${account.id}`;
  if (account.id === options.centralAccount)
    return [
      {
        id,
        area: 'organization',
        status: 'pass',
        message: `${label}: the central account forwards nothing (its own rules see its events)`,
      },
    ];
  let entries: DeliveryEntry[];
  try {
    entries = await ports.deliveries(account);
  } catch (error) {
    return [
      {
        id,
        area: 'organization',
        status: 'unverified',
        message: `${label}: deliveries not checked (the central detect state is not readable: ${safeReason(error)})`,
      },
    ];
  }
  return [deliveryCheck({ id: account.id, label }, regions, entries, options.delivery)];
}

/** The organization trails among the central account's, or why they could not be read. */
async function centralOrganizationTrails(
  ports: OrganizationDoctorPorts,
): Promise<TrailInfo[] | { error: string } | undefined> {
  if (!ports.centralTrails) return undefined;
  try {
    return (await ports.centralTrails()).filter((t) => t.organization === true);
  } catch (error) {
    return { error: safeReason(error) };
  }
}

/**
 * A member's trail coverage: the organization trail when one covers it (and logs gateway data
 * events), else the member's own trails through its read role.
 */
async function coverage(
  ports: OrganizationDoctorPorts,
  central: TrailInfo[] | { error: string } | undefined,
  account: MemberAccount,
  label: string,
  readable: boolean,
): Promise<CheckResult[]> {
  if (central === undefined) return [];
  const organizationTrails = Array.isArray(central) ? central : [];
  const enough = organizationTrails.some(
    (t) => trailGaps(t).length === 0 && t.dataEventTypes.includes(GATEWAY_DATA_TYPE),
  );
  let member: MemberTrails | undefined;
  if (!enough && readable && ports.memberTrails) {
    try {
      member = { trails: await ports.memberTrails(account) };
    } catch (error) {
      member = { error: `its trails are not readable: ${safeReason(error)}` };
    }
  } else if (!enough && !Array.isArray(central)) {
    member = { error: `the central trails are not readable: ${central.error}` };
  }
  return trailCoverageChecks({ id: account.id, label }, organizationTrails, member);
}

const ENABLED_STATES = new Set(['ENABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);

/**
 * A member's forwarding rules in every expected region: each rule the template creates there is
 * present, enabled and targets the central bus (a rule deleted, disabled or re-aimed by the
 * member's administrator blinds the central detect to that member). Names, states and targets
 * are the member's: only compared, and quoted escaped by the doctor's printer.
 */
async function rulesCheck(
  ports: OrganizationDoctorPorts,
  options: OrganizationDoctorOptions,
  account: MemberAccount,
  regions: readonly string[],
  label: string,
): Promise<CheckResult> {
  const id = `organization.rules:${account.id}`;
  if (account.id === options.centralAccount)
    return {
      id,
      area: 'organization',
      status: 'pass',
      message: `${label}: the central account forwards nothing (its own rules see its events)`,
    };
  const { forwardingRules } = ports;
  if (!forwardingRules || !options.expectedRules || !options.centralBusArn)
    return {
      id,
      area: 'organization',
      status: 'unverified',
      message: `${label}: forwarding rules not checked`,
    };
  const problems: string[] = [];
  let checked = 0;
  for (const region of regions) {
    let found: MemberRuleState[];
    try {
      found = await forwardingRules(account, region);
    } catch (error) {
      problems.push(`${region}: rules not readable (${safeReason(error)})`);
      continue;
    }
    const byName = new Map(found.map((rule) => [rule.name, rule]));
    for (const name of options.expectedRules(region)) {
      checked++;
      const rule = byName.get(name);
      if (rule === undefined) problems.push(`${region}: ${name} missing`);
      else if (!ENABLED_STATES.has(rule.state)) problems.push(`${region}: ${name} ${rule.state}`);
      else if (!rule.targets.includes(options.centralBusArn))
        problems.push(`${region}: ${name} does not target the central bus`);
      else if (options.expectedSchedule?.(name) !== undefined) {
        if (rule.schedule !== options.expectedSchedule(name))
          problems.push(`${region}: ${name} runs on another schedule than the template's`);
      } else if (
        options.expectedPattern &&
        !samePattern(rule.pattern, options.expectedPattern(region, name))
      )
        problems.push(`${region}: ${name} forwards other events than the template's`);
    }
  }
  return problems.length === 0
    ? {
        id,
        area: 'organization',
        status: 'pass',
        message: `${label}: ${checked} forwarding rules enabled and aimed at the central bus in ${regions.join(', ')}`,
      }
    : {
        id,
        area: 'organization',
        status: 'fail',
        message: `${label}: forwarding rules missing, disabled or re-aimed`,
        details: problems,
      };
}

/**
 * Whether the member's pattern (JSON text) is the template's: compared as JSON with object keys
 * in any order; unreadable text is not. The member's text is never quoted.
 */
function samePattern(found: string | undefined, expected: unknown): boolean {
  if (found === undefined || expected === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(found);
  } catch {
    return false;
  }
  return canonical(parsed) === canonical(expected);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
