import { guardrailJson, type Guardrail, type GuardrailKind } from './documents.js';
import { validateGuardrail } from './validate.js';

/**
 * Access Analyzer's `ValidatePolicy` on each guardrail, as the policy type it is attached as
 * (`SERVICE_CONTROL_POLICY`, `RESOURCE_CONTROL_POLICY`), after the offline checks of
 * validate.ts. Where Access Analyzer cannot be reached the offline checks stand alone, and the
 * caller is told so: never a silent pass.
 */

/** One ValidatePolicy finding (its type and issue code; the details are AWS's text). */
export interface RemoteFinding {
  type: 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';
  code: string;
  message: string;
}

/** Port: Access Analyzer ValidatePolicy (lib/aws/accessAnalyzerValidator.ts). */
export interface GuardrailPolicyValidator {
  validate(
    policy: string,
    kind: GuardrailKind,
  ): Promise<{ findings: RemoteFinding[] } | { unavailable: string }>;
}

export interface GuardrailCheck {
  /** What must be fixed before attaching: offline problems, Access Analyzer errors. */
  problems: string[];
  /** Access Analyzer's warnings and suggestions: shown, not refused. */
  notes: string[];
  /** Whether Access Analyzer validated it, or why not (offline checks only). */
  remote: 'validated' | { unavailable: string };
}

/** Refused: errors and security warnings. Shown: warnings and suggestions. */
const REFUSED = new Set<RemoteFinding['type']>(['ERROR', 'SECURITY_WARNING']);

export async function checkGuardrail(
  guardrail: Guardrail,
  validator: GuardrailPolicyValidator | undefined,
): Promise<GuardrailCheck> {
  const problems = await validateGuardrail(guardrail);
  if (validator === undefined) return { problems, notes: [], remote: { unavailable: 'not asked' } };
  const answer = await validator.validate(guardrailJson(guardrail), guardrail.kind);
  if ('unavailable' in answer) return { problems, notes: [], remote: answer };
  const notes: string[] = [];
  for (const f of answer.findings) {
    const line = `Access Analyzer ${f.type} ${f.code}: ${f.message}`;
    (REFUSED.has(f.type) ? problems : notes).push(line);
  }
  return { problems, notes, remote: 'validated' };
}
