import {
  callerOfFields,
  DEFAULT_KEPT_CLAIMS,
  emptyInvokeFields,
  keptClaimNames,
  readInvokeFields,
  type Caller,
  type Gap,
  type InvokeFields,
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
  /**
   * Distinct target ids. A tool has one target, so tallies share one array per target id;
   * a new id replaces the array, never changes it.
   */
  targetIds: readonly string[];
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

/** A caller as the hot path compares it: kind, subject or ARN, then kept claim values. */
interface CallerEntry {
  kind: Caller['kind'];
  claims: readonly (string | undefined)[];
  usage: CallerUsage;
}

/** A gateway and its callers indexed by subject or ARN: no key string built per record. */
interface GatewayEntry {
  usage: GatewayUsage;
  callers: Map<string, CallerEntry[]>;
}

/**
 * Accumulates who called which tool from CloudTrail records; other records are skipped.
 * Per record it allocates nothing once a caller and tool are known, and every string it keeps
 * (subjects, claims, tools, target ids) is kept once however many records repeat it.
 */
export class ToolUsageCollector {
  readonly gateways = new Map<string, GatewayUsage>();
  readonly stats: CollectorStats = {
    recordsRead: 0,
    invokeEvents: 0,
    otherGateways: 0,
    withoutGateway: 0,
  };
  private readonly claimNames: readonly string[];
  private readonly gateway?: string;
  private readonly fields: InvokeFields;
  private readonly entries = new Map<string, GatewayEntry>();
  private readonly texts = new Map<string, string>();
  private readonly targetLists = new Map<string, readonly string[]>();

  constructor(options: CollectorOptions = {}) {
    this.claimNames = keptClaimNames(options.keptClaims ?? DEFAULT_KEPT_CLAIMS);
    this.fields = emptyInvokeFields(this.claimNames.length);
    if (options.gateway !== undefined) this.gateway = options.gateway;
  }

  addRecord(record: unknown): void {
    this.stats.recordsRead += 1;
    const f = this.fields;
    if (!readInvokeFields(record, this.claimNames, f)) return;
    this.stats.invokeEvents += 1;
    const arn = f.gatewayArn;
    if (arn === undefined) {
      this.stats.withoutGateway += 1;
      return;
    }
    const entry = this.entryOf(arn);
    if (entry === undefined) {
      this.stats.otherGateways += 1;
      return;
    }
    const gateway = entry.usage;
    gateway.events += 1;
    if (f.gap !== undefined) {
      gateway.gaps[f.gap] += 1;
      return;
    }
    if (f.missingTargetId) gateway.gaps.missingTargetId += 1;
    const caller = this.callerOf(entry, f);
    if (f.tool === undefined) {
      const count = caller.otherMethods.get(f.method);
      if (count === undefined) caller.otherMethods.set(this.text(f.method), 1);
      else caller.otherMethods.set(f.method, count + 1);
      return;
    }
    let tally = caller.tools.get(f.tool);
    if (tally === undefined) {
      tally = {
        calls: 0,
        ok: 0,
        refused: 0,
        policyDenied: 0,
        failed: 0,
        firstSeen: f.time,
        lastSeen: f.time,
        targetIds: NO_TARGETS,
      };
      caller.tools.set(this.text(f.tool), tally);
    }
    tally.calls += 1;
    switch (f.outcome) {
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
    const time = f.time;
    if (time !== '' && (tally.firstSeen === '' || time < tally.firstSeen)) tally.firstSeen = time;
    if (time > tally.lastSeen) tally.lastSeen = time;
    const id = f.targetId;
    const ids = tally.targetIds;
    if (id !== undefined && ids[0] !== id && ids.length < MAX_TARGET_IDS && !ids.includes(id))
      tally.targetIds = ids.length === 0 ? this.targetList(id) : [...ids, this.text(id)];
  }

  /** The gateway's entry; undefined when the gateway filter leaves it out. */
  private entryOf(arn: string): GatewayEntry | undefined {
    let entry = this.entries.get(arn);
    if (entry === undefined) {
      if (!this.keeps(arn)) return undefined;
      const usage: GatewayUsage = {
        gatewayArn: this.text(arn),
        callers: new Map(),
        gaps: emptyGaps(),
        events: 0,
      };
      entry = { usage, callers: new Map() };
      this.gateways.set(usage.gatewayArn, usage);
      this.entries.set(usage.gatewayArn, entry);
    }
    return entry;
  }

  private keeps(arn: string): boolean {
    if (this.gateway === undefined) return true;
    return arn === this.gateway || arn.endsWith(`:gateway/${this.gateway}`);
  }

  private callerOf(gateway: GatewayEntry, f: InvokeFields): CallerUsage {
    let list = gateway.callers.get(f.principal);
    if (list === undefined) {
      list = [];
      gateway.callers.set(this.text(f.principal), list);
    }
    for (const known of list) if (sameCaller(known, f)) return known.usage;
    const caller = callerOfFields(f, this.claimNames, (value) => this.text(value));
    const key = callerKey(caller);
    const usage: CallerUsage = { key, caller, tools: new Map(), otherMethods: new Map() };
    list.push({
      kind: f.callerKind,
      claims:
        f.callerKind === 'oauth' ? f.claims.map((v) => (v === undefined ? v : this.text(v))) : [],
      usage,
    });
    gateway.usage.callers.set(key, usage);
    return usage;
  }

  /** One shared copy of each kept string. */
  private text(value: string): string {
    const known = this.texts.get(value);
    if (known !== undefined) return known;
    this.texts.set(value, value);
    return value;
  }

  private targetList(id: string): readonly string[] {
    let list = this.targetLists.get(id);
    if (list === undefined) {
      list = Object.freeze([this.text(id)]);
      this.targetLists.set(list[0] as string, list);
    }
    return list;
  }
}

const NO_TARGETS: readonly string[] = Object.freeze([]);

function sameCaller(known: CallerEntry, f: InvokeFields): boolean {
  if (known.kind !== f.callerKind) return false;
  if (f.callerKind === 'iam') return true;
  for (let i = 0; i < known.claims.length; i++) if (known.claims[i] !== f.claims[i]) return false;
  return true;
}
