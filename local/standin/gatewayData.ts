/**
 * A gateway's MCP endpoint: `POST https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com`
 * (path `/` or `/mcp`) with JSON-RPC `initialize`, `notifications/initialized` and `tools/list`
 * for the gateways moto holds. TEST/DEMO STAND-IN — no tool is ever called (`tools/call` is
 * refused), and nothing here is product code.
 *
 * The inbound authorizer is checked as the gateway checks it: an `AWS_IAM` gateway takes a
 * SigV4 request for `bedrock-agentcore` (the front's IAM gate has decided
 * `bedrock-agentcore:InvokeGateway` on the gateway before this runs); a `CUSTOM_JWT` gateway
 * takes a bearer JWT verified against its `discoveryUrl` (issuer, JWKS), `allowedClients` and
 * `allowedAudience`. Anything else is 401 with JSON-RPC error -32001 "Invalid Bearer token".
 *
 * Tools: `<target>___<tool>` from each target's inline schema (Lambda tool schemas, OpenAPI
 * operationIds), and for MCP server targets a stand-in-only synchronized list set with
 * `POST /_gatewarden/gateway/synchronized-tools {"gatewayId","target","tools":[…]}`; the same
 * route can add names as a misbehaving server would (`"extra":[…]`, sent verbatim) and pad the
 * answer (`"padBytes": n`), for tests of what the product accepts.
 */
import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
  GetGatewayTargetCommand,
  ListGatewayTargetsCommand,
  type GetGatewayCommandOutput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { GATEWAY_ENDPOINT, header, hostOf } from './awsRequest.js';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import { restJson, restJsonError, StandinError, type StandinResponse } from './http.js';

/** The gateway a request's Host names, when it names one. */
export function gatewayOfHost(
  headers: FrontRequest['headers'],
): { gatewayId: string; region: string } | undefined {
  const host = hostOf(headers);
  if (!GATEWAY_ENDPOINT.test(host)) return undefined;
  const [gatewayId = '', , , region = ''] = host.split('.');
  return { gatewayId, region };
}

interface Synchronized {
  tools: Record<string, unknown>[];
}
interface GatewayExtras {
  extra: unknown[];
  padBytes: number;
}
interface GatewayDataState {
  synchronized: Map<string, Synchronized>;
  extras: Map<string, GatewayExtras>;
}
const stateOf = (context: StandinContext): GatewayDataState =>
  context.state('gateway-data-plane', () => ({ synchronized: new Map(), extras: new Map() }));

const PAGE_SIZE = 50;

const rpc = (id: unknown, body: Record<string, unknown>, status = 200): StandinResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id: id ?? null, ...body }),
});
const invalidToken = (id: unknown) =>
  rpc(id, { error: { code: -32001, message: 'Invalid Bearer token' } }, 401);

export const gatewayDataRoute: StandinRoute = {
  name: 'bedrock-agentcore:InvokeGateway',
  matches: (request) =>
    request.method === 'POST' &&
    (request.path === '/' || request.path === '/mcp') &&
    gatewayOfHost(request.headers) !== undefined,
  async handle(request, context) {
    const { gatewayId, region } = gatewayOfHost(request.headers) ?? { gatewayId: '', region: '' };
    let message: { id?: unknown; method?: unknown; params?: unknown };
    try {
      message = JSON.parse(request.body.toString('utf8')) as typeof message;
    } catch {
      return rpc(null, { error: { code: -32700, message: 'Parse error' } }, 400);
    }
    const control = context.motoClient(BedrockAgentCoreControlClient, {
      ...request,
      aws: { ...request.aws, region },
    });
    const gateway = await control
      .send(new GetGatewayCommand({ gatewayIdentifier: gatewayId }))
      .catch(() => undefined);
    if (gateway === undefined)
      return restJsonError(new StandinError(404, 'ResourceNotFoundException', 'no such gateway'));
    if (!(await authorized(request, gateway))) return invalidToken(message.id);
    if (message.method === 'notifications/initialized')
      return { status: 202, headers: {}, body: '' };
    if (message.method === 'initialize')
      return rpc(message.id, {
        result: {
          protocolVersion: '2025-06-18',
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'gatewarden-local-gateway', version: '1' },
        },
      });
    if (message.method !== 'tools/list')
      return rpc(message.id, { error: { code: -32601, message: 'Method not found' } });
    const tools = await toolsOf(control, gatewayId, stateOf(context));
    const cursor = (message.params as { cursor?: unknown } | undefined)?.cursor;
    const start = typeof cursor === 'string' ? Number(/^page-(\d+)$/.exec(cursor)?.[1]) : 0;
    if (!Number.isInteger(start))
      return rpc(message.id, { error: { code: -32602, message: 'Invalid cursor' } });
    const page = tools.slice(start, start + PAGE_SIZE);
    const next = start + PAGE_SIZE < tools.length ? `page-${start + PAGE_SIZE}` : undefined;
    const pad = stateOf(context).extras.get(gatewayId)?.padBytes ?? 0;
    return rpc(message.id, {
      result: {
        tools: page,
        ...(next !== undefined ? { nextCursor: next } : {}),
        ...(pad > 0 ? { _meta: { padding: 'x'.repeat(pad) } } : {}),
      },
    });
  },
};

/** The gateway's inbound authorizer, as the gateway applies it. */
async function authorized(
  request: FrontRequest,
  gateway: GetGatewayCommandOutput,
): Promise<boolean> {
  const auth = header(request.headers, 'authorization') ?? '';
  if (gateway.authorizerType === 'AWS_IAM')
    // Signed for bedrock-agentcore; the IAM gate decided InvokeGateway before this route ran.
    return request.aws.service === 'bedrock-agentcore' && request.aws.accessKeyId !== undefined;
  if (gateway.authorizerType !== 'CUSTOM_JWT') return false;
  const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(auth)?.[1];
  const jwt = gateway.authorizerConfiguration?.customJWTAuthorizer;
  if (token === undefined || jwt?.discoveryUrl === undefined) return false;
  try {
    const discovery = (await (await fetch(jwt.discoveryUrl)).json()) as {
      issuer?: string;
      jwks_uri?: string;
    };
    if (!discovery.issuer || !discovery.jwks_uri) return false;
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      ...(jwt.allowedAudience?.length ? { audience: jwt.allowedAudience } : {}),
    });
    const client = typeof payload.client_id === 'string' ? payload.client_id : payload.azp;
    return !jwt.allowedClients?.length || jwt.allowedClients.includes(String(client));
  } catch {
    return false;
  }
}

/** Every tool the gateway serves, `<target>___<tool>`, then the stand-in's extra names. */
async function toolsOf(
  control: BedrockAgentCoreControlClient,
  gatewayId: string,
  state: GatewayDataState,
): Promise<unknown[]> {
  const tools: unknown[] = [];
  let nextToken: string | undefined;
  do {
    const page = await control.send(
      new ListGatewayTargetsCommand({ gatewayIdentifier: gatewayId, nextToken }),
    );
    for (const item of page.items ?? []) {
      if (!item.targetId) continue;
      const target = await control.send(
        new GetGatewayTargetCommand({ gatewayIdentifier: gatewayId, targetId: item.targetId }),
      );
      const name = target.name ?? '';
      for (const tool of targetTools(
        target.targetConfiguration,
        state.synchronized.get(`${gatewayId}/${name}`),
      ))
        tools.push({ ...tool, name: `${name}___${String(tool.name)}` });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return [...tools, ...(state.extras.get(gatewayId)?.extra ?? [])];
}

function targetTools(
  configuration: unknown,
  synchronized: Synchronized | undefined,
): Record<string, unknown>[] {
  const mcp = (configuration as { mcp?: Record<string, unknown> } | undefined)?.mcp ?? {};
  if ('mcpServer' in mcp) return synchronized?.tools ?? [];
  const lambda = mcp.lambda as { toolSchema?: { inlinePayload?: unknown } } | undefined;
  if (Array.isArray(lambda?.toolSchema?.inlinePayload))
    return (lambda.toolSchema.inlinePayload as Record<string, unknown>[]).map((t) => ({
      name: t.name,
      description: t.description ?? '',
      inputSchema: t.inputSchema ?? { type: 'object' },
    }));
  const openApi = mcp.openApiSchema as { inlinePayload?: unknown } | undefined;
  if (typeof openApi?.inlinePayload === 'string') {
    try {
      const doc = JSON.parse(openApi.inlinePayload) as {
        paths?: Record<string, Record<string, { operationId?: string }>>;
      };
      return Object.values(doc.paths ?? {}).flatMap((item) =>
        Object.values(item)
          .filter((op) => typeof op.operationId === 'string')
          .map((op) => ({ name: op.operationId, inputSchema: { type: 'object' } })),
      );
    } catch {
      return [];
    }
  }
  return [];
}

/** `POST /_gatewarden/gateway/synchronized-tools`: a target's synchronized tools, extras. */
export const gatewayDataAdminRoute: StandinRoute = {
  name: 'admin:gateway-data-plane',
  recordInCloudTrail: false,
  matches: (request) => request.path === '/_gatewarden/gateway/synchronized-tools',
  handle(request, context) {
    if (request.method !== 'POST')
      return Promise.resolve(restJsonError(new StandinError(404, 'NotFound', 'no such route')));
    let body: {
      gatewayId?: unknown;
      target?: unknown;
      tools?: unknown;
      extra?: unknown;
      padBytes?: unknown;
    };
    try {
      body = JSON.parse(request.body.toString('utf8')) as typeof body;
    } catch {
      return Promise.resolve(
        restJsonError(new StandinError(400, 'ValidationException', 'not JSON')),
      );
    }
    if (typeof body.gatewayId !== 'string')
      return Promise.resolve(
        restJsonError(new StandinError(400, 'ValidationException', 'gatewayId is required')),
      );
    const state = stateOf(context);
    if (typeof body.target === 'string' && Array.isArray(body.tools))
      state.synchronized.set(`${body.gatewayId}/${body.target}`, {
        tools: body.tools as Record<string, unknown>[],
      });
    if (Array.isArray(body.extra) || typeof body.padBytes === 'number')
      state.extras.set(body.gatewayId, {
        extra: Array.isArray(body.extra) ? body.extra : [],
        padBytes: typeof body.padBytes === 'number' ? body.padBytes : 0,
      });
    return Promise.resolve(restJson(201, { ok: true }));
  },
};
