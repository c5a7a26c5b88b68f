import { mkdir, readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { ToolsInputError } from '../../lib/tools/errors.js';
import { DEFAULT_KEPT_CLAIMS } from '../../lib/tools/invokeRecord.js';
import { parseTargetsFile, type GatewayTools } from '../../lib/tools/inventory.js';
import { TOOL_FORMATS, writeToolReportFiles, type ToolFormat } from '../../lib/tools/files.js';
import { buildToolReport, requireDataEvents, type ToolReport } from '../../lib/tools/report.js';
import type { ScanIssue } from '../../lib/reports/usage.js';
import { collectTrailFiles, trailFilesOf } from '../../lib/tools/trailFiles.js';
import { ToolUsageCollector } from '../../lib/tools/ToolUsageCollector.js';
import type { ToolUsage } from '../../lib/tools/toolUsage.js';
import { DEFAULT_REPORT_DAYS } from '../../lib/reports/report.js';
import { forTerminal } from '../../lib/shared/terminal.js';
import type { RegisterCommand } from './index.js';
import {
  addUsageQueryOptions,
  athenaSettings,
  type UsageQueryCliOptions,
} from './usageQueryOptions.js';

type Format = ToolFormat;
const FORMATS = TOOL_FORMATS;

export interface ToolsCliOptions extends UsageQueryCliOptions {
  trail?: string[];
  days: number;
  targets?: string;
  gateway?: string;
  listToolsFromGateway?: boolean;
  listingClient?: string;
  readS3Schemas?: boolean;
  principalClaim?: string;
  highRisk: string[];
  out: string;
  format: Format[];
}

function formats(value: string): Format[] {
  const list = value.split(',').map((f) => f.trim());
  for (const f of list)
    if (!FORMATS.includes(f as Format))
      throw new InvalidArgumentError(`must be a comma-separated list of ${FORMATS.join(', ')}`);
  return [...new Set(list)] as Format[];
}

function secretIdArg(value: string): string {
  if (!/^[\w/+=.@:-]{1,2048}$/.test(value))
    throw new InvalidArgumentError('must be a Secrets Manager secret name or ARN');
  return value;
}

function claimName(value: string): string {
  if (!/^[\w:.-]{1,64}$/.test(value)) throw new InvalidArgumentError('must be a JWT claim name');
  return value;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650)
    throw new InvalidArgumentError('must be a whole number of days, 1–3650');
  return n;
}

const DESCRIPTION =
  'Tool-level least privilege: who calls which gateway tool (InvokeGateway data events in trail files, Athena or CloudTrail Lake) and the Cedar policies for AgentCore Policy that allow exactly that, validated with Cedar';

/** `gatewarden tools`: the tool access report and recommended Cedar policies, offline. */
export const registerTools: RegisterCommand = (program: Command) => {
  const command = program
    .command('tools')
    .description(DESCRIPTION)
    .option(
      '--trail <path...>',
      'CloudTrail log files or directories (.json/.json.gz) holding InvokeGateway data events',
    );
  addUsageQueryOptions(command, 'InvokeGateway data events');
  command
    .option(
      '--days <n>',
      'with --athena or --lake: days of data events to aggregate',
      days,
      DEFAULT_REPORT_DAYS,
    )
    .option(
      '--targets <file>',
      'gateways and their GetGatewayTarget answers as JSON ({"gateways":[{"gatewayArn","authorizerType","targets":[…]}]}): the tools each gateway exposes',
    )
    .option(
      '--gateway <id>',
      'only this gateway (id or ARN); without --targets its tools and policy engine are read live (GetGateway, ListGatewayTargets/GetGatewayTarget, GetPolicyEngine, ListPolicies/GetPolicy)',
    )
    .option(
      '--list-tools-from-gateway',
      "with --gateway (live inventory): ask the gateway's MCP endpoint for tools/list (signed with SigV4 for AWS_IAM gateways; CUSTOM_JWT gateways with --listing-client) and use it for targets whose tools the control API cannot give (MCP server targets)",
    )
    .option(
      '--listing-client <secret>',
      "with --list-tools-from-gateway, for a CUSTOM_JWT gateway: the secret (id or ARN) of an inbound client gatewarden rotates for that gateway (gatewarden register inboundClient); its client-credentials token, from the token endpoint of the gateway authorizer's discovery document, authorizes tools/list. Read with the caller's credentials; never printed",
      secretIdArg,
    )
    .option(
      '--read-s3-schemas',
      "with --gateway (live inventory): read targets' tool schemas kept in S3 (s3:GetObject with the caller's credentials; the bucket must belong to the target's bucketOwnerAccountId, else to the gateway's account)",
    )
    .option(
      '--principal-claim <claim>',
      'group OAuth callers by this JWT claim (e.g. client_id) instead of one policy per subject',
      claimName,
    )
    .option(
      '--high-risk <tool...>',
      'tools (<target>___<tool>, or a tool name on any target) to forbid when nobody calls them',
      [],
    )
    .requiredOption(
      '--out <dir>',
      'directory for tools.json, tools.md, tools.html and <gatewayId>.cedar/.json',
    )
    .option('--format <list>', 'comma-separated: json,md,html,cedar', formats, [...FORMATS])
    .action(async (options: ToolsCliOptions) => {
      const report = await runTools(options);
      await emit(report, options);
    });
};

/** The tool report `gatewarden tools` makes from its options (the benchmark runs it too). */
export async function runTools(options: ToolsCliOptions): Promise<ToolReport> {
  for (const [set, flag] of [
    [options.listToolsFromGateway, '--list-tools-from-gateway'],
    [options.readS3Schemas, '--read-s3-schemas'],
  ] as const)
    if (set === true && (options.targets !== undefined || !options.gateway))
      throw new ToolsInputError(`${flag} reads a live gateway: give --gateway, without --targets`);
  if (options.listingClient !== undefined && options.listToolsFromGateway !== true)
    throw new ToolsInputError('--listing-client is for --list-tools-from-gateway');
  let inventories: GatewayTools[] = [];
  if (options.targets !== undefined) {
    const text = await readFile(options.targets, 'utf8').catch(() => {
      throw new ToolsInputError(`cannot read --targets ${options.targets}`);
    });
    inventories = parseTargetsFile(text, `--targets ${options.targets}`);
  }
  const keptClaims =
    options.principalClaim !== undefined && !DEFAULT_KEPT_CLAIMS.includes(options.principalClaim)
      ? [...DEFAULT_KEPT_CLAIMS, options.principalClaim]
      : DEFAULT_KEPT_CLAIMS;
  const { usage, files, issues, usageSource } = await readUsage(options, keptClaims);
  // No data event is the answer before anything is read live.
  requireDataEvents(usage, options.gateway, usageSource);
  let inventorySource: ToolReport['sources']['inventory'] | undefined;
  const readIssues: ScanIssue[] = [];
  if (options.targets === undefined && options.gateway !== undefined) {
    const { liveToolInventory } = await import('../../lib/aws/toolInventory.js');
    const live = await liveToolInventory({
      listFromGateway: options.listToolsFromGateway === true,
      readS3Schemas: options.readS3Schemas === true,
      ...(options.listingClient !== undefined
        ? { listingClient: await listingClient(options.listingClient) }
        : {}),
    }).read(options.gateway);
    inventories = live.gateways;
    readIssues.push(...live.issues);
    inventorySource = 'api';
  }
  return buildToolReport(usage, inventories, {
    files,
    ...(usageSource !== undefined ? { usageSource } : {}),
    issues: [...issues, ...readIssues],
    ...(inventorySource !== undefined ? { inventorySource } : {}),
    highRisk: options.highRisk,
    ...(options.gateway !== undefined ? { gateway: options.gateway } : {}),
    ...(options.principalClaim !== undefined ? { principalClaim: options.principalClaim } : {}),
  });
}

/** `--listing-client`: its binding is read from the stage's state table (the local one on the local stack). */
async function listingClient(secretId: string) {
  const [{ listingClientFromEnv }, { withLocalStateTable }] = await Promise.all([
    import('../../lib/aws/listingClientPorts.js'),
    import('./localState.js'),
  ]);
  return listingClientFromEnv(secretId, await withLocalStateTable(process.env));
}

/**
 * The data events, from trail files or aggregated by one Athena or CloudTrail Lake query over
 * the last `--days`. Exactly one source: two would count the same calls twice.
 */
async function readUsage(
  options: ToolsCliOptions,
  keptClaims: readonly string[],
): Promise<{ usage: ToolUsage; files: number; issues: ScanIssue[]; usageSource?: string }> {
  const chosen = [options.trail, options.athena, options.lake].filter((x) => x !== undefined);
  if (chosen.length !== 1)
    throw new ToolsInputError('give one source of data events: --trail, --athena or --lake', {
      usage: true,
    });
  const collectorOptions = {
    keptClaims,
    ...(options.gateway !== undefined ? { gateway: options.gateway } : {}),
  };
  if (options.trail !== undefined) {
    const collector = new ToolUsageCollector(collectorOptions);
    const files = await trailFilesOf(options.trail);
    const { issues } = await collectTrailFiles(files, collector);
    return { usage: collector, files: files.length, issues };
  }
  const { AggregatedToolUsage } = await import('../../lib/tools/AggregatedToolUsage.js');
  const aws = await import('../../lib/aws/toolUsageSources.js');
  const source =
    options.athena !== undefined
      ? (() => {
          const { table, settings } = athenaSettings({ ...options, athena: options.athena });
          return new aws.AthenaToolUsageSource(table, settings);
        })()
      : new aws.LakeToolUsageSource(options.lake ?? '');
  const usage = new AggregatedToolUsage(collectorOptions);
  const to = new Date();
  const from = new Date(to.getTime() - options.days * 86_400_000);
  const { issues } = await source.collect({ from, to }, usage);
  return {
    usage,
    files: 0,
    issues,
    usageSource: `${source.description} holds, in the last ${options.days} days,`,
  };
}

/** Writes the report's files into `--out` and says what was found on stderr. */
export async function emit(report: ToolReport, options: ToolsCliOptions): Promise<void> {
  await mkdir(options.out, { recursive: true });
  // Streamed to disk: the JSON of a large trail's report is hundreds of MB.
  const written = await writeToolReportFiles(report, options.out, options.format);
  const lines: string[] = [];
  for (const g of report.gateways) {
    const a = g.access;
    if (a === undefined) {
      lines.push(
        `tools: gateway ${g.gatewayId}: no InvokeGateway data event: data events are not enabled for this gateway`,
      );
      continue;
    }
    const r = g.recommendation;
    lines.push(
      `tools: gateway ${g.gatewayId}: ${a.events} data events, ${a.principals.length} principal(s), ${a.toolsCalled.length} tool(s) called of ${a.toolsExposed === null ? 'unknown' : a.toolsExposed.length} exposed; ${r?.policies.length ?? 0} policy(ies) recommended, ${r?.rejected.length ?? 0} not offered`,
    );
    for (const x of r?.rejected ?? [])
      lines.push(`warning: not offered: ${x.id}: ${x.reasons.join('; ')}`);
    const gaps = Object.entries(a.gaps).filter(([, n]) => n > 0);
    if (gaps.length > 0)
      lines.push(
        `tools: gateway ${g.gatewayId}: not attributed (counted, not guessed): ${gaps.map(([k, n]) => `${k} ${n}`).join(', ')}`,
      );
  }
  for (const issue of report.sources.issues.slice(0, 10))
    lines.push(`warning: skipped ${issue.input}: ${issue.reason}`);
  lines.push(`tools: wrote ${written.join(', ')} → ${options.out}`);
  // Tool names, subjects and reasons come from trail files: escaped for the terminal.
  process.stderr.write(`${lines.map((l) => forTerminal(l)).join('\n')}\n`);
}
