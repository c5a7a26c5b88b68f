import {
  AccessAnalyzerClient,
  ValidatePolicyCommand,
  type ValidatePolicyFinding,
} from '@aws-sdk/client-accessanalyzer';
import type {
  PolicyCheckFinding,
  PolicyValidator,
  ValidatorUnavailable,
} from '../reports/policyValidation.js';
import type { RecommendedPolicy } from '../reports/reportTypes.js';
import type { GuardrailKind } from '../guardrails/documents.js';
import type { GuardrailPolicyValidator, RemoteFinding } from '../guardrails/remoteValidation.js';
import { clientConfig } from './clients.js';

const FINDING_TYPES = new Set(['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION']);

/** The class of a failed call: what the report may say (never the raw message). */
export function unavailableReason(error: unknown): ValidatorUnavailable {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string };
  } | null;
  const name = e?.name ?? '';
  // A socket error reaches us as is, or (from another realm) wrapped by the SDK with its
  // text in the message: only its errno class is read, the message is never passed on.
  const code = `${e?.code ?? ''} ${e?.cause?.code ?? ''} ${e?.message ?? ''}`;
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken/i.test(name))
    return 'access denied';
  if (/Throttl|TooManyRequests/i.test(name)) return 'throttled';
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH/.test(code) ||
    /TimeoutError|RequestTimeout|NetworkingError/i.test(name)
  )
    return 'unreachable';
  return 'service error';
}

/**
 * Access Analyzer ValidatePolicy on a recommended identity policy: grammar, IAM semantics and
 * the security checks AWS runs (a paged list of findings). No resource is read or changed.
 */
/** Few retries and short timeouts: an unreachable validator must not hold up its caller. */
function validatorClient(): AccessAnalyzerClient {
  return new AccessAnalyzerClient({
    ...clientConfig({ maxAttempts: 2 }),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
  });
}

/** ValidatePolicy, every page of findings; a failed call is reported by its class only. */
async function validatePolicy(
  client: AccessAnalyzerClient,
  policyDocument: string,
  policyType: 'IDENTITY_POLICY' | GuardrailKind,
): Promise<{ findings: PolicyCheckFinding[] } | { unavailable: ValidatorUnavailable }> {
  const findings: PolicyCheckFinding[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new ValidatePolicyCommand({
          policyDocument,
          policyType,
          locale: 'EN',
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
      for (const f of page.findings ?? []) findings.push(toFinding(f));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    return { unavailable: unavailableReason(error) };
  }
  return { findings };
}

export class AccessAnalyzerPolicyValidator implements PolicyValidator {
  readonly name = 'access-analyzer';
  readonly label = 'Access Analyzer';

  constructor(private readonly client: AccessAnalyzerClient = validatorClient()) {}

  validate(
    policy: RecommendedPolicy,
  ): Promise<{ findings: PolicyCheckFinding[] } | { unavailable: ValidatorUnavailable }> {
    return validatePolicy(this.client, JSON.stringify(policy), 'IDENTITY_POLICY');
  }
}

function toFinding(f: ValidatePolicyFinding): PolicyCheckFinding {
  const type = FINDING_TYPES.has(f.findingType ?? '')
    ? (f.findingType as PolicyCheckFinding['type'])
    : 'WARNING';
  return { type, code: f.issueCode ?? 'UNKNOWN', message: f.findingDetails ?? '' };
}

/**
 * Access Analyzer ValidatePolicy on a guardrail, as the SCP or RCP it is attached as (the
 * organization's grammar and quotas, AWS's own checks). Every page of findings.
 */
export class AccessAnalyzerGuardrailValidator implements GuardrailPolicyValidator {
  constructor(private readonly client: AccessAnalyzerClient = validatorClient()) {}

  validate(
    policy: string,
    kind: GuardrailKind,
  ): Promise<{ findings: RemoteFinding[] } | { unavailable: string }> {
    return validatePolicy(this.client, policy, kind);
  }
}
