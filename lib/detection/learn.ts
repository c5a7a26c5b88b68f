import type { CloudTrailRecord } from './record.js';
import { trustedPrincipals, trustsAgentCore } from './rules/policy.js';
import { param, str } from './rules/support.js';
import type { DetectionContext } from './types.js';

/** True when every principal a trust policy admits is an AWS service. */
function trustsOnlyServices(document: unknown): boolean {
  return trustedPrincipals(document).every((principal) => principal.kind === 'Service');
}

/** Learned sets stay bounded whatever the input. */
const LEARNED_CAP = 10_000;

function addCapped(set: Set<string> | undefined, value: string): void {
  if (set !== undefined && set.size < LEARNED_CAP) set.add(value);
}

/**
 * Learns deployment facts from the stream: roles trusted by AgentCore or used by a gateway
 * are gateway roles. Failed calls teach nothing. (Facts that must survive a cold start —
 * tooling, admin roles, instance profiles, gateway functions, gateway keys and policies, trail
 * buckets, recent creations, gateway rate limits — live in the state store: see
 * learnedFacts.ts.)
 */
export function learnFromRecord(record: CloudTrailRecord, context: DetectionContext): void {
  if (record.errorCode !== undefined && record.errorCode !== '') return;
  switch (record.eventName) {
    case 'CreateRole':
    case 'UpdateAssumeRolePolicy': {
      const role = str(param(record, 'roleName'));
      const document = param(record, 'assumeRolePolicyDocument') ?? param(record, 'policyDocument');
      if (role === undefined) return;
      // Only a role that nothing but AWS services can assume is a gateway role: one that also
      // trusts a user or account would make that principal an "expected" gateway secret reader.
      if (trustsAgentCore(document) && trustsOnlyServices(document)) {
        addCapped(context.learnedGatewayRoles, role);
      } else {
        context.learnedGatewayRoles?.delete(role);
      }
      return;
    }
    case 'CreateGateway':
    case 'UpdateGateway': {
      const roleArn = str(param(record, 'roleArn'));
      const name = roleArn?.split('/').pop();
      if (name !== undefined && roleArn?.includes(':role/')) {
        addCapped(context.learnedGatewayRoles, name);
      }
      return;
    }
    default:
      return;
  }
}
