/**
 * The tool report: per gateway, the Tool access section and the recommended Cedar policies,
 * from InvokeGateway data events and (optionally) the gateways' tool lists.
 */
import type { ScanIssue } from '../reports/usage.js';
import { toolAccess, type ToolAccess } from './access.js';
import { compareDeployed, type DeployedComparison } from './deployed.js';
import { ToolsInputError } from './errors.js';
import { gatewayIdOf, type GatewayTools } from './inventory.js';
import {
  recommendGateway,
  type GatewayRecommendation,
  type RecommendOptions,
} from './recommend.js';
import type { ToolUsage } from './toolUsage.js';

export const ENABLE_DATA_EVENTS_HINT =
  'add an advanced event selector to the trail with eventCategory = Data and resources.type = AWS::BedrockAgentCore::Gateway (optionally resources.ARN for one gateway), e.g. aws cloudtrail put-event-selectors --trail-name <trail> --advanced-event-selectors \'[{"Name":"AgentCore gateway calls","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::BedrockAgentCore::Gateway"]}]}]\'';

export interface GatewayToolReport {
  gatewayArn: string;
  gatewayId: string;
  authorizerType?: string;
  /** False when the trail holds no data event of this gateway: nothing is known about its use. */
  dataEvents: boolean;
  access?: ToolAccess;
  recommendation?: GatewayRecommendation;
  /** The deployed policy engine against use and the recommendation (when the export has it). */
  deployed?: DeployedComparison;
}

export interface ToolReport {
  version: 1;
  generatedAt: string;
  sources: {
    files: number;
    recordsRead: number;
    invokeEvents: number;
    /** Data events with no gateway ARN. */
    withoutGateway: number;
    otherGateways: number;
    issues: ScanIssue[];
    inventory: 'targets-file' | 'api' | 'none';
  };
  options: { gateway?: string; principalClaim?: string; highRisk: string[] };
  gateways: GatewayToolReport[];
}

export interface BuildOptions extends RecommendOptions {
  gateway?: string;
  /** Where the data events were read, with its verb, for the "no data events" error. */
  usageSource?: string;
  files?: number;
  issues?: ScanIssue[];
  inventorySource?: ToolReport['sources']['inventory'];
  now?: Date;
}

/**
 * Builds the report. No InvokeGateway data event at all (or none for `--gateway`) is an input
 * error: it means data events are not logged, never that nobody uses any tool.
 */
export function buildToolReport(
  collector: ToolUsage,
  inventories: readonly GatewayTools[],
  options: BuildOptions = {},
): ToolReport {
  const filter = options.gateway;
  const inScope = (arn: string): boolean =>
    filter === undefined || arn === filter || gatewayIdOf(arn) === filter;
  requireDataEvents(collector, filter, options.usageSource);
  const byArn = new Map(
    inventories.filter((g) => inScope(g.gatewayArn)).map((g) => [g.gatewayArn, g]),
  );
  const arns = [...new Set([...collector.gateways.keys(), ...byArn.keys()])].sort();
  const gateways = arns.map((arn): GatewayToolReport => {
    const usage = collector.gateways.get(arn);
    const inventory = byArn.get(arn);
    const base: GatewayToolReport = {
      gatewayArn: arn,
      gatewayId: gatewayIdOf(arn),
      dataEvents: usage !== undefined,
      ...(inventory?.authorizerType ? { authorizerType: inventory.authorizerType } : {}),
    };
    if (usage === undefined) return base;
    const recommendation = recommendGateway(usage, inventory, options);
    return {
      ...base,
      access: toolAccess(usage, inventory),
      recommendation,
      ...(inventory?.deployed !== undefined
        ? { deployed: compareDeployed(usage, recommendation, inventory.deployed) }
        : {}),
    };
  });
  return {
    version: 1,
    generatedAt: (options.now ?? new Date()).toISOString(),
    sources: {
      files: options.files ?? 0,
      recordsRead: collector.stats.recordsRead,
      invokeEvents: collector.stats.invokeEvents,
      withoutGateway: collector.stats.withoutGateway,
      otherGateways: collector.stats.otherGateways,
      issues: options.issues ?? [],
      inventory: options.inventorySource ?? (inventories.length > 0 ? 'targets-file' : 'none'),
    },
    options: {
      ...(filter !== undefined ? { gateway: filter } : {}),
      ...(options.principalClaim !== undefined ? { principalClaim: options.principalClaim } : {}),
      highRisk: [...(options.highRisk ?? [])],
    },
    gateways,
  };
}

/**
 * No InvokeGateway data event at all (or none for `gateway`) is an input error: it means data
 * events are not logged, never that nobody uses any tool. Checked before anything is read live.
 */
export function requireDataEvents(
  collector: ToolUsage,
  filter?: string,
  source = 'these trail files hold',
): void {
  if (collector.gateways.size === 0 && collector.stats.withoutGateway > 0 && filter === undefined) {
    throw new ToolsInputError(
      `${collector.stats.withoutGateway} InvokeGateway data event(s) name no gateway (resources[] without AWS::BedrockAgentCore::Gateway): nothing can be attributed`,
      { context: { events: collector.stats.withoutGateway } },
    );
  }
  if (collector.gateways.size === 0) {
    const what = filter === undefined ? source : `${source}, for gateway ${filter},`;
    throw new ToolsInputError(
      `${what} no InvokeGateway data event (${collector.stats.recordsRead} records read): data events are not enabled for this gateway — this says nothing about tool use. How to enable them: ${ENABLE_DATA_EVENTS_HINT}`,
      { context: { records: collector.stats.recordsRead } },
    );
  }
}
