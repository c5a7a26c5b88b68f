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
import { StoredTally, ToolTallyStore } from './ToolTallyStore.js';

/** One caller's use of one tool on one gateway. */
export interface ToolTally {
  readonly calls: number;
  readonly ok: number;
  /** HTTP 401/403. */
  readonly refused: number;
  /** JSON-RPC errors that name authorization or policy: the policy engine said no. */
  readonly policyDenied: number;
  /** Other errors (the tool or its target failed). */
  readonly failed: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /**
   * Distinct target ids. A tool has one target, so tallies share one array per target id;
   * a new id replaces the array, never changes it.
   */
  readonly targetIds: readonly string[];
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

/** A caller as the hot path compares it: kind, then kept claim values; its id in the store. */
interface CallerEntry {
  id: number;
  kind: Caller['kind'];
  claims: readonly (string | undefined)[];
  key: string;
  caller: Caller;
  otherMethods: Map<string, number>;
  /** The next caller with the same subject or ARN (other claims): a chain, no list per subject. */
  next: CallerEntry | undefined;
}

/** A gateway and its callers indexed by subject or ARN: no key string built per record. */
interface GatewayEntry {
  gatewayArn: string;
  /** The first caller of each subject or ARN; others follow through `next`. */
  callers: Map<string, CallerEntry>;
  /** In the order they were first seen. */
  ordered: CallerEntry[];
  gaps: Record<Gap, number>;
  events: number;
}

/**
 * Accumulates who called which tool from CloudTrail records; other records are skipped.
 * Tools and target ids become small integer ids and the (caller, tool) tallies live in typed
 * arrays (`ToolTallyStore`): per record nothing is allocated once a caller and tool are known,
 * each kept string is kept once, and the garbage collector has no per-pair object to walk.
 * `gateways` builds the object view a report reads, once per batch of records.
 */
export class ToolUsageCollector {
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
  private readonly callers: CallerEntry[] = [];
  private readonly tallies = new ToolTallyStore();
  /** Tool names and target ids by id, and their ids. */
  private readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  private view: Map<string, GatewayUsage> | undefined;

  constructor(options: CollectorOptions = {}) {
    this.claimNames = keptClaimNames(options.keptClaims ?? DEFAULT_KEPT_CLAIMS);
    this.fields = emptyInvokeFields(this.claimNames.length);
    if (options.gateway !== undefined) this.gateway = options.gateway;
  }

  /** Per gateway, its callers and their tallies (built when asked, kept until the next record). */
  get gateways(): Map<string, GatewayUsage> {
    this.view ??= this.buildView();
    return this.view;
  }

  addRecord(record: unknown): void {
    this.stats.recordsRead += 1;
    const f = this.fields;
    if (!readInvokeFields(record, this.claimNames, f)) return;
    this.view = undefined;
    this.stats.invokeEvents += 1;
    const arn = f.gatewayArn;
    if (arn === undefined) {
      this.stats.withoutGateway += 1;
      return;
    }
    const gateway = this.entryOf(arn);
    if (gateway === undefined) {
      this.stats.otherGateways += 1;
      return;
    }
    gateway.events += 1;
    if (f.gap !== undefined) {
      gateway.gaps[f.gap] += 1;
      return;
    }
    if (f.missingTargetId) gateway.gaps.missingTargetId += 1;
    const caller = this.callerOf(gateway, f);
    if (f.tool === undefined) {
      const count = caller.otherMethods.get(f.method);
      if (count === undefined) caller.otherMethods.set(this.text(f.method), 1);
      else caller.otherMethods.set(f.method, count + 1);
      return;
    }
    const index = this.tallies.indexOf(caller.id, this.idOf(f.tool));
    this.tallies.add(
      index,
      f.outcome,
      f.time,
      f.targetId === undefined ? undefined : this.idOf(f.targetId),
    );
  }

  /** The gateway's entry; undefined when the gateway filter leaves it out. */
  private entryOf(arn: string): GatewayEntry | undefined {
    let entry = this.entries.get(arn);
    if (entry === undefined) {
      if (!this.keeps(arn)) return undefined;
      entry = {
        gatewayArn: this.text(arn),
        callers: new Map(),
        ordered: [],
        gaps: emptyGaps(),
        events: 0,
      };
      this.entries.set(entry.gatewayArn, entry);
    }
    return entry;
  }

  private keeps(arn: string): boolean {
    if (this.gateway === undefined) return true;
    return arn === this.gateway || arn.endsWith(`:gateway/${this.gateway}`);
  }

  private callerOf(gateway: GatewayEntry, f: InvokeFields): CallerEntry {
    const first = gateway.callers.get(f.principal);
    let last: CallerEntry | undefined;
    for (let known = first; known !== undefined; known = known.next) {
      if (sameCaller(known, f)) return known;
      last = known;
    }
    const caller = callerOfFields(f, this.claimNames, (value) => this.text(value));
    const entry: CallerEntry = {
      id: this.callers.length,
      kind: f.callerKind,
      claims:
        f.callerKind === 'oauth' ? f.claims.map((v) => (v === undefined ? v : this.text(v))) : [],
      key: callerKey(caller),
      caller,
      otherMethods: new Map(),
      next: undefined,
    };
    this.callers.push(entry);
    if (last === undefined) gateway.callers.set(this.text(f.principal), entry);
    else last.next = entry;
    gateway.ordered.push(entry);
    return entry;
  }

  /** The id of a tool name or target id. */
  private idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** One shared copy of each kept string. */
  private text(value: string): string {
    const known = this.texts.get(value);
    if (known !== undefined) return known;
    this.texts.set(value, value);
    return value;
  }

  private buildView(): Map<string, GatewayUsage> {
    const usages: CallerUsage[] = this.callers.map((c) => ({
      key: c.key,
      caller: c.caller,
      tools: new Map(),
      otherMethods: c.otherMethods,
    }));
    // Tallies in the order they were made: each caller's tools in the order first called.
    const targetLists = new Map<number, readonly string[]>();
    for (let index = 0; index < this.tallies.size; index++) {
      const ids = this.tallies.targetIdsAt(index);
      let targetIds: readonly string[];
      if (ids.length === 0) targetIds = NO_TARGETS;
      else if (ids.length > 1) targetIds = ids.map((id) => this.names[id] as string);
      else {
        // A tool has one target: tallies share one list per target id.
        const id = ids[0] as number;
        let list = targetLists.get(id);
        if (list === undefined) {
          list = Object.freeze([this.names[id] as string]);
          targetLists.set(id, list);
        }
        targetIds = list;
      }
      usages[this.tallies.callerAt(index)]?.tools.set(
        this.names[this.tallies.toolAt(index)] as string,
        new StoredTally(this.tallies, index, targetIds),
      );
    }
    const view = new Map<string, GatewayUsage>();
    for (const entry of this.entries.values()) {
      const callers = new Map<string, CallerUsage>();
      for (const c of entry.ordered) {
        const usage = usages[c.id];
        if (usage !== undefined) callers.set(c.key, usage);
      }
      view.set(entry.gatewayArn, {
        gatewayArn: entry.gatewayArn,
        callers,
        gaps: entry.gaps,
        events: entry.events,
      });
    }
    return view;
  }
}

const NO_TARGETS: readonly string[] = Object.freeze([]);

function sameCaller(known: CallerEntry, f: InvokeFields): boolean {
  if (known.kind !== f.callerKind) return false;
  if (f.callerKind === 'iam') return true;
  for (let i = 0; i < known.claims.length; i++) if (known.claims[i] !== f.claims[i]) return false;
  return true;
}
