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
import { EventBridgeAlertSink, SnsAlertSink } from '../lib/aws/alertSinks.js';
import { IamApiSource } from '../lib/aws/iamInventory.js';
import { S3ReportStore } from '../lib/aws/reportStore.js';
import type { AlertSink } from '../lib/alerts/alert.js';
import { parseAthenaTable } from '../lib/reports/athenaQuery.js';
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
import type { ActivitySource } from '../lib/reports/usage.js';
import { ENV, requireEnv } from '../lib/shared/env.js';
import { logger, safe } from '../lib/shared/logger.js';

/** Report settings beyond lib/shared/env.ts (set by serverless.yml on this function only). */
export const REPORT_ENV = {
  trailBucket: 'GATEWARDEN_TRAIL_BUCKET',
  trailPrefix: 'GATEWARDEN_TRAIL_PREFIX',
  /** CloudTrail Lake event data store (id or ARN); preferred over log files when set. */
  lakeEventDataStore: 'GATEWARDEN_REPORT_LAKE_EDS',
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
}

/** Builds the handler around its dependencies (the wiring seam for tests). */
export function makeHandler(deps: ReportHandlerDeps | (() => ReportHandlerDeps)) {
  let resolved: ReportHandlerDeps | undefined;
  return middy(async (event: ReportEvent): Promise<ScheduledReportResult> => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      throw new ReportInputError('report expects a Scheduled Event or {"days": n}');
    }
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const days =
      'days' in parsed.data && typeof parsed.data.days === 'number'
        ? parsed.data.days
        : resolved.days;
    const result = await runScheduledReport(resolved, {
      days,
      managers: resolved.managers,
      labels: resolved.labels ?? [],
      ...(resolved.posture ? { posture: resolved.posture } : {}),
    });
    logger.info('access report stored', safe({ ...result }));
    return result;
  });
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
  return {
    report: {
      iam: new IamApiSource(),
      inventory: new AgentCoreInventorySource(undefined, managers),
      activity: activityFromEnv(env),
      catalog: new IamDataCatalog(),
      policyValidator: new AccessAnalyzerPolicyValidator(),
    },
    store: new S3ReportStore(
      requireEnv(ENV.reportBucket, env),
      undefined,
      undefined,
      env[ENV.reportBucketOwner] || undefined,
    ),
    sinks,
    days: Number.isInteger(days) && days > 0 ? days : DEFAULT_REPORT_DAYS,
    managers,
    labels,
    posture: postureDeclarations(env),
  };
}

export const handler = makeHandler(() => defaultDeps());
