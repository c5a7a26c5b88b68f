/**
 * Tool usage from aggregated rows (Athena, CloudTrail Lake): each row is a group of data events
 * with a count, first and last seen. A row is rebuilt into the few fields of a CloudTrail record
 * that the trail-file reader looks at, and read by that same reader (`readInvokeFields`), so a
 * caller, a tool, an outcome or a gap means the same thing whichever source it came from; the
 * counts then add up as `ToolUsageCollector` adds records one by one.
 */
import {
  AGENTCORE_SOURCE,
  callerOfFields,
  DEFAULT_KEPT_CLAIMS,
  emptyInvokeFields,
  GATEWAY_RESOURCE_TYPE,
  readInvokeFields,
  type Gap,
  type InvokeFields,
} from './invokeRecord.js';
import { queryClaimNames, type ToolUsageRow } from './toolUsageQuery.js';
import type { ToolUsage } from './toolUsage.js';
import {
  callerKey,
  type CallerUsage,
  type CollectorOptions,
  type CollectorStats,
  type GatewayUsage,
  type ToolTally,
} from './ToolUsageCollector.js';

/** As in `ToolUsageCollector`: at most this many target ids per caller and tool. */
const MAX_TARGET_IDS = 5;

/** A JSON-RPC error message the reader classifies as a policy denial / as another error. */
const POLICY_MESSAGE = 'policy';
const OTHER_MESSAGE = '';

export class AggregatedToolUsage implements ToolUsage {
  readonly gateways = new Map<string, GatewayUsage>();
  readonly stats: CollectorStats = {
    recordsRead: 0,
    invokeEvents: 0,
    otherGateways: 0,
    withoutGateway: 0,
  };
  readonly claimNames: readonly string[];
  private readonly gateway?: string;
  private readonly fields: InvokeFields;

  constructor(options: CollectorOptions = {}) {
    this.claimNames = queryClaimNames(options.keptClaims ?? DEFAULT_KEPT_CLAIMS);
    this.fields = emptyInvokeFields(this.claimNames.length);
    if (options.gateway !== undefined) this.gateway = options.gateway;
  }

  /** Adds one group of `row.calls` data events. */
  addRow(row: ToolUsageRow): void {
    const n = row.calls;
    if (!Number.isSafeInteger(n) || n <= 0) return;
    const f = this.fields;
    if (!readInvokeFields(reducedRecord(row, this.claimNames), this.claimNames, f)) return;
    this.stats.recordsRead += n;
    this.stats.invokeEvents += n;
    if (f.gatewayArn === undefined) {
      this.stats.withoutGateway += n;
      return;
    }
    const gateway = this.gatewayOf(f.gatewayArn);
    if (gateway === undefined) {
      this.stats.otherGateways += n;
      return;
    }
    gateway.events += n;
    if (f.gap !== undefined) {
      gateway.gaps[f.gap] += n;
      return;
    }
    if (f.missingTargetId) gateway.gaps.missingTargetId += n;
    const caller = this.callerOf(gateway, f);
    if (f.tool === undefined) {
      caller.otherMethods.set(f.method, (caller.otherMethods.get(f.method) ?? 0) + n);
      return;
    }
    // Every tally of this source is a plain object made here (read-only to the report).
    let tally = caller.tools.get(f.tool) as MutableTally | undefined;
    if (tally === undefined) {
      tally = {
        calls: 0,
        ok: 0,
        refused: 0,
        policyDenied: 0,
        failed: 0,
        firstSeen: row.firstSeen,
        lastSeen: row.lastSeen,
        targetIds: [],
      };
      caller.tools.set(f.tool, tally);
    }
    addCounts(tally, f, row);
  }

  private gatewayOf(arn: string): GatewayUsage | undefined {
    const known = this.gateways.get(arn);
    if (known !== undefined) return known;
    if (
      this.gateway !== undefined &&
      arn !== this.gateway &&
      !arn.endsWith(`:gateway/${this.gateway}`)
    )
      return undefined;
    const usage: GatewayUsage = {
      gatewayArn: arn,
      callers: new Map(),
      gaps: emptyGaps(),
      events: 0,
    };
    this.gateways.set(arn, usage);
    return usage;
  }

  private callerOf(gateway: GatewayUsage, f: InvokeFields): CallerUsage {
    const caller = callerOfFields(f, this.claimNames);
    const key = callerKey(caller);
    let usage = gateway.callers.get(key);
    if (usage === undefined) {
      usage = { key, caller, tools: new Map(), otherMethods: new Map() };
      gateway.callers.set(key, usage);
    }
    return usage;
  }
}

type MutableTally = { -readonly [K in keyof ToolTally]: ToolTally[K] };

function addCounts(tally: MutableTally, f: InvokeFields, row: ToolUsageRow): void {
  const n = row.calls;
  tally.calls += n;
  tally[f.outcome] += n;
  if (row.firstSeen !== '' && (tally.firstSeen === '' || row.firstSeen < tally.firstSeen))
    tally.firstSeen = row.firstSeen;
  if (row.lastSeen > tally.lastSeen) tally.lastSeen = row.lastSeen;
  const id = f.targetId;
  if (id !== undefined && tally.targetIds.length < MAX_TARGET_IDS && !tally.targetIds.includes(id))
    tally.targetIds = [...tally.targetIds, id];
}

const emptyGaps = (): Record<Gap, number> => ({
  missingGateway: 0,
  missingCaller: 0,
  unauthenticated: 0,
  missingMethod: 0,
  missingTool: 0,
  missingTargetId: 0,
});

/**
 * The fields of a CloudTrail record the reader looks at, as the row gives them. Claims go into
 * an object without a prototype: a claim named like an Object method is then just absent, as
 * it is (not a string) in a parsed record.
 */
function reducedRecord(row: ToolUsageRow, claimNames: readonly string[]): Record<string, unknown> {
  let jwt: unknown;
  if (row.claimsObject) {
    const claims: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < claimNames.length; i++) claims[claimNames[i] as string] = row.claims[i];
    // `sub` last: a kept claim named `sub` must not replace it.
    claims.sub = row.sub;
    jwt = { claims };
  }
  return {
    eventName: 'InvokeGateway',
    eventSource: AGENTCORE_SOURCE,
    eventTime: row.lastSeen,
    resources:
      row.gatewayArn === undefined ? [] : [{ type: GATEWAY_RESOURCE_TYPE, ARN: row.gatewayArn }],
    userIdentity: {
      type: row.identityType,
      arn: row.identityArn,
      accountId: row.anonymous ? 'anonymous' : undefined,
    },
    additionalEventData: { jwt, targetId: row.targetId },
    requestParameters: { body: { method: row.method, params: { name: row.tool } } },
    responseElements: {
      statusCode: row.statusCode,
      body:
        row.errorKind === undefined
          ? undefined
          : { error: { message: row.errorKind === 'policy' ? POLICY_MESSAGE : OTHER_MESSAGE } },
    },
  };
}
