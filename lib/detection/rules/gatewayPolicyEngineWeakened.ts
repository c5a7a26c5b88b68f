import type { Rule, RuleMatch } from '../types.js';
import { NONE } from '../stateTrackers.js';
import { foreignArn, gatewayChange, shown } from './lastState.js';
import { AGENTCORE, failed, gatewayIdOf, param, principalOf, response, str } from './support.js';

/**
 * Field names and values from the AgentCore control-plane model
 * (`@aws-sdk/client-bedrock-agentcore-control`, service 2023-06-05):
 * - CreateGateway / UpdateGateway: `policyEngineConfiguration` (GatewayPolicyEngineConfiguration)
 *   `{ arn, mode }`, `mode` a GatewayPolicyEngineMode: `ENFORCE` | `LOG_ONLY`. UpdateGateway is a
 *   full replace (name, roleArn and authorizerType are required), so an update without
 *   `policyEngineConfiguration` detaches the engine.
 * - DeletePolicyEngine: `policyEngineId`.
 * - UpdatePolicy: `policyEngineId`, `policyId`, `enforcementMode`: `ACTIVE` | `LOG_ONLY` (a
 *   different enum from the gateway's).
 * - CreatePolicyEngine: `name`, `encryptionKeyArn`; UpdatePolicyEngine: `policyEngineId` and
 *   `description` only (nothing to weaken); StartPolicyGeneration: `policyEngineId`,
 *   `resource`, `content` (it only drafts policies: applying one is a CreatePolicy, which
 *   gateway-policy-weakened reads). Both leave an info trace only.
 *
 * The detach is read against the gateway's last known configuration (state table), so it holds
 * across cold starts and whatever order the records arrive in.
 */
const LOG_ONLY = 'LOG_ONLY';

/** A gateway's policy engine set to log-only or detached, a policy engine or policy disarmed. */
export const gatewayPolicyEngineWeakened: Rule = {
  id: 'gateway-policy-engine-weakened',
  title: 'Gateway policy engine weakened',
  severity: 'high',
  mitre: { tactic: 'Defense Evasion', technique: 'T1562 Impair Defenses' },
  description:
    'The policy engine authorizing a gateway’s tool calls stopped enforcing: the gateway’s policyEngineConfiguration mode set to LOG_ONLY (high on update, medium on create), an UpdateGateway without policyEngineConfiguration on a gateway seen with one (detached), a policy engine deleted, or a policy’s enforcementMode switched to LOG_ONLY. Decisions are then only logged, every tool call is allowed.',
  runbook:
    'Put the gateway’s policyEngineConfiguration back with mode ENFORCE (or the policy’s enforcementMode back to ACTIVE); confirm the change with the gateway owner; review InvokeGateway calls and policy-engine traces since the change for tool calls the policies would have denied.',
  events: {
    sources: [AGENTCORE],
    names: [
      'CreateGateway',
      'UpdateGateway',
      'DeletePolicyEngine',
      'UpdatePolicy',
      'CreatePolicyEngine',
      'UpdatePolicyEngine',
      'StartPolicyGeneration',
    ],
  },
  lastState: true,
  reads: [
    'requestParameters.gatewayIdentifier',
    'requestParameters.authorizerType',
    'requestParameters.roleArn',
    'requestParameters.policyEngineConfiguration',
    'requestParameters.policyEngineId',
    'requestParameters.policyId',
    'requestParameters.enforcementMode',
    'requestParameters.encryptionKeyArn',
    'responseElements.gatewayId',
    'responseElements.policyEngineConfiguration',
    'responseElements.policyEngineId',
  ],
  dedup: {
    key: (r) =>
      `${gatewayIdOf(r) ?? str(param(r, 'policyEngineId')) ?? principalOf(r)}|${str(param(r, 'policyId')) ?? ''}`,
    windowSeconds: 3600,
  },
  evaluate(record, context): RuleMatch | undefined {
    if (failed(record)) return undefined;
    const who = principalOf(record);
    switch (record.eventName) {
      case 'CreateGateway':
      case 'UpdateGateway': {
        const gatewayId = gatewayIdOf(record) ?? 'new gateway';
        const engine = str(param(record, 'policyEngineConfiguration', 'arn'));
        const mode = str(param(record, 'policyEngineConfiguration', 'mode'));
        if (mode === LOG_ONLY) {
          return {
            severity: record.eventName === 'CreateGateway' ? 'medium' : 'high',
            summary: `gateway ${gatewayId} policy engine set to LOG_ONLY (not enforced) by ${who}`,
            resource: gatewayId,
            details: { policyEngineArn: engine ?? 'unknown', mode },
            facts: ['policyEngineMode=LOG_ONLY'],
          };
        }
        const change =
          record.eventName === 'UpdateGateway'
            ? gatewayChange(record, context, ['policyEngineArn'])
            : undefined;
        const before = change?.previous?.policyEngineArn;
        if (change?.current.policyEngineArn === NONE && before !== undefined && before !== NONE) {
          return {
            summary: `gateway ${gatewayId} policy engine detached (update without policyEngineConfiguration) by ${who}`,
            resource: gatewayId,
            details: {
              policyEngineConfiguration: 'missing',
              previousPolicyEngineArn: shown(before),
            },
            facts: ['policyEngine=detached'],
          };
        }
        return undefined;
      }
      case 'DeletePolicyEngine': {
        const engine =
          str(param(record, 'policyEngineId')) ?? str(response(record, 'policyEngineArn'));
        return {
          summary: `policy engine ${engine ?? 'unknown'} deleted by ${who}`,
          resource: engine,
          facts: ['policyEngine=deleted'],
        };
      }
      case 'UpdatePolicy': {
        if (str(param(record, 'enforcementMode')) !== LOG_ONLY) return undefined;
        const engine = str(param(record, 'policyEngineId')) ?? 'unknown';
        const policy = str(param(record, 'policyId')) ?? 'unknown';
        return {
          summary: `policy ${policy} of policy engine ${engine} switched to LOG_ONLY (not enforced) by ${who}`,
          resource: `${engine}/${policy}`,
          details: { enforcementMode: LOG_ONLY },
          facts: ['policyEnforcementMode=LOG_ONLY'],
        };
      }
      case 'CreatePolicyEngine': {
        const key = str(param(record, 'encryptionKeyArn'));
        if (key === undefined || !foreignArn(key, record, context)) return undefined;
        const engine = str(response(record, 'policyEngineId')) ?? 'new policy engine';
        return {
          severity: 'medium',
          summary: `policy engine ${engine} created with KMS key ${shown(key)} of another account by ${who}`,
          resource: engine,
          details: { encryptionKeyArn: shown(key) },
          facts: ['policyEngineKey=foreign'],
        };
      }
      case 'UpdatePolicyEngine':
      case 'StartPolicyGeneration': {
        // Nothing to weaken (a description; drafts that a CreatePolicy must apply): a trace.
        const engine = str(param(record, 'policyEngineId')) ?? 'unknown';
        const drafted = record.eventName === 'StartPolicyGeneration';
        return {
          severity: 'info',
          summary: `policy engine ${engine} ${drafted ? 'asked to draft policies' : 'description updated'} by ${who}`,
          resource: engine,
        };
      }
      default:
        return undefined;
    }
  },
};
