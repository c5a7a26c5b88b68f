export {
  GATEWAY_WAF_TAG,
  guardrailJson,
  guardrails,
  POLICY_SIZE_LIMIT,
  STACKSET_EXECUTION_ROLE,
  type Guardrail,
  type GuardrailDocument,
  type GuardrailKind,
  type GuardrailOptions,
} from './documents.js';
export { validateGuardrail } from './validate.js';
export {
  checkGuardrail,
  type GuardrailCheck,
  type GuardrailPolicyValidator,
  type RemoteFinding,
} from './remoteValidation.js';
