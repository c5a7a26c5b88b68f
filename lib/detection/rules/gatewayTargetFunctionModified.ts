import type { CloudTrailRecord } from '../record.js';
import type { DetectionContext, Rule, RuleMatch } from '../types.js';
import { accountOfPrincipal } from './policy.js';
import {
  failed,
  isTrustedAccount,
  lambdaFunctionName,
  param,
  principalOf,
  str,
} from './support.js';

const LAMBDA = 'lambda.amazonaws.com';
/** Lambda's CloudTrail event names carry the API version (`UpdateFunctionCode20150331v2`). */
const NAMES = [
  'UpdateFunctionCode20150331v2',
  'UpdateFunctionCode20150331',
  'UpdateFunctionConfiguration20150331v2',
  'UpdateFunctionConfiguration20150331',
  'AddPermission20150331v2',
  'AddPermission20150331',
] as const;

function functionOf(record: CloudTrailRecord): string | undefined {
  const name = str(param(record, 'functionName'));
  return name === undefined ? undefined : lambdaFunctionName(name);
}

/** Who an AddPermission statement lets invoke: `*`, another account, or a service. */
function grantee(
  record: CloudTrailRecord,
  context: DetectionContext,
): { principal: string; outside: boolean } {
  const principal = str(param(record, 'principal')) ?? 'unknown';
  if (principal === '*') return { principal, outside: true };
  const account = accountOfPrincipal(principal);
  if (account !== undefined)
    return { principal, outside: !isTrustedAccount(account, record, context) };
  return { principal, outside: false };
}

/** Code, configuration or invoke permission of a gateway target's Lambda function changed. */
export const gatewayTargetFunctionModified: Rule = {
  id: 'gateway-target-function-modified',
  title: 'Lambda function behind a gateway target modified',
  severity: 'high',
  mitre: { tactic: 'Execution', technique: 'T1648 Serverless Execution' },
  description:
    'UpdateFunctionCode, UpdateFunctionConfiguration or AddPermission on a Lambda function that a gateway target invokes (learned from CreateGatewayTarget/UpdateGatewayTarget): new code sees every tool call and its arguments and runs with the function’s role. Critical when AddPermission lets anyone or another account invoke it.',
  runbook:
    'Compare the code or configuration with the last deployment (versions, CodeSha256); roll back if unplanned; remove invoke permissions outside the gateway; review the function role’s calls since the change.',
  events: { sources: [LAMBDA], names: NAMES },
  reads: ['requestParameters.functionName', 'requestParameters.principal'],
  dedup: {
    key: (r) => `${functionOf(r) ?? ''}|${r.eventName.replace(/\d{8}(v\d+)?$/, '')}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const fn = functionOf(record);
    if (fn === undefined || context.learnedGatewayFunctions?.has(fn) !== true) return undefined;
    const action = record.eventName.replace(/\d{8}(v\d+)?$/, '');
    if (action === 'AddPermission') {
      const { principal, outside } = grantee(record, context);
      return {
        severity: outside ? 'critical' : 'high',
        summary: `gateway target function ${fn} may now be invoked by ${principal} (added by ${principalOf(record)})`,
        resource: fn,
        details: { action, principal },
        facts: [`principal=${principal}`],
      };
    }
    return {
      summary: `${action === 'UpdateFunctionCode' ? 'code' : 'configuration'} of gateway target function ${fn} changed by ${principalOf(record)}`,
      resource: fn,
      details: { action },
      facts: [`action=${action}`],
    };
  },
};
