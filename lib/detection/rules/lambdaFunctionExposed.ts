import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
import { accountOfPrincipal } from './policy.js';
import {
  accountOfArn,
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

/** Who a statement lets in from outside the trusted accounts, and how sure that is. */
interface Outsider {
  who: string;
  /** Narrowed to an organization gatewarden cannot check (its id is the caller's to choose). */
  organization?: string;
  /** A service principal with no source condition (any account's resources of that service). */
  unscoped?: boolean;
}

/**
 * Who a statement lets in, when that is outside the trusted accounts. `*` is open unless a
 * condition narrows it to a trusted source account or a source ARN in a trusted account; an
 * organization condition narrows it to an organization gatewarden cannot verify (the caller
 * names it). A service principal (`s3.amazonaws.com`, `events.amazonaws.com`…) is how
 * functions are wired to their triggers, unless its source account or source ARN is outside,
 * or neither is given (another account's bucket, topic or API could then invoke the function).
 */
function outsider(record: CloudTrailRecord, context: DetectionContext): Outsider | undefined {
  const principal = str(param(record, 'principal'));
  if (principal === undefined) return undefined;
  const sourceAccount = str(param(record, 'sourceAccount'));
  const sourceArn = str(param(record, 'sourceArn'));
  const sourceArnAccount = sourceArn === undefined ? undefined : accountOfArn(sourceArn);
  const trusted = (account: string) => isTrustedAccount(account, record, context);
  const outsideSource =
    (sourceAccount !== undefined && !trusted(sourceAccount) && sourceAccount) ||
    (sourceArnAccount !== undefined && !trusted(sourceArnAccount) && sourceArnAccount) ||
    undefined;
  if (outsideSource !== undefined) return { who: outsideSource };
  if (principal === '*') {
    if (sourceAccount !== undefined || sourceArnAccount !== undefined) return undefined;
    const organization =
      str(param(record, 'principalOrgID')) ?? str(param(record, 'organizationId'));
    if (organization !== undefined) return { who: `organization ${organization}`, organization };
    // A source ARN without an account (an S3 bucket's) names nothing gatewarden can check.
    return { who: '*' };
  }
  // A service principal with neither a source account nor a source ARN: the service invokes
  // for any account's resource (another account's topic, bucket or rule), a known backdoor.
  if (principal.endsWith('.amazonaws.com')) {
    return sourceAccount === undefined && sourceArn === undefined
      ? {
          who: `any account's ${principal.replace('.amazonaws.com', '')} resources`,
          unscoped: true,
        }
      : undefined;
  }
  const account = accountOfPrincipal(principal);
  if (account !== undefined && !trusted(account)) return { who: principal };
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
    'AddPermission granting lambda:Invoke* to `*` (unless narrowed to a trusted source account or source ARN; medium when narrowed to an organization, whose id the caller chooses), to an account outside the trusted ones, or to a service on behalf of an outside source account or ARN, or of any account (no source account nor source ARN: medium); a function URL created or updated with authType NONE; AddLayerVersionPermission sharing a layer with `*` or an outside account. Critical when the function is behind a gateway target (its code sees every tool call). Stratus aws.persistence.lambda-backdoor-function.',
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
    const gateway = context.learnedGatewayFunctions?.has(fn) === true;
    const severity = gateway ? 'critical' : 'high';
    const behind = gateway ? ' (behind a gateway target)' : '';
    if (action === 'AddPermission') {
      const out = outsider(record, context);
      if (out === undefined) return undefined;
      return {
        // An organization the caller names, or a service with no source condition, is reported
        // one step lower: it may well be ours.
        severity:
          out.organization === undefined && out.unscoped !== true
            ? severity
            : gateway
              ? 'high'
              : 'medium',
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
