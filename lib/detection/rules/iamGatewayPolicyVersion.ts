import { FACTS, knownBefore } from '../learnedFacts.js';
import type { Rule } from '../types.js';
import { IAM, failed, matchesPattern, param, principalOf, str } from './support.js';

/**
 * A new default version of a managed policy attached to a gateway role (learned from
 * AttachRolePolicy in the stream, or named like a gateway policy).
 */
export const iamGatewayPolicyVersion: Rule = {
  id: 'iam-gateway-policy-version',
  title: 'New default version of a gateway role policy',
  severity: 'high',
  mitre: { tactic: 'Privilege Escalation', technique: 'T1098 Account Manipulation' },
  description:
    'CreatePolicyVersion with setAsDefault, or SetDefaultPolicyVersion, changed the effective permissions of a policy attached to a gateway role.',
  runbook:
    'Diff the new version against the previous one (GetPolicyVersion); set the previous version back as default if the change is not approved.',
  events: { sources: [IAM], names: ['CreatePolicyVersion', 'SetDefaultPolicyVersion'] },
  reads: ['requestParameters.policyArn', 'requestParameters.setAsDefault'],
  dedup: { key: (r) => str(param(r, 'policyArn')) ?? '', windowSeconds: 3600 },
  lastState: true,
  evaluate(record, context) {
    if (failed(record)) return undefined;
    if (record.eventName === 'CreatePolicyVersion' && param(record, 'setAsDefault') !== true) {
      return undefined;
    }
    const policyArn = str(param(record, 'policyArn'));
    if (policyArn === undefined) return undefined;
    // Learned from AttachRolePolicy and kept in the state store (learnedFacts.ts).
    const learned = knownBefore(record, context, FACTS.gatewayPolicy, policyArn);
    const named = context.gatewayRolePrincipals.some((p) =>
      matchesPattern(policyArn.split('/').pop() ?? '', p),
    );
    if (!learned && !named) return undefined;
    return {
      summary: `new default version of gateway policy ${policyArn} set by ${principalOf(record)}`,
      resource: policyArn,
      details: { attachedToGatewayRole: learned },
    };
  },
};
