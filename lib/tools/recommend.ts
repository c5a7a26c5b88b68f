/**
 * Recommended Cedar policies for one gateway: one `permit` per principal group naming exactly
 * the tools the group called successfully, `resource ==` the gateway; optional `forbid` for
 * tools nobody called that the user marks high-risk. Every policy is validated with the real
 * Cedar engine against the gateway's schema and AgentCore's create-time rules: one that does
 * not pass is never offered, and why is kept beside it.
 */
import type { SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { validatePolicies } from './cedarEngine.js';
import {
  cedarLikePrefix,
  cedarString,
  gatewaySchema,
  NAMESPACE,
  principalTypeOf,
  type PrincipalType,
  type SchemaTool,
} from './cedarSchema.js';
import type { Caller } from './invokeRecord.js';
import type { GatewayTools } from './inventory.js';
import type { GatewayUsage } from './ToolUsageCollector.js';

export interface RecommendOptions {
  /** Group OAuth callers by this claim (e.g. `client_id`); callers without it stay per subject. */
  principalClaim?: string;
  /** Tools (`<target>___<tool>`, or a bare tool name on any target) to forbid when unused. */
  highRisk?: readonly string[];
}

/** How a group is matched: a JWT subject, a claim value, an IAM role's sessions, an ARN. */
export type GroupMatch =
  | { by: 'sub'; value: string }
  | { by: 'claim'; claim: string; value: string }
  | { by: 'role'; prefix: string }
  | { by: 'arn'; value: string };

export interface PrincipalGroup {
  key: string;
  match: GroupMatch;
  principalType: PrincipalType;
  /** Caller keys (see `callerKey`) in the group. */
  callers: string[];
  /** Tools with at least one successful call by the group. */
  tools: string[];
  successfulCalls: number;
}

export interface RecommendedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  /** The group a permit is for (absent on forbids). */
  group?: string;
  tools: string[];
  text: string;
}

export interface GatewayRecommendation {
  gatewayArn: string;
  gatewayId: string;
  principalTypes: PrincipalType[];
  /** True when the schema came from the gateway's full tool list; false when calls filled it in. */
  schemaFromInventory: boolean;
  schema: SchemaJson<string>;
  groups: PrincipalGroup[];
  policies: RecommendedPolicy[];
  rejected: (RecommendedPolicy & { reasons: string[] })[];
  /** High-risk tools left without a forbid, and why (someone calls them, or not exposed). */
  highRiskNotForbidden: { tool: string; reason: string }[];
  /** The offered policies as one Cedar document. */
  cedar: string;
}

/** Principal groups of a gateway's callers, in a stable order. */
export function groupCallers(usage: GatewayUsage, principalClaim?: string): PrincipalGroup[] {
  const groups = new Map<string, PrincipalGroup>();
  for (const caller of usage.callers.values()) {
    const match = groupMatch(caller.caller, principalClaim);
    const key = groupKey(match);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        key,
        match,
        principalType: principalTypeOf(caller.caller),
        callers: [],
        tools: [],
        successfulCalls: 0,
      };
      groups.set(key, group);
    }
    group.callers.push(caller.key);
    for (const [tool, tally] of caller.tools) {
      if (tally.ok === 0) continue;
      group.successfulCalls += tally.ok;
      if (!group.tools.includes(tool)) group.tools.push(tool);
    }
  }
  const sorted = [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const g of sorted) {
    g.tools.sort();
    g.callers.sort();
  }
  return sorted;
}

const ASSUMED_ROLE = /^(arn:[\w-]+:sts::\d{12}:assumed-role\/[^/]+\/)/;

export function groupMatch(caller: Caller, principalClaim?: string): GroupMatch {
  if (caller.kind === 'iam') {
    // Sessions come and go; the role is what a policy can name.
    const role = ASSUMED_ROLE.exec(caller.arn)?.[1];
    return role !== undefined ? { by: 'role', prefix: role } : { by: 'arn', value: caller.arn };
  }
  const value = principalClaim === undefined ? undefined : caller.claims[principalClaim];
  return value !== undefined && principalClaim !== undefined
    ? { by: 'claim', claim: principalClaim, value }
    : { by: 'sub', value: caller.sub };
}

export function groupKey(match: GroupMatch): string {
  switch (match.by) {
    case 'sub':
      return `sub=${match.value}`;
    case 'claim':
      return `${match.claim}=${match.value}`;
    case 'role':
      return `role=${match.prefix}*`;
    case 'arn':
      return `arn=${match.value}`;
  }
}

function condition(match: GroupMatch): string {
  switch (match.by) {
    case 'sub':
    case 'arn':
      return `principal.id == ${cedarString(match.value)}`;
    case 'claim':
      return `principal.hasTag(${cedarString(match.claim)}) && principal.getTag(${cedarString(match.claim)}) == ${cedarString(match.value)}`;
    case 'role':
      return `principal.id like ${cedarLikePrefix(match.prefix)}`;
  }
}

const action = (tool: string): string => `${NAMESPACE}::Action::${cedarString(tool)}`;

function permitText(group: PrincipalGroup, gatewayArn: string): string {
  return [
    `// ${group.callers.length} caller(s), ${group.successfulCalls} successful call(s) observed`,
    'permit (',
    `  principal is ${NAMESPACE}::${group.principalType},`,
    `  action in [${group.tools.map(action).join(', ')}],`,
    `  resource == ${NAMESPACE}::Gateway::${cedarString(gatewayArn)}`,
    `) when { ${condition(group.match)} };`,
  ].join('\n');
}

function forbidText(tools: readonly string[], gatewayArn: string): string {
  return [
    '// high-risk tools no principal was seen calling successfully',
    'forbid (',
    '  principal,',
    `  action in [${tools.map(action).join(', ')}],`,
    `  resource == ${NAMESPACE}::Gateway::${cedarString(gatewayArn)}`,
    ');',
  ].join('\n');
}

/** Recommends and validates the policies of one gateway. */
export function recommendGateway(
  usage: GatewayUsage,
  inventory: GatewayTools | undefined,
  options: RecommendOptions = {},
): GatewayRecommendation {
  const gatewayArn = usage.gatewayArn;
  const groups = groupCallers(usage, options.principalClaim);
  const principalTypes = principalTypesOf(inventory, groups);
  const { tools, fromInventory } = schemaTools(usage, inventory);
  const schema = gatewaySchema(tools, principalTypes);

  const candidates: RecommendedPolicy[] = [];
  groups.forEach((group) => {
    if (group.tools.length === 0) return;
    candidates.push({
      id: `permit-${candidates.length + 1}`,
      effect: 'permit',
      group: group.key,
      tools: group.tools,
      text: permitText(group, gatewayArn),
    });
  });
  const { forbid, notForbidden } = highRiskTools(options.highRisk ?? [], tools, groups);
  if (forbid.length > 0)
    candidates.push({
      id: 'forbid-high-risk',
      effect: 'forbid',
      tools: forbid,
      text: forbidText(forbid, gatewayArn),
    });

  const problems = validatePolicies(
    schema,
    Object.fromEntries(candidates.map((p) => [p.id, p.text])),
  );
  const policies: RecommendedPolicy[] = [];
  const rejected: (RecommendedPolicy & { reasons: string[] })[] = [];
  for (const candidate of candidates) {
    const reasons = problems.filter((p) => p.policyId === candidate.id).map((p) => p.reason);
    if (reasons.length === 0) policies.push(candidate);
    else rejected.push({ ...candidate, reasons });
  }
  return {
    gatewayArn,
    gatewayId: gatewayArn.slice(gatewayArn.lastIndexOf('/') + 1),
    principalTypes,
    schemaFromInventory: fromInventory,
    schema,
    groups,
    policies,
    rejected,
    highRiskNotForbidden: notForbidden,
    cedar: policies.map((p) => `${p.text}\n`).join('\n'),
  };
}

function principalTypesOf(
  inventory: GatewayTools | undefined,
  groups: readonly PrincipalGroup[],
): PrincipalType[] {
  if (inventory?.authorizerType === 'AWS_IAM') return ['IamEntity'];
  if (inventory?.authorizerType !== undefined) return ['OAuthUser'];
  const seen = new Set(groups.map((g) => g.principalType));
  return seen.size === 0 ? ['OAuthUser'] : [...seen].sort();
}

/**
 * The tools of the schema: the gateway's tool list when every target's tools are known (as
 * AgentCore builds it: a call to a tool no longer exposed then fails validation, honestly);
 * otherwise that list plus every tool seen called.
 */
function schemaTools(
  usage: GatewayUsage,
  inventory: GatewayTools | undefined,
): { tools: SchemaTool[]; fromInventory: boolean } {
  const byName = new Map<string, SchemaTool>();
  for (const target of inventory?.targets ?? [])
    for (const t of target.tools) byName.set(t.name, t);
  const complete =
    inventory !== undefined &&
    inventory.targets.length > 0 &&
    inventory.targets.every((t) => t.toolsUnknown === undefined);
  if (!complete)
    for (const caller of usage.callers.values())
      for (const tool of caller.tools.keys())
        if (!byName.has(tool)) byName.set(tool, { name: tool });
  const tools = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return { tools, fromInventory: complete };
}

function highRiskTools(
  marked: readonly string[],
  tools: readonly SchemaTool[],
  groups: readonly PrincipalGroup[],
): { forbid: string[]; notForbidden: { tool: string; reason: string }[] } {
  const used = new Set(groups.flatMap((g) => g.tools));
  const forbid: string[] = [];
  const notForbidden: { tool: string; reason: string }[] = [];
  for (const mark of marked) {
    const matches = tools
      .map((t) => t.name)
      .filter((name) => name === mark || (!mark.includes('___') && name.endsWith(`___${mark}`)));
    if (matches.length === 0)
      notForbidden.push({ tool: mark, reason: 'not a tool of this gateway' });
    for (const name of matches) {
      if (used.has(name))
        notForbidden.push({ tool: name, reason: 'called successfully: kept in the permits' });
      else if (!forbid.includes(name)) forbid.push(name);
    }
  }
  return { forbid: forbid.sort(), notForbidden };
}
