import type { CloudTrailRecord } from '../record.js';
import { byAutomation } from './lastState.js';
import { foreignLayers, gatewaysBehind } from './lambdaGrants.js';
import { raise, type Rule, type RuleMatch, type Severity } from '../types.js';
import {
  failed,
  homeAccount,
  lambdaAction,
  lambdaFunctionName,
  param,
  principalOf,
  roleNameOf,
  stableCaller,
  str,
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
    'UpdateFunctionCode, or UpdateFunctionConfiguration setting layers, role or environment, on any function: by a person (IAM user, federated user, root, Identity Center session; low when that person changed the function before), by a role that never changed the function before (medium), or attaching a layer from an outside account outside a planned deployment (high). An update of a function behind a gateway target is gateway-target-function-modified’s finding alone (this rule keeps only its baseline). Stratus aws.persistence.lambda-overwrite-code and lambda-layer-extension.',
  runbook:
    'Compare the code (CodeSha256) or configuration with the last deployment; check each layer ARN’s owner and the role now attached; roll back and rotate what the function’s role can reach if unplanned.',
  events: { sources: [LAMBDA], names: NAMES },
  lastState: true,
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
    const what = action === 'CreateFunction' ? [] : changed(record, action);
    // Behind a gateway target, gateway-target-function-modified carries an update (one
    // finding, naming the gateway); this rule only keeps its baseline of who changes it.
    if (action !== 'CreateFunction' && gatewaysBehind(record, context) !== undefined) {
      return { summary: `function ${fn} changed`, resource: fn, observeOnly: true };
    }
    const planned = byAutomation(record, context);
    const foreign = planned ? [] : foreignLayers(record, context);
    if (foreign.length > 0) {
      return {
        severity: 'high',
        summary: `function ${fn} given a layer from another account (${foreign.join(', ')}) by ${principalOf(record)}`,
        resource: fn,
        details: { action, foreignLayers: foreign.length },
        facts: foreign.map((arn) => `layer=${arn}`).slice(0, 4),
        certain: true,
      };
    }
    // Creations, planned deployments and harmless setting changes only teach the baseline.
    if (what.length === 0 || planned) {
      return { summary: `function ${fn} deployed`, resource: fn, observeOnly: true };
    }
    const person = byPerson(record);
    const summary = `${what.join(', ')} of function ${fn} changed by ${principalOf(record)}${person ? ' by hand' : ''}`;
    // A person is reported anyway (low when they changed this function before); a role only
    // when it never changed this function before.
    const known: Severity = person ? 'low' : 'medium';
    const novel: Severity = person ? raise(known) : known;
    return {
      severity: known,
      summary,
      resource: fn,
      details: { action, changed: what.join(','), byPerson: person },
      facts: what.map((w) => `changed=${w}`),
      certain: person,
      whenNew: {
        severity: novel,
        summary: `${summary}, who never changed it before`,
        facts: ['changer=new'],
      },
    };
  },
};
