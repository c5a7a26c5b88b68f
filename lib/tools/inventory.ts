/**
 * The tools a gateway exposes, from GetGatewayTarget answers (the SDK adapter or a `--targets`
 * export): inline Lambda tool schemas, inline OpenAPI and Smithy models, MCP server tool
 * schemas and the synchronized tool list of MCP server targets. A target whose tools cannot be
 * read offline (schema in S3, YAML, unknown kind) says why, and its tools count as unknown.
 */
import { deployedEngineOf, type DeployedEngine } from './deployed.js';
import { ToolsInputError } from './errors.js';

/** The JSON-schema subset AgentCore maps to Cedar (type, properties, required, items). */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}

export interface ToolInfo {
  /** `<target>___<tool>`, as MCP clients and the policy engine name it. */
  name: string;
  inputSchema?: JsonSchema;
}

export interface TargetInfo {
  targetId: string;
  name: string;
  tools: ToolInfo[];
  /** Why the tools of this target are not known (they may exist but cannot be listed). */
  toolsUnknown?: string;
  /** Where the tools came from when not from the target's configuration (a live listing). */
  toolsFrom?: 'gateway tools/list';
}

export interface GatewayTools {
  gatewayArn: string;
  gatewayId: string;
  authorizerType?: string;
  targets: TargetInfo[];
  /** The gateway's policy engine and its policies, when the export carries them. */
  deployed?: DeployedEngine;
}

/** Tool names in AgentCore: `<target name>___<tool name>` (three underscores). */
export const TOOL_SEPARATOR = '___';

export const gatewayIdOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

const MAX_TARGETS_FILE_CHARS = 50_000_000;

/**
 * Parses a `--targets` export: `{"gateways":[{"gatewayArn","authorizerType","targets":[…]}]}`
 * with GetGatewayTarget answers as targets, or a bare array (or `{"targets":[…]}`) of
 * GetGatewayTarget answers, each carrying its `gatewayArn`.
 */
export function parseTargetsFile(text: string, source = 'targets file'): GatewayTools[] {
  if (text.length > MAX_TARGETS_FILE_CHARS)
    throw new ToolsInputError(`${source} is larger than ${MAX_TARGETS_FILE_CHARS} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ToolsInputError(`${source} is not valid JSON`);
  }
  const byArn = new Map<string, GatewayTools>();
  const add = (
    arn: unknown,
    authorizerType: unknown,
    targets: unknown,
    entry?: Record<string, unknown>,
  ): void => {
    if (typeof arn !== 'string' || !/^arn:[\w-]+:bedrock-agentcore:/.test(arn))
      throw new ToolsInputError(`${source}: each gateway or target needs its gatewayArn`);
    let gateway = byArn.get(arn);
    if (gateway === undefined) {
      gateway = { gatewayArn: arn, gatewayId: gatewayIdOf(arn), targets: [] };
      byArn.set(arn, gateway);
    }
    if (typeof authorizerType === 'string') gateway.authorizerType = authorizerType;
    const deployed = deployedEngineOf(entry);
    if (deployed !== undefined) gateway.deployed = deployed;
    for (const target of Array.isArray(targets) ? targets : [])
      gateway.targets.push(targetInfo(target));
  };
  const root = asObject(parsed);
  if (Array.isArray(root?.gateways)) {
    for (const g of root.gateways as unknown[]) {
      const gw = asObject(g);
      add(gw?.gatewayArn, gw?.authorizerType, gw?.targets, gw);
    }
  } else {
    const targets = Array.isArray(parsed) ? parsed : root?.targets;
    if (!Array.isArray(targets))
      throw new ToolsInputError(
        `${source}: expected {"gateways":[…]} or an array of GetGatewayTarget answers`,
      );
    for (const t of targets) add(asObject(t)?.gatewayArn, undefined, [t]);
  }
  return [...byArn.values()];
}

/** The tools of one GetGatewayTarget answer (plus an optional synchronized `tools` list). */
export function targetInfo(value: unknown): TargetInfo {
  const target = asObject(value);
  const targetId = typeof target?.targetId === 'string' ? target.targetId : '';
  const name = typeof target?.name === 'string' ? target.name : '';
  const info: TargetInfo = { targetId, name, tools: [] };
  if (name === '') {
    info.toolsUnknown = 'target has no name (tool names are <target name>___<tool>)';
    return info;
  }
  const read = toolsOf(target);
  if ('unknown' in read) info.toolsUnknown = read.unknown;
  else
    info.tools = read.tools.map((t) => ({
      name: `${name}${TOOL_SEPARATOR}${t.name}`,
      ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}),
    }));
  return info;
}

type ToolsRead = { tools: { name: string; inputSchema?: JsonSchema }[] } | { unknown: string };

function toolsOf(target: Record<string, unknown> | undefined): ToolsRead {
  // A synchronized list (MCP server targets) wins: it is what the gateway serves.
  if (Array.isArray(target?.tools)) return { tools: mcpTools(target.tools) };
  const mcp = asObject(asObject(target?.targetConfiguration)?.mcp);
  if (mcp === undefined)
    return { unknown: 'no targetConfiguration.mcp (list item or unknown kind)' };
  const lambda = asObject(mcp.lambda);
  if (lambda !== undefined) {
    const schema = asObject(lambda.toolSchema);
    if (Array.isArray(schema?.inlinePayload)) return { tools: mcpTools(schema.inlinePayload) };
    return { unknown: s3Reason(schema) };
  }
  const openApi = asObject(mcp.openApiSchema);
  if (openApi !== undefined) return inlineJson(openApi, openApiTools);
  const smithy = asObject(mcp.smithyModel);
  if (smithy !== undefined) return inlineJson(smithy, smithyTools);
  const server = asObject(mcp.mcpServer);
  if (server !== undefined) {
    const schema = asObject(server.mcpToolSchema);
    if (schema === undefined)
      return {
        unknown:
          'MCP server target: tools are synchronized, not in its configuration (add its "tools" list, or list them live from the gateway)',
      };
    return inlineJson(schema, (doc) => {
      const list = Array.isArray(doc) ? doc : asObject(doc)?.tools;
      return Array.isArray(list) ? mcpTools(list) : [];
    });
  }
  return { unknown: `target kind ${Object.keys(mcp).join(',') || 'none'} lists no tools offline` };
}

function s3Reason(schema: Record<string, unknown> | undefined): string {
  return asObject(schema?.s3) !== undefined ? 'schema in S3, not read offline' : 'no inline schema';
}

function inlineJson(
  config: Record<string, unknown>,
  read: (doc: unknown) => { name: string; inputSchema?: JsonSchema }[],
): ToolsRead {
  if (typeof config.inlinePayload !== 'string') return { unknown: s3Reason(config) };
  let doc: unknown;
  try {
    doc = JSON.parse(config.inlinePayload);
  } catch {
    return { unknown: 'inline schema is not JSON (YAML is not read offline)' };
  }
  return { tools: read(doc) };
}

/** Tools of an MCP `tools` list: named entries, input schemas reduced to Cedar's subset. */
export function mcpTools(list: readonly unknown[]): { name: string; inputSchema?: JsonSchema }[] {
  const tools: { name: string; inputSchema?: JsonSchema }[] = [];
  for (const item of list) {
    const tool = asObject(item);
    if (typeof tool?.name !== 'string' || tool.name === '') continue;
    const schema = jsonSchema(tool.inputSchema);
    tools.push({ name: tool.name, ...(schema ? { inputSchema: schema } : {}) });
  }
  return tools;
}

/** OpenAPI: one tool per operationId; input from parameters and a JSON request body. */
function openApiTools(doc: unknown): { name: string; inputSchema?: JsonSchema }[] {
  const tools: { name: string; inputSchema?: JsonSchema }[] = [];
  const paths = asObject(asObject(doc)?.paths) ?? {};
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(asObject(item) ?? {})) {
      const op = asObject(operation);
      if (typeof op?.operationId !== 'string' || op.operationId === '') continue;
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const p of Array.isArray(op.parameters) ? op.parameters : []) {
        const param = asObject(p);
        if (typeof param?.name !== 'string') continue;
        properties[param.name] = jsonSchema(param.schema) ?? {};
        if (param.required === true) required.push(param.name);
      }
      const body = jsonSchema(
        asObject(asObject(asObject(op.requestBody)?.content)?.['application/json'])?.schema,
      );
      for (const [k, v] of Object.entries(body?.properties ?? {})) properties[k] = v;
      required.push(...(body?.required ?? []));
      tools.push({ name: op.operationId, inputSchema: { type: 'object', properties, required } });
    }
  }
  return tools;
}

const SMITHY_TYPES: Record<string, string> = {
  string: 'string',
  enum: 'string',
  integer: 'integer',
  long: 'integer',
  short: 'integer',
  byte: 'integer',
  intEnum: 'integer',
  boolean: 'boolean',
  float: 'number',
  double: 'number',
  bigDecimal: 'number',
  bigInteger: 'integer',
};

/** Smithy JSON AST: one tool per operation shape; input members typed from their targets. */
function smithyTools(doc: unknown): { name: string; inputSchema?: JsonSchema }[] {
  const shapes = asObject(asObject(doc)?.shapes) ?? {};
  const typeOf = (target: unknown): JsonSchema => {
    if (typeof target !== 'string') return {};
    const builtin =
      SMITHY_TYPES[target.replace(/^smithy\.api#/, '').replace(/^./, (c) => c.toLowerCase())];
    if (builtin !== undefined) return { type: builtin };
    const shape = asObject(shapes[target]);
    const type = typeof shape?.type === 'string' ? shape.type : '';
    if (SMITHY_TYPES[type] !== undefined) return { type: SMITHY_TYPES[type] };
    return {};
  };
  const tools: { name: string; inputSchema?: JsonSchema }[] = [];
  for (const [id, value] of Object.entries(shapes)) {
    const shape = asObject(value);
    if (shape?.type !== 'operation') continue;
    const name = id.slice(id.indexOf('#') + 1);
    const input = asObject(shapes[String(asObject(shape.input)?.target ?? '')]);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [member, def] of Object.entries(asObject(input?.members) ?? {})) {
      const m = asObject(def);
      properties[member] = typeOf(m?.target);
      if (asObject(m?.traits)?.['smithy.api#required'] !== undefined) required.push(member);
    }
    tools.push({ name, inputSchema: { type: 'object', properties, required } });
  }
  return tools;
}

/** A JSON schema reduced to the subset Cedar types are built from (depth-bounded). */
function jsonSchema(value: unknown, depth = 0): JsonSchema | undefined {
  const s = asObject(value);
  if (s === undefined || depth > 8) return undefined;
  const out: JsonSchema = {};
  if (typeof s.type === 'string') out.type = s.type;
  const props = asObject(s.properties);
  if (props !== undefined) {
    out.properties = {};
    for (const [k, v] of Object.entries(props)) out.properties[k] = jsonSchema(v, depth + 1) ?? {};
  }
  if (Array.isArray(s.required))
    out.required = s.required.filter((r): r is string => typeof r === 'string');
  const items = jsonSchema(s.items, depth + 1);
  if (items !== undefined) out.items = items;
  return out;
}

/** The value as a plain object, or undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
