/**
 * What is deployed against what is used: the gateway's policy engine mode and policies (from
 * GetGateway's `policyEngineConfiguration` and GetPolicy answers), evaluated with Cedar over the
 * observed callers and the gateway's tools. Permits no observed successful call needed,
 * principals allowed tools they never call, the decisions that would change with the
 * recommendation, and the rollout step to take next.
 */
import {
  checkParsePolicySet,
  preparsePolicySet,
  statefulIsAuthorized,
  type SchemaJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { actionUid, gatewayUid, principalEntity, principalUid } from './cedarSchema.js';
import type { Caller } from './invokeRecord.js';
import type { GatewayRecommendation } from './recommend.js';
import type { GatewayUsage } from './ToolUsageCollector.js';

/** At most this many (caller, tool) requests are evaluated per gateway; the rest is counted. */
export const MAX_EVALUATIONS = 50_000;
const MAX_STATEMENT_CHARS = 100_000;

export interface DeployedPolicy {
  policyId: string;
  name?: string;
  statement?: string;
  /** `ACTIVE` or `LOG_ONLY` (GetPolicy): a LOG_ONLY policy's decisions are logged, not enforced. */
  enforcementMode?: string;
  /** GetPolicy's status: only an `ACTIVE` policy is in force. */
  status?: string;
}

export interface DeployedEngine {
  engineArn?: string;
  /** `ENFORCE` or `LOG_ONLY`, from the gateway's `policyEngineConfiguration.mode`. */
  mode?: string;
  policies: DeployedPolicy[];
}

export interface DeployedComparison {
  mode: string;
  rollout: string;
  policies: {
    policyId: string;
    name?: string;
    enforcementMode?: string;
    observedCallsAllowed: number;
    neverUsed: boolean;
    problem?: string;
  }[];
  /** Callers the deployed policies allow tools they were never seen calling successfully. */
  allowedNeverCalled: { principal: string; tools: string[] }[];
  /** Requests deployed allows and the recommendation denies, and the reverse. */
  diff: {
    deployedOnly: number;
    recommendedOnly: number;
    samples: { principal: string; tool: string; deployed: 'allow' | 'deny' }[];
  };
  evaluated: number;
  /** Requests not evaluated (above {@link MAX_EVALUATIONS}). */
  notEvaluated: number;
}

const principalOf = (c: Caller): string => (c.kind === 'iam' ? c.arn : c.sub);

/** Reads `policyEngineConfiguration` and `policies` from a gateway entry of a targets export. */
export function deployedEngineOf(
  entry: Record<string, unknown> | undefined,
): DeployedEngine | undefined {
  const config = entry?.policyEngineConfiguration as Record<string, unknown> | undefined;
  const list = entry?.policies;
  if (config === undefined && !Array.isArray(list)) return undefined;
  const policies: DeployedPolicy[] = [];
  for (const p of Array.isArray(list) ? (list as Record<string, unknown>[]) : []) {
    const definition = p?.definition as Record<string, { statement?: unknown }> | undefined;
    const statement = definition?.cedar?.statement ?? definition?.policy?.statement;
    policies.push({
      policyId: typeof p?.policyId === 'string' ? p.policyId : `policy-${policies.length + 1}`,
      ...(typeof p?.name === 'string' ? { name: p.name } : {}),
      ...(typeof statement === 'string' && statement.length <= MAX_STATEMENT_CHARS
        ? { statement }
        : {}),
      ...(typeof p?.enforcementMode === 'string' ? { enforcementMode: p.enforcementMode } : {}),
      ...(typeof p?.status === 'string' ? { status: p.status } : {}),
    });
  }
  return {
    ...(typeof config?.arn === 'string' ? { engineArn: config.arn } : {}),
    ...(typeof config?.mode === 'string' ? { mode: config.mode } : {}),
    policies,
  };
}

/** Compares the deployed engine with usage and the recommendation, deciding with Cedar. */
export function compareDeployed(
  usage: GatewayUsage,
  recommendation: GatewayRecommendation,
  engine: DeployedEngine,
): DeployedComparison {
  const mode = engine.mode ?? (engine.engineArn === undefined ? 'NONE' : 'UNKNOWN');
  const deployed: Record<string, string> = {};
  const policies: DeployedComparison['policies'] = [];
  for (const p of engine.policies) {
    const entry: DeployedComparison['policies'][number] = {
      policyId: p.policyId,
      ...(p.name !== undefined ? { name: p.name } : {}),
      ...(p.enforcementMode !== undefined ? { enforcementMode: p.enforcementMode } : {}),
      observedCallsAllowed: 0,
      neverUsed: true,
    };
    // Only what is in force decides what "deployed" allows.
    if (p.enforcementMode === 'LOG_ONLY')
      entry.problem = 'LOG_ONLY policy: its decisions are logged, not enforced';
    else if (p.status !== undefined && p.status !== 'ACTIVE')
      entry.problem = `status ${p.status.slice(0, 40)}: not in force`;
    else if (p.statement === undefined) entry.problem = 'no Cedar statement (or too large)';
    else if (checkParsePolicySet({ staticPolicies: { p: p.statement } }).type !== 'success')
      entry.problem = 'not parsable Cedar';
    else deployed[p.policyId] = p.statement;
    policies.push(entry);
  }
  // Fixed ids: each comparison replaces the engine's cached sets (no growth per gateway).
  const deployedId = 'gatewarden-tools-deployed';
  const recommendedId = 'gatewarden-tools-recommended';
  preparsePolicySet(deployedId, { staticPolicies: deployed });
  preparsePolicySet(recommendedId, {
    staticPolicies: Object.fromEntries(recommendation.policies.map((p) => [p.id, p.text])),
  });
  const tools = toolsOf(recommendation.schema);
  const allowedNeverCalled = new Map<string, Set<string>>();
  const diff: DeployedComparison['diff'] = { deployedOnly: 0, recommendedOnly: 0, samples: [] };
  let evaluated = 0;
  let notEvaluated = 0;
  const byId = new Map(policies.map((p) => [p.policyId, p]));
  for (const caller of usage.callers.values()) {
    const entity = principalEntity(caller.caller);
    for (const tool of tools) {
      if (evaluated >= MAX_EVALUATIONS) {
        notEvaluated += 1;
        continue;
      }
      evaluated += 1;
      const request = {
        principal: principalUid(caller.caller),
        action: actionUid(tool),
        resource: gatewayUid(usage.gatewayArn),
        context: { input: {} },
        entities: [entity],
      };
      const d = statefulIsAuthorized({ ...request, preparsedPolicySetId: deployedId });
      const r = statefulIsAuthorized({ ...request, preparsedPolicySetId: recommendedId });
      const dAllow = d.type === 'success' && d.response.decision === 'allow';
      const rAllow = r.type === 'success' && r.response.decision === 'allow';
      const ok = (caller.tools.get(tool)?.ok ?? 0) > 0;
      if (dAllow && d.type === 'success' && ok)
        for (const id of d.response.diagnostics.reason) {
          const p = byId.get(id);
          if (p !== undefined) {
            p.observedCallsAllowed += caller.tools.get(tool)?.ok ?? 0;
            p.neverUsed = false;
          }
        }
      const principal = principalOf(caller.caller);
      if (dAllow && !ok) {
        const set = allowedNeverCalled.get(principal) ?? new Set<string>();
        set.add(tool);
        allowedNeverCalled.set(principal, set);
      }
      if (dAllow !== rAllow) {
        if (dAllow) diff.deployedOnly += 1;
        else diff.recommendedOnly += 1;
        if (diff.samples.length < 20)
          diff.samples.push({ principal, tool, deployed: dAllow ? 'allow' : 'deny' });
      }
    }
  }
  return {
    mode,
    rollout: rolloutAdvice(mode, usage),
    policies,
    allowedNeverCalled: [...allowedNeverCalled]
      .map(([principal, set]) => ({ principal, tools: [...set].sort() }))
      .sort((a, b) => (a.principal < b.principal ? -1 : 1)),
    diff,
    evaluated,
    notEvaluated,
  };
}

function toolsOf(schema: SchemaJson<string>): string[] {
  const actions =
    (schema as Record<string, { actions?: Record<string, unknown> }>).AgentCore?.actions ?? {};
  return Object.keys(actions)
    .filter((a) => a !== 'Mcp' && a !== 'CallTool')
    .sort();
}

function rolloutAdvice(mode: string, usage: GatewayUsage): string {
  let denied = 0;
  for (const c of usage.callers.values())
    for (const t of c.tools.values()) denied += t.policyDenied;
  switch (mode) {
    case 'NONE':
      return 'no policy engine: create one with the recommended policies and attach it to the gateway in LOG_ONLY mode';
    case 'LOG_ONLY':
      return denied > 0
        ? `LOG_ONLY: ${denied} refusal(s) logged in the window: review them (legitimate calls mean a permit is missing) before switching to ENFORCE`
        : 'LOG_ONLY: no refusal logged in the window: the policies match use; switch the gateway to ENFORCE';
    case 'ENFORCE':
      return 'ENFORCE: keep watching refusals; remove permits never used';
    default:
      return `mode ${mode}: attach in LOG_ONLY, watch refusals, then ENFORCE`;
  }
}
