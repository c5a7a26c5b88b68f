/**
 * Stand-in for IAM Access Analyzer `ValidatePolicy` (moto has no Access Analyzer).
 * TEST/DEMO COMPONENT: it knows a handful of checks of the real service, enough for the
 * report's SDK path to receive findings of each type in the real wire format — it is not a
 * policy validator. Checks (real issue codes): a missing `Version` (ERROR MISSING_VERSION),
 * `iam:PassRole` on `*` (SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE), an action listed
 * twice in one statement (SUGGESTION REDUNDANT_ACTION).
 */
import type { StandinRoute } from './context.js';
import { restJson, restJsonError, validation } from './http.js';

interface Finding {
  findingType: 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';
  issueCode: string;
  findingDetails: string;
  learnMoreLink: string;
  locations: { path: { value?: string; index?: number }[]; span: unknown }[];
}

const LEARN_MORE =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function finding(type: Finding['findingType'], code: string, details: string): Finding {
  return {
    findingType: type,
    issueCode: code,
    findingDetails: details,
    learnMoreLink: LEARN_MORE,
    locations: [],
  };
}

/** The checks the stand-in knows, on a parsed policy document. */
export function standinPolicyFindings(policy: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  if (policy.Version === undefined)
    out.push(finding('ERROR', 'MISSING_VERSION', 'Add a Version element (2012-10-17).'));
  for (const raw of asList(policy.Statement)) {
    const s = raw as Record<string, unknown>;
    const actions = asList(s.Action).map(String);
    const resources = asList(s.Resource).map(String);
    if (
      s.Effect === 'Allow' &&
      actions.some((a) => /^(iam:PassRole|iam:\*|\*)$/i.test(a)) &&
      resources.includes('*')
    )
      out.push(
        finding(
          'SECURITY_WARNING',
          'PASS_ROLE_WITH_STAR_IN_RESOURCE',
          'Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive.',
        ),
      );
    const seen = new Set<string>();
    for (const a of actions.map((x) => x.toLowerCase())) {
      if (seen.has(a))
        out.push(finding('SUGGESTION', 'REDUNDANT_ACTION', `The action ${a} is listed twice.`));
      seen.add(a);
    }
  }
  return out;
}

/** `POST /policy/validation` (restJson1, signing name `access-analyzer`). */
export const validatePolicyRoute: StandinRoute = {
  name: 'access-analyzer:ValidatePolicy',
  model: 'accessanalyzer',
  matches: (request) =>
    request.aws.service === 'access-analyzer' &&
    request.method === 'POST' &&
    request.path === '/policy/validation',
  async handle(request) {
    let body: { policyDocument?: unknown; policyType?: unknown };
    try {
      body = JSON.parse(request.body.toString('utf8')) as typeof body;
    } catch {
      return restJsonError(validation('body is not JSON'));
    }
    if (typeof body.policyDocument !== 'string' || typeof body.policyType !== 'string')
      return restJsonError(validation('policyDocument and policyType are required'));
    let policy: Record<string, unknown>;
    try {
      policy = JSON.parse(body.policyDocument) as Record<string, unknown>;
    } catch {
      return restJson(200, {
        findings: [finding('ERROR', 'JSON_SYNTAX_ERROR', 'The policy is not valid JSON.')],
      });
    }
    return restJson(200, { findings: standinPolicyFindings(policy) });
  },
};
