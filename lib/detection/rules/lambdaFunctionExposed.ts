import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
import { accountOfPrincipal } from './policy.js';
import {
  failed,
  isTrustedAccount,
  lambdaAction,
  lambdaFunctionName,
  param,
  principalOf,
  str,
} from './support.js';

const LAMBDA = 'lambda.amazonaws.com';
const NAMES = [
  'AddPermission20150331v2',
  'AddPermission20150331',
  'CreateFunctionUrlConfig20211031',
  'UpdateFunctionUrlConfig20211031',
  'AddLayerVersionPermission20181031',
] as const;

/**
 * Who a statement lets in, when that is outside the organisation: `*` (unless narrowed to an
 * organization, a source account or a source ARN) or an account that is not trusted. A
 * service principal (`s3.amazonaws.com`, `events.amazonaws.com`…) is how functions are wired
 * to their triggers: not exposure.
 */
function outsider(record: CloudTrailRecord, context: DetectionContext): string | undefined {
  const principal = str(param(record, 'principal'));
  if (principal === undefined) return undefined;
  if (principal === '*') {
    const narrowed =
      str(param(record, 'principalOrgID')) ??
      str(param(record, 'organizationId')) ??
      str(param(record, 'sourceAccount')) ??
      str(param(record, 'sourceArn'));
    return narrowed === undefined ? '*' : undefined;
  }
  const account = accountOfPrincipal(principal);
  if (account !== undefined && !isTrustedAccount(account, record, context)) return principal;
  return undefined;
}

/**
 * A Lambda function (any, not only gateway targets) or layer opened beyond the account: an
 * invoke permission for `*` or another account, a function URL without authentication, a
 * layer version shared with everyone or another account. Persistence: whoever holds the
 * outside principal can run the function's code (and its role) at will.
 */
export const lambdaFunctionExposed: Rule = {
  id: 'lambda-function-exposed',
  title: 'Lambda function or layer opened to another account or the internet',
  severity: 'high',
  mitre: { tactic: 'Persistence', technique: 'T1098 Account Manipulation' },
  description:
    'AddPermission granting lambda:Invoke* to `*` (without an organization, source account or source ARN condition) or to an account outside the trusted ones; a function URL created or updated with authType NONE; AddLayerVersionPermission sharing a layer with `*` or an outside account. Critical when the function is behind a gateway target (its code sees every tool call). Stratus aws.persistence.lambda-backdoor-function.',
  runbook:
    'Read the function’s resource policy (GetPolicy) or URL configuration; remove the statement or set the URL’s authType to AWS_IAM if unplanned; review the function’s invocations and role activity since the change.',
  events: { sources: [LAMBDA], names: NAMES },
  reads: [
    'requestParameters.functionName',
    'requestParameters.principal',
    'requestParameters.principalOrgID',
    'requestParameters.organizationId',
    'requestParameters.sourceAccount',
    'requestParameters.sourceArn',
    'requestParameters.authType',
    'requestParameters.layerName',
    'requestParameters.versionNumber',
  ],
  dedup: {
    key: (r) =>
      `${str(param(r, 'functionName')) ?? str(param(r, 'layerName')) ?? ''}|${lambdaAction(r.eventName)}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const action = lambdaAction(record.eventName);
    if (action === 'AddLayerVersionPermission') {
      const layer = str(param(record, 'layerName'));
      const who = outsider(record, context);
      if (layer === undefined || who === undefined) return undefined;
      const version = param(record, 'versionNumber');
      return {
        summary: `layer ${layer}${typeof version === 'number' ? ` version ${version}` : ''} shared with ${who === '*' ? 'every AWS account' : who} by ${principalOf(record)}`,
        resource: layer,
        details: { action, principal: who },
        facts: [`principal=${who}`],
      };
    }
    const name = str(param(record, 'functionName'));
    if (name === undefined) return undefined;
    const fn = lambdaFunctionName(name);
    const gateway = context.learnedGatewayFunctions?.has(fn) === true;
    const severity = gateway ? 'critical' : 'high';
    const behind = gateway ? ' (behind a gateway target)' : '';
    if (action === 'AddPermission') {
      const who = outsider(record, context);
      if (who === undefined) return undefined;
      return {
        severity,
        summary: `function ${fn}${behind} may now be invoked by ${who === '*' ? 'anyone' : who} (added by ${principalOf(record)})`,
        resource: fn,
        details: { action, principal: who, gatewayTarget: gateway },
        facts: [`principal=${who}`],
      };
    }
    if (str(param(record, 'authType')) !== 'NONE') return undefined;
    return {
      severity,
      summary: `function ${fn}${behind} has a public URL without authentication (authType NONE, set by ${principalOf(record)})`,
      resource: fn,
      details: { action, authType: 'NONE', gatewayTarget: gateway },
      facts: ['authType=NONE'],
    };
  },
};
