/**
 * The real Cedar engine (`@cedar-policy/cedar-wasm`, as detection's Cedar rules load it) for
 * what the tools module asks of it: validate recommended policies against a gateway's schema,
 * apply the rules AgentCore adds at create time, and decide requests (the proof in tests).
 */
import {
  isAuthorized,
  policySetTextToParts,
  policyToJson,
  validate,
  type EntityJson,
  type SchemaJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarPolicyJson } from '../detection/cedar/parse.js';

export interface PolicyProblem {
  policyId: string;
  reason: string;
}

/**
 * Problems of each policy: Cedar strict validation against `schema`, then AgentCore's own
 * rules (a policy naming specific actions must name one gateway with `resource ==`; a bare
 * resource is rejected as a wildcard).
 */
export function validatePolicies(
  schema: SchemaJson<string>,
  policies: Record<string, string>,
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const answer = validate({
    schema,
    policies: { staticPolicies: policies },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    for (const id of Object.keys(policies))
      problems.push({ policyId: id, reason: answer.errors.map((e) => e.message).join('; ') });
    return problems;
  }
  for (const e of answer.validationErrors)
    problems.push({ policyId: e.policyId, reason: e.error.message });
  for (const [id, text] of Object.entries(policies)) {
    const reason = agentCoreRuleViolation(text);
    if (reason !== undefined) problems.push({ policyId: id, reason });
  }
  return problems;
}

/** Why AgentCore would refuse this policy at CreatePolicy, beyond schema validation. */
export function agentCoreRuleViolation(text: string): string | undefined {
  const parts = policySetTextToParts(text);
  if (parts.type !== 'success') return 'not parsable Cedar';
  for (const part of parts.policies ?? []) {
    const json = policyToJson(part);
    if (json.type !== 'success') return 'not parsable Cedar';
    const policy = json.json as unknown as CedarPolicyJson;
    if (policy.resource.op === 'All')
      return 'a wildcard resource was detected (resource must be == a gateway)';
    const specificActions = policy.action.op === '==' || policy.action.op === 'in';
    if (specificActions && policy.resource.op !== '==')
      return 'a policy naming specific actions must name one gateway (resource == …)';
  }
  return undefined;
}

export interface Request {
  principal: { type: string; id: string };
  action: { type: string; id: string };
  resource: { type: string; id: string };
  entities: EntityJson[];
  context?: Record<string, unknown>;
}

/** Cedar's decision for one request (schema-validated request when a schema is given). */
export function decide(
  policies: Record<string, string>,
  request: Request,
  schema?: SchemaJson<string>,
): 'allow' | 'deny' {
  const answer = isAuthorized({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: (request.context ?? { input: {} }) as never,
    policies: { staticPolicies: policies },
    entities: request.entities,
    ...(schema !== undefined ? { schema, validateRequest: true } : {}),
  });
  if (answer.type !== 'success')
    throw new Error(`Cedar could not decide: ${answer.errors.map((e) => e.message).join('; ')}`);
  if (answer.response.diagnostics.errors.length > 0)
    throw new Error(
      `Cedar evaluation errors: ${answer.response.diagnostics.errors.map((e) => e.error.message).join('; ')}`,
    );
  return answer.response.decision;
}
