import {
  DEFAULT_KEPT_CLAIMS,
  readInvokeRecord,
  type Caller,
  type Gap,
  type InvokeFact,
} from './invokeRecord.js';

/** At most this many target ids are remembered per caller and tool. */
const MAX_TARGET_IDS = 5;

/** One caller's use of one tool on one gateway. */
export interface ToolTally {
  calls: number;
  ok: number;
  /** HTTP 401/403. */
  refused: number;
  /** JSON-RPC errors that name authorization or policy: the policy engine said no. */
  policyDenied: number;
  /** Other errors (the tool or its target failed). */
  failed: number;
  firstSeen: string;
  lastSeen: string;
  /** Distinct target ids (a tool has one target: an array is smaller than a Set per tally). */
  targetIds: string[];
}

/** A caller of a gateway: a JWT subject with the claims it came with, or an IAM ARN. */
export interface CallerUsage {
  key: string;
  caller: Caller;
  tools: Map<string, ToolTally>;
  /** JSON-RPC methods other than tools/call (initialize, tools/list, …), by name. */
  otherMethods: Map<string, number>;
}

export interface GatewayUsage {
  gatewayArn: string;
  callers: Map<string, CallerUsage>;
  /** Data events of this gateway that could not be attributed, by reason. */
  gaps: Record<Gap, number>;
  events: number;
}

export interface CollectorStats {
  recordsRead: number;
  invokeEvents: number;
  /** Data events of gateways left out by the gateway filter. */
  otherGateways: number;
  /** Data events with no gateway ARN at all (nothing to attribute them to). */
  withoutGateway: number;
}

export interface CollectorOptions {
  /** Claims kept besides `sub` (for grouping and as Cedar tags). */
  keptClaims?: readonly string[];
  /** Keep only this gateway (id or ARN). */
  gateway?: string;
}

const emptyGaps = (): Record<Gap, number> => ({
  missingGateway: 0,
  missingCaller: 0,
  unauthenticated: 0,
  missingMethod: 0,
  missingTool: 0,
  missingTargetId: 0,
});

/** The key of a caller: the same subject with other claims is another caller. */
export function callerKey(caller: Caller): string {
  if (caller.kind === 'iam') return `iam\u0000${caller.arn}`;
  const claims = Object.keys(caller.claims)
    .sort()
    .map((k) => `${k}=${caller.claims[k] ?? ''}`)
    .join('\u0001');
  return `oauth\u0000${caller.sub}\u0000${claims}`;
}

/** Accumulates who called which tool from CloudTrail records; other records are skipped. */
export class ToolUsageCollector {
  readonly gateways = new Map<string, GatewayUsage>();
  readonly stats: CollectorStats = {
    recordsRead: 0,
    invokeEvents: 0,
    otherGateways: 0,
    withoutGateway: 0,
  };
  private readonly keptClaims: readonly string[];
  private readonly gateway?: string;

  constructor(options: CollectorOptions = {}) {
    this.keptClaims = options.keptClaims ?? DEFAULT_KEPT_CLAIMS;
    if (options.gateway !== undefined) this.gateway = options.gateway;
  }

  addRecord(record: unknown): void {
    this.stats.recordsRead += 1;
    const read = readInvokeRecord(record, this.keptClaims);
    if (read.kind === 'other') return;
    this.stats.invokeEvents += 1;
    const arn = read.kind === 'fact' ? read.fact.gatewayArn : read.gatewayArn;
    if (arn === undefined) {
      this.stats.withoutGateway += 1;
      return;
    }
    if (!this.keeps(arn)) {
      this.stats.otherGateways += 1;
      return;
    }
    const gateway = this.gatewayOf(arn);
    gateway.events += 1;
    if (read.kind === 'gap') {
      gateway.gaps[read.gap] += 1;
      return;
    }
    for (const gap of read.gaps) gateway.gaps[gap] += 1;
    this.addFact(gateway, read.fact);
  }

  private callerOf(gateway: GatewayUsage, caller: Caller): CallerUsage {
    let index = indexes.get(gateway);
    if (index === undefined) {
      index = new Map();
      indexes.set(gateway, index);
    }
    const id = caller.kind === 'iam' ? caller.arn : caller.sub;
    let list = index.get(id);
    if (list === undefined) {
      list = [];
      index.set(id, list);
    }
    for (const known of list) if (sameClaims(known.caller, caller)) return known;
    const key = callerKey(caller);
    const usage: CallerUsage = { key, caller, tools: new Map(), otherMethods: new Map() };
    list.push(usage);
    gateway.callers.set(key, usage);
    return usage;
  }

  private keeps(arn: string): boolean {
    if (this.gateway === undefined) return true;
    return arn === this.gateway || arn.endsWith(`:gateway/${this.gateway}`);
  }

  private gatewayOf(arn: string): GatewayUsage {
    let gateway = this.gateways.get(arn);
    if (gateway === undefined) {
      gateway = { gatewayArn: arn, callers: new Map(), gaps: emptyGaps(), events: 0 };
      this.gateways.set(arn, gateway);
    }
    return gateway;
  }

  private addFact(gateway: GatewayUsage, fact: InvokeFact): void {
    const caller = this.callerOf(gateway, fact.caller);
    if (fact.tool === undefined) {
      caller.otherMethods.set(fact.method, (caller.otherMethods.get(fact.method) ?? 0) + 1);
      return;
    }
    let tally = caller.tools.get(fact.tool);
    if (tally === undefined) {
      tally = {
        calls: 0,
        ok: 0,
        refused: 0,
        policyDenied: 0,
        failed: 0,
        firstSeen: fact.time,
        lastSeen: fact.time,
        targetIds: [],
      };
      caller.tools.set(fact.tool, tally);
    }
    tally.calls += 1;
    switch (fact.outcome) {
      case 'ok':
        tally.ok += 1;
        break;
      case 'refused':
        tally.refused += 1;
        break;
      case 'policyDenied':
        tally.policyDenied += 1;
        break;
      case 'failed':
        tally.failed += 1;
        break;
    }
    if (fact.time !== '' && (tally.firstSeen === '' || fact.time < tally.firstSeen))
      tally.firstSeen = fact.time;
    if (fact.time > tally.lastSeen) tally.lastSeen = fact.time;
    const id = fact.targetId;
    if (
      id !== undefined &&
      tally.targetIds[0] !== id &&
      tally.targetIds.length < MAX_TARGET_IDS &&
      !tally.targetIds.includes(id)
    )
      tally.targetIds.push(id);
  }
}

/** Callers by subject or ARN, then compared claim by claim: no key string built per record. */
const indexes = new WeakMap<GatewayUsage, Map<string, CallerUsage[]>>();

function sameClaims(a: Caller, b: Caller): boolean {
  if (a.kind !== 'oauth' || b.kind !== 'oauth') return a.kind === b.kind;
  // Hot path: no key arrays allocated.
  let count = 0;
  for (const k in a.claims) {
    if (a.claims[k] !== b.claims[k]) return false;
    count += 1;
  }
  for (const _k in b.claims) count -= 1;
  return count === 0;
}
