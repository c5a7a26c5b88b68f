import * as control from '@aws-sdk/client-bedrock-agentcore-control';
import * as data from '@aws-sdk/client-bedrock-agentcore';
import { READ_OPERATION } from '../../../lib/detection/coverage.js';

/**
 * The AgentCore operations as the installed SDKs' service models define them: every exported
 * operation schema (`[9, namespace, name, traits, input, output]`) with its input and output
 * members. Read from the package, not a hand list, so a new SDK version's operations appear.
 */
export interface ModelOperation {
  name: string;
  /** Top-level members of the request (what CloudTrail records as requestParameters). */
  input: string[];
  /** Top-level members of the response (responseElements). */
  output: string[];
}

type Schema = unknown;

function resolve(schema: Schema): Schema {
  return typeof schema === 'function' ? (schema as () => Schema)() : schema;
}

/** Member names of a structure schema (`[3, namespace, name, traits, names, schemas]`). */
function members(schema: Schema): string[] {
  const resolved = resolve(schema);
  if (!Array.isArray(resolved) || resolved[0] !== 3 || !Array.isArray(resolved[4])) return [];
  return (resolved[4] as unknown[]).filter((m): m is string => typeof m === 'string');
}

function operations(module: Record<string, unknown>): ModelOperation[] {
  const found: ModelOperation[] = [];
  for (const value of Object.values(module)) {
    if (!Array.isArray(value) || value[0] !== 9 || typeof value[2] !== 'string') continue;
    found.push({ name: value[2], input: members(value[4]), output: members(value[5]) });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every operation of `@aws-sdk/client-bedrock-agentcore-control`. */
export const controlPlaneOperations: readonly ModelOperation[] = operations(
  control as unknown as Record<string, unknown>,
);

/** Every operation of `@aws-sdk/client-bedrock-agentcore` (the data plane). */
export const dataPlaneOperations: readonly ModelOperation[] = operations(
  data as unknown as Record<string, unknown>,
);

/** Control-plane operations that change something (all but Get and List). */
export const mutatingControlPlaneOperations: readonly ModelOperation[] =
  controlPlaneOperations.filter((op) => !READ_OPERATION.test(op.name));
