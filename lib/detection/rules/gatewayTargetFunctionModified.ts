import type { CloudTrailRecord } from '../record.js';
import type { Rule, RuleMatch } from '../types.js';
import { byAutomation, shown } from './lastState.js';
import { foreignLayers, gatewaysBehind, outsider } from './lambdaGrants.js';
import { failed, lambdaAction, lambdaFunctionName, param, principalOf, str } from './support.js';

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

/** What an update changes that can plant code or take a role. */
function settingsChanged(record: CloudTrailRecord): string[] {
  return (['layers', 'role', 'environment'] as const).filter(
    (key) => param(record, key) !== undefined,
  );
}

/**
 * Code, configuration or invoke permission of a gateway target's Lambda function changed: the
 * one finding for such a change (lambda-function-changed and lambda-function-exposed stay
 * silent for it), naming the gateways. Functions behind targets are a learned fact kept in the
 * state store, so a cold container still knows them.
 */
export const gatewayTargetFunctionModified: Rule = {
  id: 'gateway-target-function-modified',
  title: 'Lambda function behind a gateway target modified',
  severity: 'high',
  mitre: { tactic: 'Execution', technique: 'T1648 Serverless Execution' },
  description:
    'UpdateFunctionCode, UpdateFunctionConfiguration or AddPermission on a Lambda function that a gateway target invokes (learned from CreateGatewayTarget/UpdateGatewayTarget, kept in the state table): new code sees every tool call and its arguments and runs with the function’s role. Critical when AddPermission lets anyone, another account or any account’s service resources invoke it, or an update adds a layer from an outside account outside a planned deployment. The generic Lambda rules stay silent for these functions: this is the one finding, naming the gateway.',
  runbook:
    'Compare the code or configuration with the last deployment (versions, CodeSha256, layer owners); roll back if unplanned; remove invoke permissions outside the gateway; review the function role’s calls since the change.',
  events: { sources: [LAMBDA], names: NAMES },
  lastState: true,
  reads: [
    'requestParameters.functionName',
    'requestParameters.principal',
    'requestParameters.principalOrgID',
    'requestParameters.organizationId',
    'requestParameters.sourceAccount',
    'requestParameters.sourceArn',
    'requestParameters.layers',
    'requestParameters.role',
    'requestParameters.environment',
  ],
  dedup: {
    key: (r) => `${functionOf(r) ?? ''}|${lambdaAction(r.eventName)}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const fn = functionOf(record);
    const gateways = gatewaysBehind(record, context);
    if (fn === undefined || gateways === undefined) return undefined;
    const behind = `gateway ${gateways
      .slice(0, 3)
      .map((id) => shown(id, 64))
      .join(', ')}${gateways.length > 3 ? ` and ${gateways.length - 3} more` : ''}`;
    const details = { gateway: gateways[0] ?? '', gateways: gateways.length };
    const action = lambdaAction(record.eventName);
    if (action === 'AddPermission') {
      const principal = str(param(record, 'principal')) ?? 'unknown';
      const out = outsider(record, context);
      const who = out === undefined ? principal : out.who === '*' ? 'anyone' : out.who;
      return {
        // Outside the trusted accounts: critical; an organization the caller names, or a
        // service with no source condition, one step lower (it may well be ours).
        severity:
          out === undefined || out.organization !== undefined || out.unscoped === true
            ? 'high'
            : 'critical',
        summary: `gateway target function ${fn} (${behind}) may now be invoked by ${who} (added by ${principalOf(record)})`,
        resource: fn,
        details: { ...details, action, principal: out?.who ?? principal },
        facts: [`principal=${out?.who ?? principal}`],
      };
    }
    const foreign = byAutomation(record, context) ? [] : foreignLayers(record, context);
    const what = action === 'UpdateFunctionCode' ? ['code'] : settingsChanged(record);
    const summary = `${what.length === 0 ? 'configuration' : what.join(', ')} of gateway target function ${fn} (${behind}) changed by ${principalOf(record)}`;
    return {
      ...(foreign.length > 0 ? { severity: 'critical' as const } : {}),
      summary:
        foreign.length > 0
          ? `${summary}, with a layer from another account (${foreign.join(', ')})`
          : summary,
      resource: fn,
      details: {
        ...details,
        action,
        ...(foreign.length > 0 ? { foreignLayers: foreign.length } : {}),
      },
      facts: [`action=${action}`, ...foreign.map((arn) => `layer=${arn}`).slice(0, 4)],
    };
  },
};
