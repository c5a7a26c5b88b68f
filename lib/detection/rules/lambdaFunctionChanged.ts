import type { CloudTrailRecord } from '../record.js';
import { byAutomation } from './lastState.js';
import {
  raise,
  type DetectionContext,
  type Rule,
  type RuleMatch,
  type Severity,
} from '../types.js';
import {
  accountOfArn,
  failed,
  homeAccount,
  isTrustedAccount,
  lambdaAction,
  lambdaFunctionName,
  obj,
  param,
  principalOf,
  roleNameOf,
  stableCaller,
  str,
  strings,
} from './support.js';

const LAMBDA = 'lambda.amazonaws.com';
const NAMES = [
  'CreateFunction20150331',
  'UpdateFunctionCode20150331v2',
  'UpdateFunctionCode20150331',
  'UpdateFunctionConfiguration20150331v2',
  'UpdateFunctionConfiguration20150331',
] as const;

/** The function a record is about, per account and region (names are unique only there). */
function subjectOf(record: CloudTrailRecord): string | undefined {
  const name = str(param(record, 'functionName'));
  if (name === undefined) return undefined;
  return `${homeAccount(record) ?? ''}|${record.awsRegion ?? ''}|${lambdaFunctionName(name)}`;
}

/** Layer version ARNs a create or update sets (request strings, or the response's `{arn}`). */
function layersOf(record: CloudTrailRecord): string[] {
  const requested = param(record, 'layers');
  if (requested === undefined) return [];
  const arns = strings(requested);
  return arns.length > 0 || !Array.isArray(requested)
    ? arns
    : requested.map((layer) => str(obj(layer)?.arn)).filter((a): a is string => a !== undefined);
}

/**
 * A person, not a pipeline: an IAM user, a federated user, root, or an IAM Identity Center
 * session (`AWSReservedSSO_…` roles). Changing a function's code or configuration by hand
 * bypasses the deployment's review.
 */
function byPerson(record: CloudTrailRecord): boolean {
  const type = record.userIdentity.type;
  if (type === 'IAMUser' || type === 'FederatedUser' || type === 'Root') return true;
  const issuer = record.userIdentity.sessionContext?.sessionIssuer?.arn ?? '';
  return (
    (roleNameOf(record) ?? '').startsWith('AWSReservedSSO_') &&
    issuer.includes(':role/aws-reserved/sso.amazonaws.com/')
  );
}

/** What an update changes that can plant code or take a role: code, layers, role, environment. */
function changed(record: CloudTrailRecord, action: string): string[] {
  if (action === 'UpdateFunctionCode') return ['code'];
  const what: string[] = [];
  if (param(record, 'layers') !== undefined) what.push('layers');
  if (param(record, 'role') !== undefined) what.push('role');
  if (param(record, 'environment') !== undefined) what.push('environment');
  return what;
}

/**
 * Code, layers, role or environment of any Lambda function changed by a person, by a principal
 * that never changed that function before (baseline per function, fed by its creation), or
 * with a layer from an account outside the trusted ones (certain). Deploy automation
 * (configured `automationPrincipals` ARNs) only feeds the baseline; a stack run by anyone else
 * is judged like its caller (anyone allowed cloudformation:CreateStack makes one).
 */
export const lambdaFunctionChanged: Rule = {
  id: 'lambda-function-changed',
  title: 'Lambda function code, layers, role or environment changed by an unusual principal',
  severity: 'medium',
  mitre: { tactic: 'Persistence', technique: 'T1525 Implant Internal Image' },
  description:
    'UpdateFunctionCode, or UpdateFunctionConfiguration setting layers, role or environment, on any function: by a person (IAM user, federated user, root, Identity Center session; low when that person changed the function before), by a role that never changed the function before (medium), or attaching a layer from an outside account outside a planned deployment (high). One step higher behind a gateway target. Stratus aws.persistence.lambda-overwrite-code and lambda-layer-extension.',
  runbook:
    'Compare the code (CodeSha256) or configuration with the last deployment; check each layer ARN’s owner and the role now attached; roll back and rotate what the function’s role can reach if unplanned.',
  events: { sources: [LAMBDA], names: NAMES },
  reads: [
    'requestParameters.functionName',
    'requestParameters.layers',
    'requestParameters.role',
    'requestParameters.environment',
  ],
  dedup: {
    key: (r) => `${subjectOf(r) ?? ''}|${stableCaller(r)}|${lambdaAction(r.eventName)}`,
    windowSeconds: 3600,
  },
  baseline: {
    dimension: 'lambda-changer',
    subject: subjectOf,
    values: (r) => [stableCaller(r)],
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const subject = subjectOf(record);
    if (subject === undefined) return undefined;
    const fn = subject.split('|')[2] ?? subject;
    const action = lambdaAction(record.eventName);
    const gateway = context.learnedGatewayFunctions?.has(fn) === true;
    const behind = gateway ? ' (behind a gateway target)' : '';
    const what = action === 'CreateFunction' ? [] : changed(record, action);
    const planned = byAutomation(record, context);
    const foreign = planned ? [] : layersOf(record).filter((arn) => outside(arn, record, context));
    if (foreign.length > 0) {
      return {
        severity: gateway ? 'critical' : 'high',
        summary: `function ${fn}${behind} given a layer from another account (${foreign.join(', ')}) by ${principalOf(record)}`,
        resource: fn,
        details: { action, foreignLayers: foreign.length, gatewayTarget: gateway },
        facts: foreign.map((arn) => `layer=${arn}`).slice(0, 4),
        certain: true,
      };
    }
    // Creations, planned deployments and harmless setting changes only teach the baseline.
    if (what.length === 0 || planned) {
      return { summary: `function ${fn} deployed`, resource: fn, observeOnly: true };
    }
    const person = byPerson(record);
    const summary = `${what.join(', ')} of function ${fn}${behind} changed by ${principalOf(record)}${person ? ' by hand' : ''}`;
    // A person is reported anyway (low when they changed this function before); a role only
    // when it never changed this function before.
    const known: Severity = person ? 'low' : 'medium';
    const novel: Severity = person ? raise(known) : known;
    return {
      severity: gateway ? raise(known) : known,
      summary,
      resource: fn,
      details: { action, changed: what.join(','), byPerson: person, gatewayTarget: gateway },
      facts: what.map((w) => `changed=${w}`),
      certain: person,
      whenNew: {
        severity: gateway ? raise(novel) : novel,
        summary: `${summary}, who never changed it before`,
        facts: ['changer=new'],
      },
    };
  },
};

/** A layer version ARN owned by an account outside the trusted ones (AWS-published layers too). */
function outside(arn: string, record: CloudTrailRecord, context: DetectionContext): boolean {
  const account = accountOfArn(arn);
  return account !== undefined && !isTrustedAccount(account, record, context);
}
