import type { Rule, RuleMatch } from '../types.js';
import {
  byAutomation,
  foreignArn,
  gatewayChange,
  interceptorsAddedOrChanged,
  shown,
} from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, principalOf } from './support.js';

/**
 * Model (`@aws-sdk/client-bedrock-agentcore-control`): CreateGateway / UpdateGateway
 * `interceptorConfigurations[]` = `{ interceptor: { lambda: { arn } }, interceptionPoints:
 * (REQUEST | RESPONSE)[], inputConfiguration?: { passRequestHeaders, payloadFilter } }`.
 * UpdateGateway is a full replace: the list in the request is the gateway's whole list.
 */

/** The gateway fields this rule compares. */
const KEYS = ['interceptors'] as const;

export const gatewayInterceptorChanged: Rule = {
  id: 'gateway-interceptor-changed',
  title: 'Gateway interceptor added or changed',
  severity: 'high',
  mitre: { tactic: 'Collection', technique: 'T1557 Adversary-in-the-Middle' },
  description:
    'A gateway interceptor (a Lambda the gateway calls on every tool call, before the target and/or on the response) was added or its configuration changed, compared with the gateway’s last known configuration. High when the Lambda is in an untrusted account, when passRequestHeaders is on (the Lambda receives the callers’ request headers, tokens included) or when the change was not made by deploy automation (a configured automationPrincipals role ARN: a CloudFormation, CDK, Terraform or pipeline role; a stack run by an unlisted role is not automation); medium otherwise. Removing an interceptor is medium, low by deploy automation.',
  runbook:
    'Identify the Lambda and its owner; if the change was not planned, restore the gateway’s interceptor list from its definition, review what the Lambda logged or forwarded, and rotate the inbound credentials whose headers it may have seen.',
  events: { sources: [AGENTCORE], names: ['CreateGateway', 'UpdateGateway'] },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.interceptorConfigurations',
    'responseElements.gatewayId',
    'responseElements.interceptorConfigurations',
  ],
  dedup: { key: (r) => gatewayIdOf(r) ?? '', windowSeconds: 3600 },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const change = gatewayChange(record, context, KEYS);
    const current = change?.current.interceptors;
    if (change === undefined || current === undefined) return undefined;
    const gatewayId = gatewayIdOf(record) ?? 'unknown';
    const who = principalOf(record);
    const before = change.previous?.interceptors;
    if (change.previous === undefined || before === undefined) {
      // No earlier state: only what is dangerous in itself is worth a word.
      const risky = current.filter(
        (i) => i.passRequestHeaders || foreignArn(i.lambdaArn, record, context),
      );
      if (risky.length === 0) return undefined;
      return {
        severity: 'medium',
        summary: `gateway ${gatewayId} has interceptor ${shown(risky.map((i) => i.lambdaArn).join(', '))} (${describe(risky[0], record, context)}; earlier configuration unknown), set by ${who}`,
        resource: gatewayId,
        details: { interceptors: current.length, earlierStateKnown: false },
        facts: risky.map((i) => `interceptor=${i.lambdaArn}`),
      };
    }
    const touched = interceptorsAddedOrChanged(before, current);
    if (touched.length === 0) {
      const removed = before.filter((b) => !current.some((c) => c.lambdaArn === b.lambdaArn));
      if (removed.length === 0) return undefined;
      // An interceptor may be the gateway's guard (a request filter): its removal outside
      // deploy automation is worth a look.
      const automated = byAutomation(record, context);
      return {
        severity: automated ? 'low' : 'medium',
        summary: `gateway ${gatewayId} interceptor ${shown(removed.map((i) => i.lambdaArn).join(', '))} removed${automated ? '' : ' outside deploy automation'} by ${who}`,
        resource: gatewayId,
        details: { removed: removed.length, automation: automated },
      };
    }
    const automated = byAutomation(record, context);
    const high = touched.some(
      ({ interceptor }) =>
        interceptor.passRequestHeaders || foreignArn(interceptor.lambdaArn, record, context),
    );
    const first = touched[0];
    return {
      severity: high || !automated ? 'high' : 'medium',
      summary: `gateway ${gatewayId} interceptor ${shown(touched.map((t) => t.interceptor.lambdaArn).join(', '))} ${first?.added ? 'added' : 'changed'} (${describe(first?.interceptor, record, context)}${automated ? '' : ', outside deploy automation'}) by ${who}`,
      resource: gatewayId,
      details: {
        interceptors: touched.length,
        passRequestHeaders: touched.some((t) => t.interceptor.passRequestHeaders),
        automation: automated,
      },
      facts: touched.map((t) => `interceptor=${t.interceptor.lambdaArn}`),
    };
  },
};

function describe(
  interceptor: { lambdaArn: string; points: string[]; passRequestHeaders: boolean } | undefined,
  record: Parameters<Rule['evaluate']>[0],
  context: Parameters<Rule['evaluate']>[1],
): string {
  if (interceptor === undefined) return 'unknown';
  const parts = [interceptor.points.join('+') || 'no interception point'];
  if (interceptor.passRequestHeaders) parts.push('request headers passed');
  if (foreignArn(interceptor.lambdaArn, record, context)) parts.push('Lambda in another account');
  return parts.join(', ');
}
