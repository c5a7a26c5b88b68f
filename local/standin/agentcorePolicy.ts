/**
 * AgentCore control-plane operations moto 5.2.5 lacks, for gateway posture on the local stack.
 * TEST/DEMO COMPONENT — not product code.
 *
 * - Resource policies: `PutResourcePolicy` / `GetResourcePolicy` / `DeleteResourcePolicy` at
 *   `/resourcepolicy/<ARN>` for gateways moto holds (a gateway moto does not know is a
 *   ResourceNotFound; a gateway without a policy too, as on AWS).
 * - AgentCore Policy: policy engines (`/policy-engines`, Create/Get/List/Delete) and their
 *   policies (`/policy-engines/<id>/policies`, Create/Get/List/Update/Delete). Statements are
 *   stored as sent (Cedar is not parsed here); engines and policies are ACTIVE at once.
 *
 * State is per account and region; requests are validated against the botocore model first.
 */
import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { randomBytes } from 'node:crypto';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import { conflict, notFound, restJson, validation } from './http.js';

const OPERATIONS = new Set([
  'PutResourcePolicy',
  'GetResourcePolicy',
  'DeleteResourcePolicy',
  'CreatePolicyEngine',
  'GetPolicyEngine',
  'ListPolicyEngines',
  'DeletePolicyEngine',
  'CreatePolicy',
  'GetPolicy',
  'ListPolicies',
  'UpdatePolicy',
  'DeletePolicy',
]);

interface PolicyRecord {
  policyId: string;
  name: string;
  policyEngineId: string;
  policyArn: string;
  definition: unknown;
  description?: string;
  enforcementMode?: string;
  createdAt: Date;
  updatedAt: Date;
}

interface EngineRecord {
  policyEngineId: string;
  name: string;
  policyEngineArn: string;
  description?: string;
  encryptionKeyArn?: string;
  createdAt: Date;
  updatedAt: Date;
  policies: Map<string, PolicyRecord>;
}

interface Space {
  resourcePolicies: Map<string, string>;
  engines: Map<string, EngineRecord>;
}

const GATEWAY_ARN = /^arn:aws:bedrock-agentcore:([\w-]+):(\d{12}):gateway\/([\w-]+)$/;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const newId = (prefix: string): string =>
  `${prefix}${randomBytes(5).toString('hex')}`.slice(0, prefix.length + 10);

async function spaceOf(request: FrontRequest, context: StandinContext): Promise<Space> {
  const account = await context.accountOf(request);
  const all = context.state('agentcore-policy', () => new Map<string, Space>());
  const key = `${account}/${request.aws.region}`;
  let space = all.get(key);
  if (!space) {
    space = { resourcePolicies: new Map(), engines: new Map() };
    all.set(key, space);
  }
  return space;
}

function engineOut(engine: EngineRecord, status = 'ACTIVE'): Record<string, unknown> {
  return {
    policyEngineId: engine.policyEngineId,
    name: engine.name,
    policyEngineArn: engine.policyEngineArn,
    status,
    statusReasons: [],
    createdAt: engine.createdAt.toISOString(),
    updatedAt: engine.updatedAt.toISOString(),
    ...(engine.description ? { description: engine.description } : {}),
    ...(engine.encryptionKeyArn ? { encryptionKeyArn: engine.encryptionKeyArn } : {}),
  };
}

function policyOut(policy: PolicyRecord, status = 'ACTIVE'): Record<string, unknown> {
  return {
    policyId: policy.policyId,
    name: policy.name,
    policyEngineId: policy.policyEngineId,
    policyArn: policy.policyArn,
    definition: policy.definition,
    status,
    statusReasons: [],
    createdAt: policy.createdAt.toISOString(),
    updatedAt: policy.updatedAt.toISOString(),
    ...(policy.description ? { description: policy.description } : {}),
    ...(policy.enforcementMode ? { enforcementMode: policy.enforcementMode } : {}),
  };
}

/** One page of a list: `maxResults` (query) items from the offset in `nextToken`. */
function page<T>(request: FrontRequest, key: string, items: T[]): Record<string, unknown> {
  const max =
    Number(request.query.get('maxResults') ?? request.aws.params.maxResults ?? 100) || 100;
  const start = Number(request.query.get('nextToken') ?? request.aws.params.nextToken ?? 0) || 0;
  const next = start + max < items.length ? String(start + max) : undefined;
  return { [key]: items.slice(start, start + max), ...(next ? { nextToken: next } : {}) };
}

async function gatewayExists(
  request: FrontRequest,
  context: StandinContext,
  arn: string,
): Promise<void> {
  const id = GATEWAY_ARN.exec(arn)?.[3];
  if (!id) throw validation(`resourceArn ${arn} is not a gateway ARN`);
  try {
    await context
      .motoClient(BedrockAgentCoreControlClient, request)
      .send(new GetGatewayCommand({ gatewayIdentifier: id }));
  } catch {
    throw notFound(`Could not find Gateway with ID ${id}`);
  }
}

function engineOf(space: Space, id: string | undefined): EngineRecord {
  const engine = id === undefined ? undefined : space.engines.get(id);
  if (!engine) throw notFound(`Policy engine ${id ?? ''} not found`);
  return engine;
}

function policyOf(engine: EngineRecord, id: string | undefined): PolicyRecord {
  const policy = id === undefined ? undefined : engine.policies.get(id);
  if (!policy) throw notFound(`Policy ${id ?? ''} not found`);
  return policy;
}

export const agentcorePolicyRoute: StandinRoute = {
  name: 'agentcore:policy',
  model: 'bedrock-agentcore-control',
  matches: (request) =>
    request.aws.service === 'bedrock-agentcore' &&
    request.aws.operation !== undefined &&
    OPERATIONS.has(request.aws.operation) &&
    (request.path.startsWith('/resourcepolicy/') || request.path.startsWith('/policy-engines')),
  async handle(request, context) {
    const space = await spaceOf(request, context);
    const { labels, params, region } = request.aws;
    const account = await context.accountOf(request);
    const now = new Date();
    switch (request.aws.operation) {
      case 'PutResourcePolicy': {
        const arn = labels.resourceArn ?? '';
        await gatewayExists(request, context, arn);
        const policy = str(params.policy);
        if (!policy) throw validation('policy is required');
        try {
          JSON.parse(policy);
        } catch {
          throw validation('policy is not a valid JSON policy document');
        }
        space.resourcePolicies.set(arn, policy);
        return restJson(201, { policy });
      }
      case 'GetResourcePolicy': {
        const arn = labels.resourceArn ?? '';
        await gatewayExists(request, context, arn);
        const policy = space.resourcePolicies.get(arn);
        if (policy === undefined) throw notFound(`No resource policy for ${arn}`);
        return restJson(200, { policy });
      }
      case 'DeleteResourcePolicy': {
        const arn = labels.resourceArn ?? '';
        if (!space.resourcePolicies.delete(arn)) throw notFound(`No resource policy for ${arn}`);
        return restJson(204, {});
      }
      case 'CreatePolicyEngine': {
        const name = str(params.name) ?? '';
        if ([...space.engines.values()].some((e) => e.name === name))
          throw conflict(`Policy engine ${name} already exists`);
        const id = newId(`${name.slice(0, 20)}-`);
        const engine: EngineRecord = {
          policyEngineId: id,
          name,
          policyEngineArn: `arn:aws:bedrock-agentcore:${region}:${account}:policy-engine/${id}`,
          createdAt: now,
          updatedAt: now,
          policies: new Map(),
          ...(str(params.description) ? { description: str(params.description) } : {}),
          ...(str(params.encryptionKeyArn)
            ? { encryptionKeyArn: str(params.encryptionKeyArn) }
            : {}),
        };
        space.engines.set(id, engine);
        return restJson(202, engineOut(engine, 'CREATING'));
      }
      case 'GetPolicyEngine':
        return restJson(200, engineOut(engineOf(space, labels.policyEngineId)));
      case 'ListPolicyEngines':
        return restJson(
          200,
          page(
            request,
            'policyEngines',
            [...space.engines.values()].map((e) => engineOut(e)),
          ),
        );
      case 'DeletePolicyEngine': {
        const engine = engineOf(space, labels.policyEngineId);
        if (engine.policies.size > 0)
          throw conflict(`Policy engine ${engine.policyEngineId} still has policies`);
        space.engines.delete(engine.policyEngineId);
        return restJson(202, engineOut(engine, 'DELETING'));
      }
      case 'CreatePolicy': {
        const engine = engineOf(space, labels.policyEngineId);
        const name = str(params.name) ?? '';
        if ([...engine.policies.values()].some((p) => p.name === name))
          throw conflict(`Policy ${name} already exists`);
        const id = newId(`${name.slice(0, 20)}-`);
        const policy: PolicyRecord = {
          policyId: id,
          name,
          policyEngineId: engine.policyEngineId,
          policyArn: `${engine.policyEngineArn}/policy/${id}`,
          definition: params.definition,
          createdAt: now,
          updatedAt: now,
          ...(str(params.description) ? { description: str(params.description) } : {}),
          ...(str(params.enforcementMode) ? { enforcementMode: str(params.enforcementMode) } : {}),
        };
        engine.policies.set(id, policy);
        return restJson(202, policyOut(policy, 'CREATING'));
      }
      case 'GetPolicy': {
        const engine = engineOf(space, labels.policyEngineId);
        return restJson(200, policyOut(policyOf(engine, labels.policyId)));
      }
      case 'ListPolicies': {
        const engine = engineOf(space, labels.policyEngineId);
        return restJson(
          200,
          page(
            request,
            'policies',
            [...engine.policies.values()].map((p) => policyOut(p)),
          ),
        );
      }
      case 'UpdatePolicy': {
        const engine = engineOf(space, labels.policyEngineId);
        const policy = policyOf(engine, labels.policyId);
        if (params.definition !== undefined) policy.definition = params.definition;
        if (str(params.enforcementMode)) policy.enforcementMode = str(params.enforcementMode);
        const description = params.description as { optionalValue?: unknown } | undefined;
        if (description !== undefined) {
          const value = str(description.optionalValue);
          if (value) policy.description = value;
          else delete policy.description;
        }
        policy.updatedAt = now;
        return restJson(202, policyOut(policy, 'UPDATING'));
      }
      case 'DeletePolicy': {
        const engine = engineOf(space, labels.policyEngineId);
        const policy = policyOf(engine, labels.policyId);
        engine.policies.delete(policy.policyId);
        return restJson(202, policyOut(policy, 'DELETING'));
      }
      default:
        throw validation(`${request.aws.operation ?? 'unknown'} is not served here`);
    }
  },
};
