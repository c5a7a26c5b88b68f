import type { Rule, RuleMatch } from '../types.js';
import { gatewaysBehind, outsider } from './lambdaGrants.js';
import { failed, lambdaAction, lambdaFunctionName, param, principalOf, str } from './support.js';

const LAMBDA = 'lambda.amazonaws.com';
const NAMES = [
  'AddPermission20150331v2',
  'AddPermission20150331',
  'CreateFunctionUrlConfig20211031',
  'UpdateFunctionUrlConfig20211031',
  'AddLayerVersionPermission20181031',
] as const;

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
    'AddPermission granting lambda:Invoke* to `*` (unless narrowed to a trusted source account or source ARN; medium when narrowed to an organization, whose id the caller chooses), to an account outside the trusted ones, or to a service on behalf of an outside source account or ARN, or of any account (no source account nor source ARN: medium); a function URL created or updated with authType NONE; AddLayerVersionPermission sharing a layer with `*` or an outside account. A function URL without authentication is critical when the function is behind a gateway target (its code sees every tool call); an invoke permission on such a function is gateway-target-function-modified’s finding alone. Stratus aws.persistence.lambda-backdoor-function.',
  runbook:
    'Read the function’s resource policy (GetPolicy) or URL configuration; remove the statement or set the URL’s authType to AWS_IAM if unplanned; review the function’s invocations and role activity since the change.',
  events: { sources: [LAMBDA], names: NAMES },
  lastState: true,
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
      const out = outsider(record, context);
      if (layer === undefined || out === undefined) return undefined;
      const version = param(record, 'versionNumber');
      return {
        ...(out.organization === undefined ? {} : { severity: 'medium' as const }),
        summary: `layer ${layer}${typeof version === 'number' ? ` version ${version}` : ''} shared with ${out.who === '*' ? 'every AWS account' : out.who} by ${principalOf(record)}`,
        resource: layer,
        details: { action, principal: out.who },
        facts: [`principal=${out.who}`],
      };
    }
    const name = str(param(record, 'functionName'));
    if (name === undefined) return undefined;
    const fn = lambdaFunctionName(name);
    const gateway = gatewaysBehind(record, context) !== undefined;
    const severity = gateway ? 'critical' : 'high';
    const behind = gateway ? ' (behind a gateway target)' : '';
    if (action === 'AddPermission') {
      // Behind a gateway target, gateway-target-function-modified carries it (one finding).
      const out = gateway ? undefined : outsider(record, context);
      if (out === undefined) return undefined;
      return {
        // An organization the caller names, or a service with no source condition, is reported
        // one step lower: it may well be ours.
        severity: out.organization === undefined && out.unscoped !== true ? severity : 'medium',
        summary: `function ${fn}${behind} may now be invoked by ${out.who === '*' ? 'anyone' : out.who} (added by ${principalOf(record)})`,
        resource: fn,
        details: { action, principal: out.who, gatewayTarget: gateway },
        facts: [`principal=${out.who}`],
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
