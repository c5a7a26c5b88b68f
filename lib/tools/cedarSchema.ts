/**
 * The Cedar schema AgentCore Policy validates a gateway's policies against, built as AgentCore
 * documents it: namespace `AgentCore`; principal `OAuthUser` (id from the JWT `sub`, claims as
 * tags) or `IamEntity` (id is the caller's IAM ARN, no tags) on `AWS_IAM` gateways; resource
 * `Gateway`; one action per tool, `<target>___<tool>`, in the `CallTool` → `Mcp` hierarchy,
 * whose only context is `input`, typed from the tool's JSON schema (string→String,
 * integer→Long, boolean→Bool, number→Decimal, object→Record, array→Set).
 */
import type { EntityJson, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Caller } from './invokeRecord.js';
import type { JsonSchema } from './inventory.js';

export const NAMESPACE = 'AgentCore';
export type PrincipalType = 'OAuthUser' | 'IamEntity';

export interface SchemaTool {
  name: string;
  inputSchema?: JsonSchema;
}

/** Cedar JSON-schema type (the subset built here). */
type CedarType =
  | { type: 'String' | 'Long' | 'Boolean' }
  | { type: 'Extension'; name: 'decimal' }
  | { type: 'Set'; element: CedarType }
  | { type: 'Record'; attributes: Record<string, CedarType & { required?: boolean }> };

/** The schema of one gateway's tools, for the principal types its authorizer produces. */
export function gatewaySchema(
  tools: readonly SchemaTool[],
  principalTypes: readonly PrincipalType[],
): SchemaJson<string> {
  const actions: Record<string, unknown> = {
    Mcp: {},
    CallTool: { memberOf: [{ id: 'Mcp' }] },
  };
  for (const tool of tools) {
    actions[tool.name] = {
      memberOf: [{ id: 'CallTool' }],
      appliesTo: {
        principalTypes: [...principalTypes],
        resourceTypes: ['Gateway'],
        context: {
          type: 'Record',
          attributes: { input: { ...inputType(tool.inputSchema), required: true } },
        },
      },
    };
  }
  return {
    [NAMESPACE]: {
      entityTypes: {
        OAuthUser: {
          shape: { type: 'Record', attributes: { id: { type: 'String' } } },
          tags: { type: 'String' },
        },
        IamEntity: { shape: { type: 'Record', attributes: { id: { type: 'String' } } } },
        Gateway: {},
      },
      actions,
    },
  } as unknown as SchemaJson<string>;
}

/** A tool's input as a Cedar record; properties whose type Cedar cannot hold are left out. */
function inputType(schema: JsonSchema | undefined): CedarType {
  const record = schema === undefined ? undefined : cedarType(schema, 0);
  return record?.type === 'Record' ? record : { type: 'Record', attributes: {} };
}

function cedarType(schema: JsonSchema, depth: number): CedarType | undefined {
  if (depth > 8) return undefined;
  switch (schema.type) {
    case 'string':
      return { type: 'String' };
    case 'integer':
      return { type: 'Long' };
    case 'boolean':
      return { type: 'Boolean' };
    case 'number':
      return { type: 'Extension', name: 'decimal' };
    case 'array': {
      const element = schema.items === undefined ? undefined : cedarType(schema.items, depth + 1);
      return element === undefined ? undefined : { type: 'Set', element };
    }
    case 'object':
    case undefined: {
      if (schema.type === undefined && schema.properties === undefined) return undefined;
      const required = new Set(schema.required ?? []);
      const attributes: Record<string, CedarType & { required?: boolean }> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        const type = cedarType(prop, depth + 1);
        if (type !== undefined) attributes[name] = { ...type, required: required.has(name) };
      }
      return { type: 'Record', attributes };
    }
    default:
      return undefined;
  }
}

/** The principal type a caller is evaluated as. */
export const principalTypeOf = (caller: Caller): PrincipalType =>
  caller.kind === 'iam' ? 'IamEntity' : 'OAuthUser';

/** The principal's uid as AgentCore builds it. */
export function principalUid(caller: Caller): { type: string; id: string } {
  return caller.kind === 'iam'
    ? { type: `${NAMESPACE}::IamEntity`, id: caller.arn }
    : { type: `${NAMESPACE}::OAuthUser`, id: caller.sub };
}

/** The principal entity a request carries: `id` attribute, and claims as tags for OAuth. */
export function principalEntity(caller: Caller): EntityJson {
  const uid = principalUid(caller);
  return caller.kind === 'iam'
    ? { uid, attrs: { id: caller.arn }, parents: [] }
    : { uid, attrs: { id: caller.sub }, parents: [], tags: { ...caller.claims } };
}

export const actionUid = (tool: string): { type: string; id: string } => ({
  type: `${NAMESPACE}::Action`,
  id: tool,
});

export const gatewayUid = (arn: string): { type: string; id: string } => ({
  type: `${NAMESPACE}::Gateway`,
  id: arn,
});

/** A Cedar string literal (Cedar's escapes: `\\`, `\"`, `\n`, `\r`, `\t`, `\0`, `\u{…}`). */
export function cedarString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029)
      out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A `like` pattern matching `prefix` and anything after it (`*` in the prefix is literal). */
export function cedarLikePrefix(prefix: string): string {
  return `${cedarString(prefix).slice(0, -1).replaceAll('*', '\\*')}*"`;
}
