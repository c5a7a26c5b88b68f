/**
 * IAM `SimulatePrincipalPolicy` stand-in (moto lacks it). TEST/DEMO COMPONENT — not product
 * code. Evaluates the identity policies moto holds for a user (inline, attached, and its
 * groups') or a role (inline, attached) with IAM's core logic: an explicit Deny wins, else an
 * Allow whose Action and Resource match (`*`/`?` wildcards, NotAction/NotResource), else an
 * implicit deny. Simplifications, said here so nobody relies on them: condition blocks are not
 * evaluated (a statement with one does not apply), and no SCP, boundary or resource policy is.
 * Answers in the IAM query protocol (XML), as AWS does.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { randomUUID } from 'node:crypto';
import type { FrontRequest, StandinContext, StandinRoute } from '../context.js';
import type { StandinResponse } from '../http.js';
import { readIdentityPolicies } from '../../iam/identityPolicies.js';

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: unknown;
}

export type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

const list = (value: string | string[] | undefined): string[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function applies(statement: Statement, action: string, resource: string): boolean {
  if (statement.Condition !== undefined) return false;
  const actions = list(statement.Action);
  const notActions = list(statement.NotAction);
  const actionOk = actions
    ? actions.some((p) => wildcard(p, action, true))
    : notActions
      ? !notActions.some((p) => wildcard(p, action, true))
      : false;
  if (!actionOk) return false;
  const resources = list(statement.Resource);
  const notResources = list(statement.NotResource);
  return resources
    ? resources.some((p) => wildcard(p, resource, false))
    : notResources
      ? !notResources.some((p) => wildcard(p, resource, false))
      : false;
}

/** IAM's decision for one action on one resource under these policy documents. Pure. */
export function evaluate(
  documents: readonly unknown[],
  action: string,
  resource: string,
): Decision {
  let allowed = false;
  for (const document of documents) {
    const statements = (document as { Statement?: Statement | Statement[] }).Statement;
    for (const statement of Array.isArray(statements)
      ? statements
      : statements
        ? [statements]
        : []) {
      if (!applies(statement, action, resource)) continue;
      if (statement.Effect === 'Deny') return 'explicitDeny';
      if (statement.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allowed' : 'implicitDeny';
}

class NoSuchEntity extends Error {}

/** The identity policies of the user or role an ARN names, from moto (boundaries aside). */
async function documentsOf(iam: IAMClient, principalArn: string): Promise<unknown[]> {
  const match = /^arn:[^:]+:iam::\d{12}:(user|role)\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  if (!match) throw new NoSuchEntity(`${principalArn} is not an IAM user or role`);
  const [, kind, name = ''] = match;
  const policies = await readIdentityPolicies(iam, principalArn);
  if (!policies) throw new NoSuchEntity(`The ${kind} with name ${name} cannot be found.`);
  return policies.identity.map((policy) => policy.policy);
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `Name.member.N` form parameters, in order. */
function members(params: Record<string, unknown>, name: string): string[] {
  return Object.entries(params)
    .filter(([key]) => key.startsWith(`${name}.member.`))
    .sort(([a], [b]) => Number(a.split('.').pop()) - Number(b.split('.').pop()))
    .map(([, value]) => String(value));
}

function xmlError(status: number, code: string, message: string): StandinResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

async function simulate(request: FrontRequest, context: StandinContext): Promise<StandinResponse> {
  const params = request.aws.params;
  const principal = String(params.PolicySourceArn ?? '');
  const actions = members(params, 'ActionNames');
  const resources = members(params, 'ResourceArns');
  let documents: unknown[];
  try {
    documents = await documentsOf(context.motoClient(IAMClient, request), principal);
  } catch (error) {
    if (error instanceof NoSuchEntity) return xmlError(404, 'NoSuchEntity', error.message);
    throw error;
  }
  const results = actions.flatMap((action) =>
    (resources.length > 0 ? resources : ['*']).map(
      (resource) =>
        `<member><EvalActionName>${escapeXml(action)}</EvalActionName><EvalResourceName>${escapeXml(resource)}</EvalResourceName><EvalDecision>${evaluate(documents, action, resource)}</EvalDecision><MatchedStatements/><MissingContextValues/></member>`,
    ),
  );
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`,
  };
}

export const simulatePrincipalPolicyRoute: StandinRoute = {
  name: 'iam:simulate',
  matches: (request) =>
    request.aws.service === 'iam' && request.aws.operation === 'SimulatePrincipalPolicy',
  handle: simulate,
};
