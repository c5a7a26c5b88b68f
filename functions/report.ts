import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import {
  AthenaActivitySource,
  LakeActivitySource,
  LookupEventsActivitySource,
  S3LogActivitySource,
} from '../lib/aws/activitySources.js';
import { AccessAnalyzerPolicyValidator } from '../lib/aws/accessAnalyzerValidator.js';
import { AgentCoreInventorySource } from '../lib/aws/agentcoreInventory.js';
import { liveToolInventory } from '../lib/aws/toolInventory.js';
import { AthenaToolUsageSource, LakeToolUsageSource } from '../lib/aws/toolUsageSources.js';
import { EventBridgeAlertSink, SnsAlertSink } from '../lib/aws/alertSinks.js';
import { IamApiSource } from '../lib/aws/iamInventory.js';
import { memberSources } from '../lib/aws/memberAccess.js';
import { OrganizationsDirectory } from '../lib/aws/organizationDirectory.js';
import { S3ReportStore } from '../lib/aws/reportStore.js';
import { partitionOf } from '../lib/shared/partition.js';
import type { AlertSink } from '../lib/alerts/alert.js';
import { parseAthenaTable, parseAthenaWorkgroup } from '../lib/reports/athenaQuery.js';
import { IamDataCatalog } from '../lib/reports/catalog.js';
import { ReportInputError } from '../lib/reports/errors.js';
import { parseLabelRules, type LabelRule } from '../lib/reports/labels.js';
import { postureDeclarations, type PostureDeclarations } from '../lib/reports/postureChecks.js';
import { DEFAULT_REPORT_DAYS } from '../lib/reports/report.js';
import {
  runScheduledReport,
  type ScheduledReportDeps,
  type ScheduledReportResult,
} from '../lib/reports/scheduled.js';
import {
  runScheduledOrganizationReport,
  type ScheduledOrganizationDeps,
  type ScheduledOrganizationResult,
} from '../lib/reports/scheduledOrganization.js';
import type { ActivitySource } from '../lib/reports/usage.js';
import { scheduledToolRun } from '../lib/tools/scheduled.js';
import type { ToolUsageSource } from '../lib/tools/toolUsage.js';
import { ENV, requireEnv } from '../lib/shared/env.js';
import { logger, safe } from '../lib/shared/logger.js';

/** Report settings beyond lib/shared/env.ts (set by serverless.yml on this function only). */
export const REPORT_ENV = {
  trailBucket: 'GATEWARDEN_TRAIL_BUCKET',
  trailPrefix: 'GATEWARDEN_TRAIL_PREFIX',
  /** CloudTrail Lake event data store (id or ARN); preferred over log files when set. */
  lakeEventDataStore: 'GATEWARDEN_REPORT_LAKE_EDS',
  /** The tool report's live listing (the one in lib/shared/env.ts, which the stack sets). */
  toolsListFromGateway: ENV.toolsListFromGateway,
  /** Comma-separated ARNs of the principals expected to manage gateways. */
  managers: 'GATEWARDEN_REPORT_MANAGERS',
  /** Label rules (stage param reportLabels): the one in lib/shared/env.ts, which the stack sets. */
  labels: ENV.reportLabels,
} as const;

/** The weekly schedule, or a manual invocation that may override the window. */
const eventSchema = z.union([
  z
    .object({ source: z.literal('aws.events'), 'detail-type': z.literal('Scheduled Event') })
    .passthrough(),
  z.object({ days: z.number().int().min(1).max(3650).optional() }).strict(),
]);

export type ReportEvent = ScheduledEvent | { days?: number };

export interface ReportHandlerDeps extends ScheduledReportDeps {
  days: number;
  managers: string[];
  labels?: LabelRule[];
  /** Gateway posture declarations of the stage (production, reviewed interceptors). */
  posture?: PostureDeclarations;
  /**
   * The central stage of an organization: the members' reports, each through its read role,
   * instead of the stage's own account alone (docs/organization.md).
   */
  organization?: ScheduledOrganizationDeps;
}

/** Builds the handler around its dependencies (the wiring seam for tests). */
export function makeHandler(deps: ReportHandlerDeps | (() => ReportHandlerDeps)) {
  let resolved: ReportHandlerDeps | undefined;
  return middy(
    async (event: ReportEvent): Promise<ScheduledReportResult | ScheduledOrganizationResult> => {
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success) {
        throw new ReportInputError('report expects a Scheduled Event or {"days": n}');
      }
      resolved ??= typeof deps === 'function' ? deps() : deps;
      const days =
        'days' in parsed.data && typeof parsed.data.days === 'number'
          ? parsed.data.days
          : resolved.days;
      const options = {
        days,
        managers: resolved.managers,
        labels: resolved.labels ?? [],
        ...(resolved.posture ? { posture: resolved.posture } : {}),
      };
      if (resolved.organization) {
        const result = await runScheduledOrganizationReport(resolved.organization, options);
        logger.info('organization access report stored', safe({ ...result }));
        return result;
      }
      const result = await runScheduledReport(resolved, options);
      logger.info('access report stored', safe({ ...result }));
      return result;
    },
  );
}

/**
 * Chooses the activity source: Lake when configured, else the stack's Athena table (one
 * aggregating query), else the trail's log files, else LookupEvents (small accounts).
 */
export function activityFromEnv(env: NodeJS.ProcessEnv = process.env): ActivitySource {
  const lake = env[REPORT_ENV.lakeEventDataStore];
  if (lake) return new LakeActivitySource(lake);
  const athena = env[ENV.reportAthenaTable];
  if (athena) {
    const workgroup = env[ENV.reportAthenaWorkgroup];
    return new AthenaActivitySource(parseAthenaTable(athena), workgroup ? { workgroup } : {});
  }
  const bucket = env[REPORT_ENV.trailBucket];
  if (bucket) return new S3LogActivitySource(bucket, env[REPORT_ENV.trailPrefix] ?? '');
  return new LookupEventsActivitySource();
}

/**
 * Where the scheduled tool report reads InvokeGateway data events, chosen as the access report's
 * usage is: Lake when configured, else the stack's Athena table, each with one aggregating
 * query of its own; undefined means from the records the access report reads (log files).
 */
export function toolUsageFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ToolUsageSource | undefined {
  const lake = env[REPORT_ENV.lakeEventDataStore];
  if (lake) return new LakeToolUsageSource(lake);
  const athena = env[ENV.reportAthenaTable];
  if (athena) {
    const workgroup = env[ENV.reportAthenaWorkgroup];
    return new AthenaToolUsageSource(
      parseAthenaTable(athena),
      workgroup ? { workgroup: parseAthenaWorkgroup(workgroup) } : {},
    );
  }
  return undefined;
}

/** Production wiring from the environment serverless.yml sets. */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ReportHandlerDeps {
  const sinks: AlertSink[] = [];
  if (env[ENV.alertTopicArn]) sinks.push(new SnsAlertSink(requireEnv(ENV.alertTopicArn, env)));
  if (env[ENV.eventBusName])
    sinks.push(new EventBridgeAlertSink(requireEnv(ENV.eventBusName, env)));
  const days = Number(env[ENV.reportDays] ?? DEFAULT_REPORT_DAYS);
  const managers = (env[REPORT_ENV.managers] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // A malformed rule fails the run with its reason rather than mislabel a report.
  const labels = parseLabelRules(env[REPORT_ENV.labels] ?? '');
  const bucket = requireEnv(ENV.reportBucket, env);
  const owner = env[ENV.reportBucketOwner] || undefined;
  const organizationId = env[ENV.organizationId] ?? '';
  return {
    report: {
      iam: new IamApiSource(),
      inventory: new AgentCoreInventorySource(undefined, managers),
      activity: activityFromEnv(env),
      catalog: new IamDataCatalog(),
      policyValidator: new AccessAnalyzerPolicyValidator(),
    },
    store: new S3ReportStore(bucket, undefined, undefined, owner),
    sinks,
    ...(organizationId === ''
      ? {}
      : { organization: organizationDeps(env, { bucket, owner, sinks, managers }) }),
    days: Number.isInteger(days) && days > 0 ? days : DEFAULT_REPORT_DAYS,
    managers,
    labels,
    posture: postureDeclarations(env),
    // Tool access from InvokeGateway data events (one Athena or Lake query, else the same pass
    // over the trail), with each gateway's tools and policy engine read live; nothing is
    // written without data events.
    tools: () => {
      const usage = toolUsageFromEnv(env);
      return scheduledToolRun({
        inventory: liveToolInventory({
          listFromGateway: env[REPORT_ENV.toolsListFromGateway] === 'true',
        }),
        ...(usage !== undefined ? { usage } : {}),
      });
    },
  };
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * The central stage's wiring: accounts from Organizations, each member through its read role
 * (`gatewarden-<stage>-member-read`), each member's reports under `organization/<account id>/`
 * (its own history), the summary under `organization/summary/`. Usage is not read per member
 * here: it comes from the organization trail through Athena when the stage has it.
 */
export function organizationDeps(
  env: NodeJS.ProcessEnv,
  store: { bucket: string; owner: string | undefined; sinks: AlertSink[]; managers: string[] },
): ScheduledOrganizationDeps {
  const organizationId = env[ENV.organizationId] ?? '';
  if (!ORGANIZATION_ID.test(organizationId)) {
    throw new ReportInputError(`${ENV.organizationId} is not an organization id (o-…)`);
  }
  const stage = requireEnv(ENV.stage, env);
  const partition = partitionOf(env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '');
  const athena = env[ENV.reportAthenaTable];
  const workgroup = env[ENV.reportAthenaWorkgroup];
  const summary = new S3ReportStore(store.bucket, 'organization/summary', undefined, store.owner);
  return {
    organization: {
      directory: new OrganizationsDirectory(),
      memberSources: async (account) => {
        const sources = await memberSources(account, { stage, partition });
        return { iam: sources.iam, inventory: sources.inventory };
      },
      ...(athena
        ? {
            // The table projects accounts as `injected`: the query names the discovered ones.
            activity: (accounts) =>
              new AthenaActivitySource(parseAthenaTable(athena), {
                ...(workgroup ? { workgroup } : {}),
                partitions: { accounts: accounts.map((a) => a.id) },
              }),
          }
        : {}),
      catalog: new IamDataCatalog(),
      policyValidator: new AccessAnalyzerPolicyValidator(),
    },
    memberStore: (account) =>
      new S3ReportStore(store.bucket, `organization/${account.id}`, undefined, store.owner),
    summaryFolder: (generatedAt) => summary.folderOf(generatedAt),
    saveSummary: (report, page) =>
      summary.saveDocument(report.generatedAt, 'organization.json', report, page),
    sinks: store.sinks,
  };
}

export const handler = makeHandler(() => defaultDeps());
